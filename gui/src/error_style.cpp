// The dashboard's error colours and the style sheets built from them (see error_style.hpp).
#include "dpcast/gui/error_style.hpp"

namespace dpcast::gui {

QColor error_color() {
  return QColor(kErrorRed);
}

QColor error_mark_outline_color() {
  return QColor(kErrorMarkOutline);
}

QString error_text_style() {
  return QStringLiteral("color: %1;").arg(kErrorRed);
}

QString error_border_style() {
  return QStringLiteral("border: 1px solid %1;").arg(kErrorRed);
}

QString error_frame_style() {
  return QStringLiteral("color: %1; border: 1px solid %1; padding: 4px;").arg(kErrorRed);
}

QString error_banner_style(const QString& object_name) {
  return QStringLiteral("#%1 { background: %2; border: 1px solid %3; }").arg(object_name, kErrorBackground, kErrorRed);
}

QString banner_text_style() {
  return QStringLiteral("color: %1;").arg(kErrorDarkRed);
}

QString error_banner_label_style(const QString& object_name) {
  return QStringLiteral("#%1 { background: %2; border: 1px solid %3; color: %4; padding: 6px; font-weight: bold; }")
      .arg(object_name, kErrorBackground, kErrorRed, kErrorDarkRed);
}

}  // namespace dpcast::gui
