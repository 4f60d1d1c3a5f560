#include "dpcast/gui/field_cell.hpp"

#include <QFormLayout>
#include <QGroupBox>
#include <QVBoxLayout>

#include "dpcast/gui/error_style.hpp"

namespace dpcast::gui {

FieldCell make_field_cell(const std::string& key, QWidget* editors) {
  FieldCell f{new QWidget, new QLabel, new QLabel};
  auto* box = new QVBoxLayout(f.cell);
  box->setContentsMargins(0, 0, 0, 0);
  box->setSpacing(1);
  box->addWidget(editors);
  f.error->setObjectName(QString::fromStdString("error:" + key));
  f.error->setWordWrap(true);
  f.error->setStyleSheet(error_text_style());
  f.error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  f.error->hide();
  f.note->setWordWrap(true);
  f.note->setStyleSheet("color: palette(mid);");
  f.note->hide();
  box->addWidget(f.error);
  box->addWidget(f.note);
  return f;
}

void show_field_error(QLabel* label, const ValidationError* error) {
  label->setText(error ? QString::fromStdString(error->detail) : QString());
  label->setToolTip(error ? QString::fromStdString(error->message) : QString());
  label->setVisible(error != nullptr);
}

QFormLayout* add_form_group(QBoxLayout* layout, const QString& title) {
  auto* box = new QGroupBox(title);
  auto* form = new QFormLayout(box);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  layout->addWidget(box);
  return form;
}

}  // namespace dpcast::gui
