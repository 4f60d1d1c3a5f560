#pragma once
// Reading YAML (and JSON) input with errors that say where: every problem becomes a
// dpcast::Error naming the file, line, column and dotted key path. A MapReader remembers
// which keys the code asked for, so finish() can reject the others with a did-you-mean.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::models {

/// How deep maps and lists may nest in any file dpcast reads (YAML or JSON). Scenarios and
/// records need five or six levels; anything deeper is refused where it goes past the limit,
/// before code that walks the tree can exhaust the stack.
inline constexpr int kMaxNesting = 64;
[[nodiscard]] std::string nesting_error();  // "nested deeper than 64 levels (the limit)"
/// The most items a list may hold (a layer list's layers, a plan's or a sweep's values).
inline constexpr std::size_t kMaxListItems = 100'000;

/// Parses a whole file; a syntax error becomes a dpcast::Error at its position.
[[nodiscard]] YAML::Node load_yaml_file(const std::string& path);
/// Parses text; `file` only names it in errors.
[[nodiscard]] YAML::Node load_yaml_text(const std::string& text, const std::string& file);

[[nodiscard]] SourceLocation location_of(const std::string& file, const YAML::Node& node);
/// The closest of `candidates` to `word`, if close enough to be a likely typo.
[[nodiscard]] std::optional<std::string> did_you_mean(std::string_view word,
                                                      const std::vector<std::string>& candidates);
/// " (did you mean 'x'?)" or "".
[[nodiscard]] std::string suggestion(std::string_view word, const std::vector<std::string>& candidates);
/// The finite number `text` spells as a whole (a scalar of a file, a command-line option); else
/// nullopt.
[[nodiscard]] std::optional<double> finite_number(const std::string& text);
/// A scalar as the user wrote it, for messages ("-4", "abc", "a list", "a map").
[[nodiscard]] std::string describe(const YAML::Node& node);

/// A name users write for one of a key's choices, and what it is called here: the note
/// replaces the did-you-mean, which would name the wrong choice ({"flash2", "FlashAttention-2 is flash"}).
struct OtherName {
  std::string_view name;
  std::string_view note;
};

/// One value in a file: where it is and how to read it.
class YamlValue {
 public:
  YamlValue(std::string file, const YAML::Node& node, std::string path);

  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] SourceLocation where() const { return location_of(file_, node_); }
  [[noreturn]] void fail(const std::string& detail) const;

  [[nodiscard]] std::string as_string() const;
  [[nodiscard]] std::int64_t as_positive_int() const;
  [[nodiscard]] std::int64_t as_int_in(std::int64_t lo, std::int64_t hi) const;
  [[nodiscard]] double as_positive_number() const;
  [[nodiscard]] double as_number_at_least(double lo) const;
  [[nodiscard]] bool as_bool() const;
  /// One of `choices`, else an error listing them (with a did-you-mean, or the note of a
  /// name in `other_names`).
  [[nodiscard]] std::string as_choice(const std::vector<std::string>& choices,
                                      std::initializer_list<OtherName> other_names = {}) const;
  /// One of an enum's names (enum_names.hpp), else as_choice's error.
  template <NamedEnum Enum>
  [[nodiscard]] Enum as_enum() const {
    return *enum_from_name<Enum>(as_choice(enum_names<Enum>()));
  }
  /// As as_enum(), with the names users write for its choices explained.
  template <NamedEnum Enum>
  [[nodiscard]] Enum as_enum_explaining(std::initializer_list<OtherName> other_names) const {
    return *enum_from_name<Enum>(as_choice(enum_names<Enum>(), other_names));
  }
  /// One of the names of `accepted`, offered in that order.
  template <NamedEnum Enum>
  [[nodiscard]] Enum as_enum(std::initializer_list<Enum> accepted) const {
    return *enum_from_name<Enum>(as_choice(enum_names(accepted)));
  }
  /// The items of a list of at most kMaxListItems.
  [[nodiscard]] std::vector<YamlValue> as_list() const;
  [[nodiscard]] std::vector<std::int64_t> as_positive_int_list() const;

 private:
  std::string file_;
  YAML::Node node_;
  std::string path_;
};

/// A mapping being read. Ask for each key you accept; finish() rejects the rest.
class MapReader {
 public:
  MapReader(std::string file, const YAML::Node& node, std::string path, SourceLocation parent = {});
  explicit MapReader(const YamlValue& value);

  [[nodiscard]] bool has(std::string_view key);
  /// The value at `key`; an error naming the key when it is missing.
  [[nodiscard]] YamlValue required(std::string_view key);
  [[nodiscard]] std::optional<YamlValue> optional(std::string_view key);
  [[nodiscard]] MapReader map(std::string_view key);  // a missing key reads as an empty map

  [[nodiscard]] std::string string(std::string_view key, std::optional<std::string> fallback = {});
  [[nodiscard]] std::int64_t positive_int(std::string_view key, std::optional<std::int64_t> fallback = {});
  [[nodiscard]] double positive_number(std::string_view key, std::optional<double> fallback = {});
  [[nodiscard]] bool boolean(std::string_view key, std::optional<bool> fallback = {});
  /// An integer in [lo, hi] (sizes are bounded so a typo cannot overflow or hang).
  [[nodiscard]] std::int64_t int_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                                    std::optional<std::int64_t> fallback = {});
  /// Declares every key this map accepts and rejects the others now, before any check
  /// that depends on which keys are present.
  void declare(std::initializer_list<std::string_view> keys);
  void declare(const std::vector<std::string_view>& keys);

  /// Rejects every key that was not asked for, with a did-you-mean.
  void finish() const;
  // After declare(), asking for a key not declared is a mistake in the reader (its key
  // would be rejected whenever it is written): std::logic_error.

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  /// Where the map is; for a map absent from the file, where its parent is.
  [[nodiscard]] SourceLocation where() const;
  [[nodiscard]] std::string child_path(std::string_view key) const;
  [[noreturn]] void fail(const std::string& detail) const;

 private:
  std::string file_;
  YAML::Node node_;
  std::string path_;
  SourceLocation parent_;
  std::set<std::string, std::less<>> asked_;
  bool declared_ = false;
  void ask(std::string_view key);
};

}  // namespace dpcast::models
