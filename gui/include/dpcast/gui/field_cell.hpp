#pragma once
// A form field's cell as the scenario and plan panels lay it out: the editor(s), then the
// field's error (red: the CLI's detail, its tooltip the CLI's whole line) and a note (grey),
// both hidden until there is something to say; and the titled group of rows the scenario,
// sweep and plan panels put their fields in.
#include <QLabel>
#include <QWidget>

class QBoxLayout;
class QFormLayout;

#include <string>

#include "dpcast/gui/scenario_document.hpp"

namespace dpcast::gui {

struct FieldCell {
  QWidget* cell = nullptr;
  QLabel* error = nullptr;  // named "error:KEY" (tests find it by that name)
  QLabel* note = nullptr;
};

/// The cell of field `key` around `editors`.
[[nodiscard]] FieldCell make_field_cell(const std::string& key, QWidget* editors);

/// Shows `error` under the field (when non-null), else clears and hides the label.
void show_field_error(QLabel* label, const ValidationError* error);

/// A group box titled `title` at the end of `layout`, and the form its rows go in.
[[nodiscard]] QFormLayout* add_form_group(QBoxLayout* layout, const QString& title);

}  // namespace dpcast::gui
