// The scenario schema (scenario_schema.hpp) and the parser stay in step: every key
// scenario_keys() lists is read by the parser, and the parser accepts no key the schema
// does not list.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "dpcast/models/scenario.hpp"
#include "dpcast/models/scenario_schema.hpp"

namespace dpcast::models {
namespace {

// A scenario every key can be set in: a sequence model, every section present, compute
// noise on (its other keys are read after cv).
const std::string kBase =
    "model: gpt2-small\n"
    "cluster: {node: dgx-h100, nodes: 2, network: {topology: fat-tree}}\n"
    "training: {compute_noise: {cv: 0.1}}\n"
    "data_parallel: {overlap: true}\n";

// What parsing `text` throws (nothing: ""), and at which key.
std::string error_of(const std::string& text, std::string& key_path) {
  try {
    (void)parse_scenarios(text, "base.yaml");
  } catch (const Error& e) {
    key_path = e.key_path();
    return e.detail();
  }
  return "";
}

// The base scenario with `key: value` added to the section at a dotted path.
std::string with_key_in(std::string_view section_path, const std::string& key, const std::string& value) {
  YAML::Node root = YAML::Load(kBase);
  YAML::Node section;
  section.reset(root);
  std::stringstream parts{std::string(section_path)};
  for (std::string part; std::getline(parts, part, '.');) section.reset(section[part]);
  section[key] = YAML::Load(value);
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

TEST(ScenarioSchema, BaseScenarioParses) {
  EXPECT_EQ(parse_scenarios(kBase, "base.yaml").size(), 1u);
}

TEST(ScenarioSchema, TheParserReadsEveryListedKey) {
  // A map is no key's value: each key listed must be read, and rejected at that key (not
  // as unknown, and not ignored).
  ASSERT_FALSE(scenario_keys().empty());
  for (const auto& key : scenario_keys()) {
    // A sweep sets the key where the parser reads it.
    std::string at;
    const std::string detail = error_of(kBase + "sweep: {" + key + ": [{not: a value}]}\n", at);
    EXPECT_FALSE(detail.empty()) << key << " is accepted but never read";
    EXPECT_EQ(detail.rfind("unknown key", 0), std::string::npos) << key << ": " << detail;
    EXPECT_EQ(at, key) << detail;
  }
}

TEST(ScenarioSchema, EverySectionRejectsAKeyItDoesNotList) {
  // The readers declare their keys from the schema (MapReader::declare rejects every other
  // key, and reading an undeclared key is an internal error), so what the parser accepts
  // is what the schema lists.
  for (const auto& section : kScenarioSchema) {
    const std::string key = section.path.empty() ? "zzz" : std::string(section.path) + ".zzz";
    std::string at;
    EXPECT_EQ(error_of(with_key_in(section.path, "zzz", "1"), at).rfind("unknown key", 0), 0u) << key;
    EXPECT_EQ(at, key);
  }
}

TEST(ScenarioSchema, ScenarioKeysAreTheSchemasValues) {
  std::set<std::string> expected;
  for (const auto& section : kScenarioSchema)
    for (const auto& key : section.keys)
      if (key.kind == KeyKind::Value)
        expected.insert(section.path.empty() ? std::string(key.name)
                                             : std::string(section.path) + "." + std::string(key.name));
  const auto& keys = scenario_keys();
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), expected);
  EXPECT_EQ(keys.size(), expected.size()) << "a key listed twice";
  // Nested sections are listed in their place: the order `sweep:` errors suggest from.
  EXPECT_EQ(keys.front(), "name");
  EXPECT_EQ(std::find(keys.begin(), keys.end(), "cluster.network.topology") - keys.begin(),
            std::find(keys.begin(), keys.end(), "cluster.gpus_per_node") - keys.begin() + 1);
}

TEST(ScenarioSchema, EveryNestedSectionHasATable) {
  for (const auto& section : kScenarioSchema)
    for (const auto& key : section.keys)
      if (key.kind == KeyKind::Section) {
        const std::string path =
            section.path.empty() ? std::string(key.name) : std::string(section.path) + "." + std::string(key.name);
        EXPECT_NO_THROW((void)schema_section(path)) << path;
      }
}

}  // namespace
}  // namespace dpcast::models
