// The keys a scenario file accepts (scenario_schema.hpp), and scenario_keys() built from them.
#include "dpcast/models/scenario_schema.hpp"

#include <stdexcept>

#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

const SchemaSection& schema_section(std::string_view path) {
  for (const auto& section : kScenarioSchema)
    if (section.path == path) return section;
  throw std::out_of_range("no scenario section '" + std::string(path) + "'");
}

std::vector<std::string_view> key_names(const SchemaSection& section) {
  std::vector<std::string_view> names;
  for (const auto& key : section.keys) names.push_back(key.name);
  return names;
}

namespace {
// Appends a section's value keys as dotted keys, each nested section's in its place.
void append_value_keys(const SchemaSection& section, std::vector<std::string>& out) {
  for (const auto& key : section.keys) {
    const std::string path =
        section.path.empty() ? std::string(key.name) : std::string(section.path) + "." + std::string(key.name);
    if (key.kind == KeyKind::Value) out.push_back(path);
    if (key.kind == KeyKind::Section) append_value_keys(schema_section(path), out);
  }
}
}  // namespace

const std::vector<std::string>& scenario_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    append_value_keys(schema_section(""), out);
    return out;
  }();
  return keys;
}

}  // namespace dpcast::models
