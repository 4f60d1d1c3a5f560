#pragma once
// The dashboard's error colours in one place: the red of an error's text, of a wrong field's
// border, of a failing table cell and of a chart's failing configurations, and the banners'
// pale background and dark text. The style sheets that use them are built here too.
#include <QColor>
#include <QLatin1String>
#include <QString>

namespace dpcast::gui {

/// The red of errors: their text, a wrong field's border, failing cells and chart marks.
inline constexpr QLatin1String kErrorRed{"#c01c28"};
/// The pale red behind a banner that reports an error.
inline constexpr QLatin1String kErrorBackground{"#fbe3e4"};
/// The dark red of a banner's text.
inline constexpr QLatin1String kErrorDarkRed{"#8a1019"};
/// The outline of a chart's mark for a failing configuration (out of memory, breaks a constraint).
inline constexpr QLatin1String kErrorMarkOutline{"#700000"};

/// kErrorRed as a colour (table cells, chart marks).
[[nodiscard]] QColor error_color();
/// kErrorMarkOutline as a colour.
[[nodiscard]] QColor error_mark_outline_color();

/// An error's text: "color: #c01c28;".
[[nodiscard]] QString error_text_style();
/// A field whose value is wrong: "border: 1px solid #c01c28;".
[[nodiscard]] QString error_border_style();
/// An error framed above a panel's fields: red text in a red border.
[[nodiscard]] QString error_frame_style();
/// A banner widget named `object_name`: pale red inside a red border (its text: banner_text_style()).
[[nodiscard]] QString error_banner_style(const QString& object_name);
/// The text of a banner: dark red.
[[nodiscard]] QString banner_text_style();
/// A label named `object_name` that is its own banner: pale red, red border, dark red bold text.
[[nodiscard]] QString error_banner_label_style(const QString& object_name);

}  // namespace dpcast::gui
