#include "dpcast/models/yaml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/depthguard.h>

#include "dpcast/models/input_file.hpp"

namespace dpcast::models {

namespace {
// A key written twice in one map: yaml-cpp keeps both and a lookup finds the first, so the
// second (`nodes: 64` after `nodes: 2`, or a second `training:` map) would be ignored
// silently. Walks the tree with its own stack (no recursion to overflow) and checks each
// map once, however often aliases repeat it.
// Also refuses nesting beyond kMaxNesting (a node's depth is its distance from the root), and
// keys that are not names.
void reject_duplicate_keys(const YAML::Node& root, const std::string& file) {
  struct Item {
    YAML::Node node;
    std::string path;
    int depth;
  };
  std::vector<Item> todo{{root, "", 0}};
  std::set<std::size_t> checked;  // maps and sequences, by their position in the text
  while (!todo.empty()) {
    const auto [node, path, depth] = todo.back();
    todo.pop_back();
    if (!node.IsMap() && !node.IsSequence()) continue;
    if (depth >= kMaxNesting)  // named by its top-level key: the full path would be 64 steps long
      throw Error(location_of(file, node), path.substr(0, path.find_first_of(".[")), nesting_error());
    if (!node.Mark().is_null() && !checked.insert(static_cast<std::size_t>(node.Mark().pos)).second) continue;
    if (node.IsSequence()) {
      std::size_t index = 0;
      for (const auto& item : node) todo.push_back({item, path + "[" + std::to_string(index++) + "]", depth + 1});
      continue;
    }
    std::map<std::string, int> first_line;
    for (const auto& entry : node) {
      // A list, a map or nothing as a key (`? [a, b]`, `? `): no format of ours has one, and
      // code that reads a key as a name would fail on it.
      if (!entry.first.IsScalar())
        throw Error(location_of(file, entry.first), path, "expected a name as a key, got " + describe(entry.first));
      const std::string& key = entry.first.Scalar();
      const std::string key_path = path.empty() ? key : path + "." + key;
      const auto [it, fresh] = first_line.emplace(key, entry.first.Mark().line + 1);
      if (!fresh)
        throw Error(location_of(file, entry.first), key_path,
                    "duplicate key (first at line " + std::to_string(it->second) + "); write each key once");
      todo.push_back({entry.second, key_path, depth + 1});
    }
  }
}
// The first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos.
std::size_t first_bad_utf8(const std::string& text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      length = 2;
    else if (c == 0xE0)
      length = 3, low = 0xA0;
    else if (c == 0xED)
      length = 3, high = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
      length = 3;
    else if (c == 0xF0)
      length = 4, low = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
      length = 4;
    else if (c == 0xF4)
      length = 4, high = 0x8F;
    else
      return i;
    if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) return i;
    for (std::size_t k = 2; k < length; ++k)
      if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
    i += length;
  }
  return std::string::npos;
}

// Text that is not UTF-8 (a Latin-1 name, say) is refused where it is, before YAML reads it:
// it could not be written into JSON records later.
void require_utf8(const std::string& text, const std::string& file) {
  const std::size_t bad = first_bad_utf8(text);
  if (bad == std::string::npos) return;
  const auto line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  const int line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
  const int column = static_cast<int>(line_start == std::string::npos || bad == 0 ? bad + 1 : bad - line_start);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
  throw Error(SourceLocation{file, line, column}, "",
              std::string("not UTF-8 text (byte ") + hex + "); save the file as UTF-8");
}
}  // namespace

std::string nesting_error() {
  return "nested deeper than " + std::to_string(kMaxNesting) + " levels (the limit)";
}

YAML::Node load_yaml_text(const std::string& text, const std::string& file) {
  require_utf8(text, file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own guard (2000 levels): its message says "bad file"
    throw Error(SourceLocation{file, e.mark.line + 1, e.mark.column + 1}, "", nesting_error());
  } catch (const YAML::Exception& e) {
    SourceLocation where{file, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1};
    throw Error(where, "", "invalid YAML: " + e.msg);
  }
  reject_duplicate_keys(root, file);
  return root;
}

YAML::Node load_yaml_file(const std::string& path) {
  return load_yaml_text(read_input_file(path), path);
}

SourceLocation location_of(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, node.Mark().line + 1, node.Mark().column + 1};
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string join_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? ", " : "") + words[i];
  return out;
}
}  // namespace

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  auto length_gap = [&](const std::string& c) {
    return c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
  };
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    // On a tie prefer the candidate of the closer length: "nodez" means "nodes", not "node".
    if (d < best_distance || (d == best_distance && best && length_gap(c) < length_gap(*best))) {
      best_distance = d;
      best = c;
    }
  }
  // A key written without its unit: "deadline" means "deadline_hours" when that is the only
  // candidate it begins.
  if (!best && word.size() >= 4) {
    std::string prefix(word);
    prefix += '_';
    for (const auto& c : candidates) {
      if (c.compare(0, prefix.size(), prefix) != 0) continue;
      if (best) return std::nullopt;  // two of them: no guess
      best = c;
    }
  }
  return best;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  const auto best = did_you_mean(word, candidates);
  return best ? " (did you mean '" + *best + "'?)" : "";
}

namespace {
// A scalar written in quotes (YAML's non-specific tag "!"): text, even where it spells a number.
bool quoted(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() == "!";
}
}  // namespace

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  if (quoted(node)) return "\"" + node.Scalar() + "\" (a quoted string: write numbers without quotes)";
  return node.Scalar();
}

// ---- YamlValue ----

YamlValue::YamlValue(std::string file, const YAML::Node& node, std::string path)
    : file_(std::move(file)), node_(node), path_(std::move(path)) {}

void YamlValue::fail(const std::string& detail) const {
  throw Error(where(), path_, detail);
}

std::string YamlValue::as_string() const {
  if (!node_.IsScalar()) fail("expected a string, got " + describe(node_));
  return node_.Scalar();
}

namespace {
std::optional<double> parse_number(const YAML::Node& node) {
  if (!node.IsScalar() || quoted(node)) return std::nullopt;
  return finite_number(node.Scalar());
}
}  // namespace

std::optional<double> finite_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::int64_t YamlValue::as_positive_int() const {
  const auto v = parse_number(node_);
  if (!v || *v < 1 || *v != std::floor(*v) || *v > 9.0e15) fail("expected a positive integer, got " + describe(node_));
  return static_cast<std::int64_t>(*v);
}

std::int64_t YamlValue::as_int_in(std::int64_t lo, std::int64_t hi) const {
  const auto v = parse_number(node_);
  const bool small_range = hi - lo <= 1000;  // a real range (0..3), not a sanity bound
  if (small_range && (!v || *v != std::floor(*v) || *v < static_cast<double>(lo) || *v > static_cast<double>(hi)))
    fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + describe(node_));
  if (!v || *v != std::floor(*v) || *v < static_cast<double>(lo)) {
    if (lo == 1) fail("expected a positive integer, got " + describe(node_));
    if (lo == 0) fail("expected a non-negative integer, got " + describe(node_));
    fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + describe(node_));
  }
  if (*v > static_cast<double>(hi)) fail("expected at most " + std::to_string(hi) + ", got " + describe(node_));
  return static_cast<std::int64_t>(*v);
}

double YamlValue::as_positive_number() const {
  const auto v = parse_number(node_);
  if (!v || *v <= 0) fail("expected a positive number, got " + describe(node_));
  return *v;
}

double YamlValue::as_number_at_least(double lo) const {
  const auto v = parse_number(node_);
  std::ostringstream bound;
  bound << lo;
  if (!v || *v < lo) fail("expected a number of at least " + bound.str() + ", got " + describe(node_));
  return *v;
}

bool YamlValue::as_bool() const {
  if (node_.IsScalar()) {
    const std::string& s = node_.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  fail("expected true or false, got " + describe(node_));
}

std::string YamlValue::as_choice(const std::vector<std::string>& choices,
                                 std::initializer_list<OtherName> other_names) const {
  std::string s = as_string();
  if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
  const std::string expected = "expected one of " + join_quoted(choices) + ", got " + s;
  for (const auto& other : other_names)
    if (s == other.name) fail(expected + " (" + std::string(other.note) + ")");
  fail(expected + suggestion(s, choices));
}

std::vector<YamlValue> YamlValue::as_list() const {
  if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
  if (node_.size() > kMaxListItems)
    fail(std::to_string(node_.size()) + " items, more than the " + std::to_string(kMaxListItems) +
         " a list may hold (the limit)");
  std::vector<YamlValue> out;
  for (std::size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(file_, node_[i], path_ + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::int64_t> YamlValue::as_positive_int_list() const {
  std::vector<std::int64_t> out;
  for (const auto& v : as_list()) out.push_back(v.as_positive_int());
  if (out.empty()) fail("expected a non-empty list of positive integers");
  return out;
}

// ---- MapReader ----

MapReader::MapReader(std::string file, const YAML::Node& node, std::string path, SourceLocation parent)
    : file_(std::move(file)), node_(node), path_(std::move(path)), parent_(std::move(parent)) {
  if (!node_.IsDefined() || node_.IsNull()) {
    node_ = YAML::Node(YAML::NodeType::Map);
  } else if (!node_.IsMap()) {
    throw Error(location_of(file_, node_), path_, "expected a map, got " + describe(node_));
  }
}

MapReader::MapReader(const YamlValue& value) : MapReader(value.file(), value.node(), value.path()) {}

std::string MapReader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void MapReader::fail(const std::string& detail) const {
  throw Error(where(), path_, detail);
}

SourceLocation MapReader::where() const {
  SourceLocation here = location_of(file_, node_);
  return here.line > 0 || parent_.line == 0 ? here : parent_;
}

void MapReader::ask(std::string_view key) {
  if (declared_ && asked_.count(key) == 0)
    throw std::logic_error("MapReader: '" + child_path(key) + "' is read but not declared");
  asked_.emplace(key);
}

bool MapReader::has(std::string_view key) {
  ask(key);
  const YAML::Node& n = node_;
  return n[std::string(key)].IsDefined();
}

std::optional<YamlValue> MapReader::optional(std::string_view key) {
  ask(key);
  const YAML::Node& n = node_;  // const lookup: does not insert the key
  YAML::Node value = n[std::string(key)];
  if (!value.IsDefined()) return std::nullopt;
  return YamlValue(file_, value, child_path(key));
}

YamlValue MapReader::required(std::string_view key) {
  auto v = optional(key);
  if (!v) throw Error(where(), child_path(key), "required key is missing");
  return *v;
}

MapReader MapReader::map(std::string_view key) {
  auto v = optional(key);
  if (!v) return MapReader(file_, YAML::Node(YAML::NodeType::Map), child_path(key), where());
  return MapReader(*v);
}

std::string MapReader::string(std::string_view key, std::optional<std::string> fallback) {
  auto v = optional(key);
  if (!v && fallback) return *fallback;
  return v ? v->as_string() : required(key).as_string();
}

std::int64_t MapReader::positive_int(std::string_view key, std::optional<std::int64_t> fallback) {
  auto v = optional(key);
  if (!v && fallback) return *fallback;
  return v ? v->as_positive_int() : required(key).as_positive_int();
}

double MapReader::positive_number(std::string_view key, std::optional<double> fallback) {
  auto v = optional(key);
  if (!v && fallback) return *fallback;
  return v ? v->as_positive_number() : required(key).as_positive_number();
}

bool MapReader::boolean(std::string_view key, std::optional<bool> fallback) {
  auto v = optional(key);
  if (!v && fallback) return *fallback;
  return v ? v->as_bool() : required(key).as_bool();
}

std::int64_t MapReader::int_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                               std::optional<std::int64_t> fallback) {
  auto v = optional(key);
  if (!v && fallback) return *fallback;
  return v ? v->as_int_in(lo, hi) : required(key).as_int_in(lo, hi);
}

void MapReader::declare(std::initializer_list<std::string_view> keys) {
  declare(std::vector<std::string_view>(keys));
}

void MapReader::declare(const std::vector<std::string_view>& keys) {
  for (auto k : keys) asked_.emplace(k);
  declared_ = true;
  finish();
}

void MapReader::finish() const {
  const std::vector<std::string> known(asked_.begin(), asked_.end());
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (asked_.count(key) == 0)
      throw Error(location_of(file_, entry.first), child_path(key), "unknown key" + suggestion(key, known));
  }
}

}  // namespace dpcast::models
