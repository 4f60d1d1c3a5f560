#pragma once
// Each enum's names in one table, which printing and parsing share. Next to each named enum
// its header specialises EnumNames with a constexpr array of rows {value, name} in enum
// order (a row may carry more, as Measure's unit does); to_string, enum_from_name and
// enum_names below read that table, and so do the readers' lists of choices. Adding an
// enumerator is adding a row: tests/models/test_enum_names.cpp fails on an enumerator
// without one.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dpcast::models {

/// One row of an enum's table.
template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

/// Specialised next to each named enum: `static constexpr std::array<Row, N> table`, rows
/// with `value` and `name`, in enum order.
template <typename Enum>
struct EnumNames {};

/// An enum with a table of names.
template <typename Enum>
concept NamedEnum = requires {
  EnumNames<Enum>::table;
};

/// Whether row i names enumerator i (what to_string's indexing relies on).
template <NamedEnum Enum>
[[nodiscard]] constexpr bool in_enum_order() {
  const auto& table = EnumNames<Enum>::table;
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].value) != i) return false;
  return true;
}

/// The name of `value`, as files and outputs write it.
template <NamedEnum Enum>
[[nodiscard]] constexpr std::string_view to_string(Enum value) {
  static_assert(in_enum_order<Enum>(), "an enum's names must be in enum order");
  return EnumNames<Enum>::table[static_cast<std::size_t>(value)].name;
}

/// The enumerator of that name, if there is one (names are case-sensitive).
template <NamedEnum Enum>
[[nodiscard]] constexpr std::optional<Enum> enum_from_name(std::string_view name) {
  for (const auto& row : EnumNames<Enum>::table)
    if (row.name == name) return row.value;
  return std::nullopt;
}

/// Every name, in enum order: the choices a reader offers, the candidates of a did-you-mean.
template <NamedEnum Enum>
[[nodiscard]] const std::vector<std::string>& enum_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    out.reserve(std::size(EnumNames<Enum>::table));
    for (const auto& row : EnumNames<Enum>::table) out.emplace_back(row.name);
    return out;
  }();
  return names;
}

/// The names of some enumerators, in the order given (a reader that accepts only some).
template <NamedEnum Enum>
[[nodiscard]] std::vector<std::string> enum_names(std::initializer_list<Enum> values) {
  std::vector<std::string> out;
  for (Enum v : values) out.emplace_back(to_string(v));
  return out;
}

}  // namespace dpcast::models
