#pragma once
// qs(): the dashboard's one way from the libraries' strings (std::string, UTF-8) to a QString.
// Include it in source files only: plan.cpp keeps a copy of its own in an unnamed namespace,
// which a header bringing this one in would make ambiguous.
#include <QString>

#include <string>

namespace dpcast::gui {

/// `s`, UTF-8, as a QString.
[[nodiscard]] inline QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace dpcast::gui
