// The YAML reader: every error reads "FILE:LINE:COL: key.path: detail", unknown keys get a
// did-you-mean, and YAML syntax errors keep their position.
#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
namespace {

// Runs `read` and returns the message of the dpcast::Error it throws ("" and a failure if none).
template <typename F>
std::string error_of(F&& read) {
  try {
    read();
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dpcast::Error thrown";
  return "";
}

MapReader root(const std::string& text) {
  return MapReader("f.yaml", load_yaml_text(text, "f.yaml"), "");
}

TEST(YamlReader, PositiveIntErrorNamesFileLineColumnAndKey) {
  // "  nodes: -4": the value starts on line 2, column 10.
  const std::string msg = error_of([] { (void)root("cluster:\n  nodes: -4\n").map("cluster").positive_int("nodes"); });
  EXPECT_EQ(msg, "f.yaml:2:10: cluster.nodes: expected a positive integer, got -4");
}

TEST(YamlReader, ErrorCarriesItsParts) {
  try {
    (void)root("cluster:\n  nodes: 2.5\n").map("cluster").required("nodes").as_positive_int();
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_EQ(e.where().file, "f.yaml");
    EXPECT_EQ(e.where().line, 2);
    EXPECT_EQ(e.where().column, 10);
    EXPECT_EQ(e.key_path(), "cluster.nodes");
    EXPECT_EQ(e.detail(), "expected a positive integer, got 2.5");
  }
}

TEST(YamlReader, ReadsValidValues) {
  MapReader r = root("a: 3\nb: 0.5\nc: yes\nd: text\n");
  EXPECT_EQ(r.positive_int("a"), 3);
  EXPECT_EQ(r.positive_number("b"), 0.5);
  EXPECT_TRUE(r.boolean("c"));
  EXPECT_EQ(r.string("d"), "text");
  EXPECT_EQ(r.positive_int("missing", 7), 7);  // fallback
  EXPECT_NO_THROW(r.finish());
}

TEST(YamlReader, UnknownKeyWithDidYouMean) {
  MapReader r = root("cluster:\n  node: dgx-h100\n  nodez: 4\n");
  MapReader cluster = r.map("cluster");
  (void)cluster.string("node");
  EXPECT_FALSE(cluster.optional("nodes").has_value());
  const std::string msg = error_of([&] { cluster.finish(); });
  EXPECT_EQ(msg, "f.yaml:3:3: cluster.nodez: unknown key (did you mean 'nodes'?)");
}

TEST(YamlReader, UnknownKeyFarFromEveryKnownKeyHasNoSuggestion) {
  MapReader r = root("nodes: 1\nbandwidth: 4\n");
  (void)r.positive_int("nodes");
  EXPECT_EQ(error_of([&] { r.finish(); }), "f.yaml:2:1: bandwidth: unknown key");
}

TEST(YamlReader, MissingRequiredKey) {
  MapReader r = root("cluster:\n  node: x\n");
  EXPECT_EQ(error_of([&] { (void)r.map("cluster").positive_int("nodes"); }),
            "f.yaml:2:3: cluster.nodes: required key is missing");
}

TEST(YamlReader, MalformedYamlKeepsItsPosition) {
  const std::string msg = error_of([] { (void)load_yaml_text("cluster:\n  nodes: [1, 2\n", "f.yaml"); });
  EXPECT_TRUE(std::regex_match(msg, std::regex(R"(f\.yaml:[1-9][0-9]*:[1-9][0-9]*: invalid YAML: .+)"))) << msg;
  const std::string tab = error_of([] { (void)load_yaml_text("a: 1\n b: 2\n", "g.yaml"); });
  EXPECT_EQ(tab.rfind("g.yaml:2:", 0), 0u) << tab;
  EXPECT_NE(tab.find(": invalid YAML: "), std::string::npos) << tab;
}

TEST(YamlReader, DuplicateKeysAreAnErrorNamingBothLines) {
  // yaml-cpp keeps both and a lookup finds the first: the second would be ignored.
  EXPECT_EQ(error_of([] { (void)load_yaml_text("cluster:\n  nodes: 2\n  nodes: 64\n", "f.yaml"); }),
            "f.yaml:3:3: cluster.nodes: duplicate key (first at line 2); write each key once");
  EXPECT_EQ(
      error_of([] { (void)load_yaml_text("training: {micro_batch: 2}\ntraining:\n  micro_bach: 4\n", "f.yaml"); }),
      "f.yaml:2:1: training: duplicate key (first at line 1); write each key once");
  EXPECT_EQ(error_of([] { (void)load_yaml_text("cases:\n  - {id: a, id: b}\n", "f.yaml"); }),
            "f.yaml:2:13: cases[0].id: duplicate key (first at line 2); write each key once");
  // The same key in different maps, and a map an alias repeats, are fine.
  EXPECT_NO_THROW((void)load_yaml_text("a: &x {n: 1}\nb: *x\nc: {n: 2}\n", "f.yaml"));
}

// Found by fuzz_scenario: a profile whose layer signature key was not a name ended the program
// (yaml-cpp's bad conversion, uncaught: exit 3). Keys must be names wherever they are.
TEST(YamlReader, KeysMustBeNames) {
  EXPECT_EQ(error_of([] { (void)load_yaml_text("a: 1\n? [x, y]\n: 2\n", "f.yaml"); }),
            "f.yaml:2:3: expected a name as a key, got a list");
  EXPECT_EQ(error_of([] { (void)load_yaml_text("gpus:\n  h100-sxm:\n    layers:\n      ~: [1, 2]\n", "f.yaml"); }),
            "f.yaml:4:7: gpus.h100-sxm.layers: expected a name as a key, got nothing");
  EXPECT_EQ(error_of([] { (void)load_yaml_text("{{a: 1}: 2}", "f.yaml"); }),
            "f.yaml:1:2: expected a name as a key, got a map");
}

TEST(YamlReader, MissingFileIsAnError) {
  EXPECT_EQ(error_of([] { (void)load_yaml_file("/nonexistent/dpcast/x.yaml"); }),
            "/nonexistent/dpcast/x.yaml: cannot open file");
}

TEST(YamlReader, WrongTypes) {
  EXPECT_EQ(error_of([] { (void)root("cluster:\n  nodes: [1, 2]\n").map("cluster").positive_int("nodes"); }),
            "f.yaml:2:10: cluster.nodes: expected a positive integer, got a list");
  EXPECT_EQ(error_of([] { (void)root("name:\n  a: 1\n").string("name"); }),
            "f.yaml:2:3: name: expected a string, got a map");
  EXPECT_EQ(error_of([] { (void)root("cluster: 4\n").map("cluster"); }), "f.yaml:1:10: cluster: expected a map, got 4");
  EXPECT_EQ(error_of([] { (void)root("overlap: maybe\n").boolean("overlap"); }),
            "f.yaml:1:10: overlap: expected true or false, got maybe");
  EXPECT_EQ(error_of([] { (void)root("widths: 5\n").required("widths").as_list(); }),
            "f.yaml:1:9: widths: expected a list, got 5");
}

TEST(YamlReader, ListItemsHaveIndexedPaths) {
  MapReader r = root("widths:\n  - 8\n  - 0\n");
  EXPECT_EQ(error_of([&] { (void)r.required("widths").as_positive_int_list(); }),
            "f.yaml:3:5: widths[1]: expected a positive integer, got 0");
  EXPECT_EQ(error_of([] { (void)root("widths: []\n").required("widths").as_positive_int_list(); }),
            "f.yaml:1:9: widths: expected a non-empty list of positive integers");
}

TEST(YamlReader, NumberRanges) {
  MapReader r = root("zero: 4\nratio: 0.5\nlatency: -1\n");
  EXPECT_EQ(error_of([&] { (void)r.required("zero").as_int_in(0, 3); }),
            "f.yaml:1:7: zero: expected an integer from 0 to 3, got 4");
  EXPECT_EQ(error_of([&] { (void)r.required("ratio").as_number_at_least(1); }),
            "f.yaml:2:8: ratio: expected a number of at least 1, got 0.5");
  EXPECT_EQ(r.required("latency").as_number_at_least(-1), -1.0);
}

TEST(YamlReader, ChoiceListsTheChoices) {
  MapReader r = root("collective: rnig\n");
  EXPECT_EQ(error_of([&] {
              (void)r.required("collective").as_choice({"ring", "tree", "auto"});
            }),
            "f.yaml:1:13: collective: expected one of ring, tree, auto, got rnig (did you mean 'ring'?)");
  MapReader ok = root("collective: tree\n");
  EXPECT_EQ(ok.required("collective").as_choice({"ring", "tree"}), "tree");
}

TEST(YamlReader, EnumChoicesComeFromItsTable) {
  EXPECT_EQ(root("precision: fp16\n").required("precision").as_enum<Precision>(), Precision::Fp16);
  MapReader r = root("precision: bf61\n");
  EXPECT_EQ(error_of([&] { (void)r.required("precision").as_enum<Precision>(); }),
            "f.yaml:1:12: precision: expected one of fp32, tf32, bf16, fp16, got bf61 (did you mean 'bf16'?)");
  MapReader some = root("norm: batchnorm\n");
  EXPECT_EQ(error_of([&] {
              (void)some.required("norm").as_enum({LayerKind::LayerNorm, LayerKind::RmsNorm});
            }),
            "f.yaml:1:7: norm: expected one of layernorm, rmsnorm, got batchnorm");
}

TEST(YamlReader, DeclaredKeysAreTheOnlyOnesAReaderMayAsk) {
  MapReader r = root("a: 1\n");
  r.declare({"a", "b"});
  EXPECT_FALSE(r.optional("b").has_value());
  // A key read but not declared would be rejected whenever written: a mistake in the reader.
  EXPECT_THROW((void)r.optional("c"), std::logic_error);
  EXPECT_THROW((void)r.has("c"), std::logic_error);
  EXPECT_EQ(error_of([] { root("a: 1\nbandwidth: 2\n").declare({"a", "b"}); }), "f.yaml:2:1: bandwidth: unknown key");
}

TEST(YamlReader, DidYouMean) {
  const std::vector<std::string> keys{"nodes", "gpus_per_node", "network"};
  EXPECT_EQ(did_you_mean("nodez", keys), std::optional<std::string>("nodes"));
  // A tie (one edit from each) goes to the candidate of the closer length, whatever the order.
  EXPECT_EQ(did_you_mean("nodez", {"node", "nodes"}), std::optional<std::string>("nodes"));
  EXPECT_EQ(did_you_mean("nodez", {"nodes", "node"}), std::optional<std::string>("nodes"));
  EXPECT_EQ(did_you_mean("gpus_per_nod", keys), std::optional<std::string>("gpus_per_node"));
  EXPECT_FALSE(did_you_mean("bandwidth", keys).has_value());
  EXPECT_FALSE(did_you_mean("xyz", keys).has_value());
  EXPECT_FALSE(did_you_mean("nodes", {}).has_value());
  // A key without its unit suffix, when only one candidate begins with it.
  EXPECT_EQ(did_you_mean("deadline", {"tokens", "deadline_hours", "budget_usd"}),
            std::optional<std::string>("deadline_hours"));
  EXPECT_FALSE(did_you_mean("bucket", {"bucket_mb", "bucket_count"}).has_value());
  EXPECT_FALSE(did_you_mean("gpu", {"gpu_types"}).has_value());  // too short to guess from
  EXPECT_EQ(suggestion("netwrk", keys), " (did you mean 'network'?)");
  EXPECT_EQ(suggestion("zzzzzz", keys), "");
}

TEST(YamlReader, JsonIsYaml) {
  MapReader r("f.json", load_yaml_text("{\"cluster\": {\"nodes\": -4}}", "f.json"), "");
  EXPECT_EQ(error_of([&] { (void)r.map("cluster").positive_int("nodes"); }),
            "f.json:1:23: cluster.nodes: expected a positive integer, got -4");
}

TEST(YamlReader, ErrorWithoutLocation) {
  EXPECT_STREQ(dpcast::Error("plain").what(), "plain");
  EXPECT_STREQ(dpcast::Error(SourceLocation{}, "a.b", "bad").what(), "a.b: bad");
  EXPECT_STREQ(dpcast::Error(SourceLocation{"x.yaml", 0, 0}, "", "bad").what(), "x.yaml: bad");
}

// Any input may nest 64 levels of maps and lists, and no more: YAML and JSON alike.
TEST(YamlReader, NestingIsLimitedTo64Levels) {
  const auto lists = [](int depth) { return "a: " + std::string(depth, '[') + std::string(depth, ']') + "\n"; };
  EXPECT_NO_THROW((void)load_yaml_text(lists(63), "f.yaml"));  // the root map is the 64th level
  EXPECT_EQ(error_of([&] { (void)load_yaml_text(lists(64), "f.yaml"); }),
            "f.yaml:1:67: a: nested deeper than 64 levels (the limit)");
  // yaml-cpp's own guard stops at 2000 levels; its message ("bad file") is replaced.
  const std::string deep = error_of([&] { (void)load_yaml_text(lists(5000), "f.yaml"); });
  EXPECT_EQ(deep.rfind("f.yaml:1:", 0), 0U) << deep;
  EXPECT_NE(deep.find(": nested deeper than 64 levels (the limit)"), std::string::npos) << deep;
  const auto arrays = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_NO_THROW((void)parse_json(arrays(64), "r.json"));
  EXPECT_EQ(error_of([&] { (void)parse_json(arrays(65), "r.json"); }),
            "r.json: nested deeper than 64 levels (the limit)");
  EXPECT_EQ(error_of([&] { (void)parse_json("{\"a\": 1e400}", "r.json"); }).rfind("r.json: not JSON: ", 0), 0U);
}

}  // namespace
}  // namespace dpcast::models
