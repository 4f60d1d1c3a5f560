// The validation corpus reader: cases with set:, points and collectives, and every class of
// bad input with its exact message ("FILE:LINE:COL: key.path: detail").
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/validation_corpus.hpp"
#include "temp_dir.hpp"

namespace dpcast::models {
namespace {
namespace fs = std::filesystem;
using test_support::TempDir;

const std::string kNode = "model: {zoo: mlp, widths: [8, 8]}\ncluster:\n  node: dgx-h100\n  nodes: 1\n";
const std::string kGpt = "model: gpt2-small\ncluster:\n  node: dgx-a100\n  nodes: 1\ntraining:\n  micro_batch: 4\n";

// A corpus folder with one data set `ds` holding these cases (and a SOURCE.md unless told).
struct Corpus {
  TempDir dir{"dpcast-corpus"};
  std::string folder;
  explicit Corpus(const std::string& cases, bool with_source = true, const std::string& name = "ds") {
    fs::create_directories(dir.path() / name);
    folder = (dir.path() / name).string();
    dir.write(name + "/node.yaml", kNode);
    dir.write(name + "/gpt.yaml", kGpt);
    if (with_source) dir.write(name + "/SOURCE.md", "# test\n");
    dir.write(name + "/cases.yaml", cases);
  }
  [[nodiscard]] std::string cases_file() const { return folder + "/cases.yaml"; }
};

std::string error_of(const Corpus& c) {
  try {
    (void)load_data_set(c.folder);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dpcast::Error";
  return "";
}

TEST(ValidationCorpus, TrainingCaseWithSetKeys) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - id: gpt/16\n"
      "    scenario: gpt.yaml\n"
      "    set: {cluster.nodes: 2, training.micro_batch: 8}\n"
      "    measure: tokens_per_s_per_gpu\n"
      "    published: 12345\n"
      "    where: table 1\n"
      "    note: read carefully\n");
  const DataSet d = load_data_set(c.folder);
  EXPECT_EQ(d.name, "ds");
  ASSERT_EQ(d.cases.size(), 1u);
  const ValidationCase& v = d.cases[0];
  EXPECT_EQ(v.id, "gpt/16");
  EXPECT_EQ(v.data_set, "ds");
  EXPECT_EQ(v.scenario.cluster.nodes, 2);
  EXPECT_EQ(v.scenario.cluster.gpu, "a100-80gb");
  EXPECT_EQ(v.scenario.training.micro_batch, 8);
  EXPECT_FALSE(v.collective.has_value());
  EXPECT_EQ(v.measure, Measure::TokensPerSPerGpu);
  EXPECT_DOUBLE_EQ(v.published, 12345);
  EXPECT_EQ(v.where, "table 1");
  EXPECT_EQ(v.note, "read carefully");
  EXPECT_EQ(v.workload(), Workload::Transformer);
  EXPECT_EQ(v.location.line, 3);
}

TEST(ValidationCorpus, CollectivePointsExpandOnePerSize) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - id: ar\n"
      "    scenario: node.yaml\n"
      "    collective: all-gather\n"
      "    measure: busbw_GBps\n"
      "    by: bytes\n"
      "    points: [[1024, 0.5], [1073741824, 230]]\n"
      "    where: log\n");
  const DataSet d = load_data_set(c.folder);
  ASSERT_EQ(d.cases.size(), 2u);
  EXPECT_EQ(d.cases[0].id, "ar/1024");
  EXPECT_EQ(d.cases[1].id, "ar/1073741824");
  EXPECT_EQ(*d.cases[1].collective, CollectiveOp::AllGather);
  EXPECT_DOUBLE_EQ(d.cases[1].bytes, 1073741824);
  EXPECT_DOUBLE_EQ(d.cases[1].published, 230);
  EXPECT_EQ(d.cases[1].workload(), Workload::Collective);
}

TEST(ValidationCorpus, PointsBySweepKey) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - id: gpt\n"
      "    scenario: gpt.yaml\n"
      "    measure: step_time_s\n"
      "    by: cluster.nodes\n"
      "    points: [[1, 0.1], [4, 0.12]]\n"
      "    where: fig 3\n");
  const DataSet d = load_data_set(c.folder);
  ASSERT_EQ(d.cases.size(), 2u);
  EXPECT_EQ(d.cases[1].id, "gpt/4");
  EXPECT_EQ(d.cases[1].scenario.cluster.nodes, 4);
}

TEST(ValidationCorpus, WorkloadOfModels) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - {id: a, scenario: gpt.yaml, set: {model: resnet50}, measure: samples_per_s, published: 1, where: x}\n"
      "  - {id: b, scenario: gpt.yaml, set: {model: {zoo: mlp, widths: [4, 4]}}, measure: samples_per_s, "
      "published: 1, where: x}\n");
  const DataSet d = load_data_set(c.folder);
  EXPECT_EQ(d.cases[0].workload(), Workload::Cnn);
  EXPECT_EQ(d.cases[1].workload(), Workload::Mlp);
}

// ---- Bad input: one class each, with its exact message ----

TEST(ValidationCorpus, UnknownCaseKey) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, where: x, wher: y}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:73: cases[0].wher: unknown key (did you mean 'where'?)");
}

TEST(ValidationCorpus, UnknownSetKeyIsReportedInTheCasesFile) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - {id: a, scenario: gpt.yaml, set: {training.micro_bach: 2}, measure: mfu, published: 0.5, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() +
                             ":3:60: cases[0].set.training.micro_bach: unknown scenario key 'training.micro_bach' "
                             "(did you mean 'training.micro_batch'?)");
}

TEST(ValidationCorpus, BadSetValueIsReportedInTheCasesFile) {
  Corpus c(
      "data_set: ds\ncases:\n"
      "  - {id: a, scenario: gpt.yaml, set: {cluster.nodes: -4}, measure: mfu, published: 0.5, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:54: cases[0].set.cluster.nodes: expected a positive integer, got -4");
}

TEST(ValidationCorpus, UnknownMeasure) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: tokens_per_gpu, published: 1, where: x}\n");
  EXPECT_NE(error_of(c).find(":3:42: cases[0].measure: expected one of"), std::string::npos) << error_of(c);
}

TEST(ValidationCorpus, CollectiveMeasureWithoutCollective) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: node.yaml, measure: busbw_GBps, published: 1, where: x}\n");
  EXPECT_EQ(error_of(c),
            c.cases_file() +
                ":3:43: cases[0].measure: busbw_GBps is a collective's figure: add collective: all-reduce, "
                "all-gather or reduce-scatter");
}

TEST(ValidationCorpus, StepMeasureOfACollective) {
  Corpus c(
      "data_set: ds\ncases:\n  - {id: a, scenario: node.yaml, collective: all-reduce, bytes: 1024, "
      "measure: step_time_s, published: 1, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() +
                             ":3:80: cases[0].measure: step_time_s is a training step's figure; a bare collective has "
                             "time_us, algbw_GBps or busbw_GBps");
}

TEST(ValidationCorpus, CollectiveWithoutBytes) {
  Corpus c(
      "data_set: ds\ncases:\n  - {id: a, scenario: node.yaml, collective: all-reduce, measure: time_us, "
      "published: 1, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:5: cases[0]: a collective case needs bytes (or by: bytes and points)");
}

TEST(ValidationCorpus, PublishedAndPoints) {
  Corpus c(
      "data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, by: cluster.nodes, "
      "points: [[1, 0.5]], where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:58: cases[0].published: a case has either published or points, not both");
}

TEST(ValidationCorpus, PointsWithoutBy) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, points: [[1, 0.5]], where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:55: cases[0].points: points need by: the key their values set");
}

TEST(ValidationCorpus, BadPoint) {
  Corpus c(
      "data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, by: cluster.nodes, points: [[1]], "
      "where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:75: cases[0].points[0]: expected [value, published], got a list");
}

TEST(ValidationCorpus, MfuAboveOne) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 45, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:58: cases[0].published: expected a fraction in (0, 1] for mfu, got 45");
}

TEST(ValidationCorpus, MissingScenarioFile) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: nope.yaml, measure: mfu, published: 0.5, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:23: cases[0].scenario: no scenario file " + c.folder + "/nope.yaml");
}

TEST(ValidationCorpus, DuplicateId) {
  Corpus c(
      "data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, where: x}\n"
      "  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.4, where: y}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":4:5: id: case 'a' appears twice in ds");
}

TEST(ValidationCorpus, NameMustBeTheFolders) {
  Corpus c("data_set: other\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, where: x}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":1:11: data_set: expected the folder's name 'ds'");
}

TEST(ValidationCorpus, SourceIsRequired) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, where: x}\n", false);
  EXPECT_EQ(error_of(c), c.cases_file() +
                             ":1:11: data_set: the data set has no SOURCE.md (the exact citation and its "
                             "assumptions) in " +
                             c.folder);
}

TEST(ValidationCorpus, WhereIsRequired) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5}\n");
  EXPECT_EQ(error_of(c), c.cases_file() + ":3:5: cases[0].where: required key is missing");
}

TEST(ValidationCorpus, UnknownDataSetHasADidYouMean) {
  Corpus c("data_set: ds\ncases:\n  - {id: a, scenario: gpt.yaml, measure: mfu, published: 0.5, where: x}\n", true,
           "nccl-a100");
  try {
    (void)load_corpus(c.dir.path().string(), {"nccl-a10"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "dpcast validate: no data set 'nccl-a10' in " + c.dir.path().string() + " (did you mean 'nccl-a100'?)");
  }
}

// ---- bounds.yaml ----

TEST(ValidationBounds, RoundTrip) {
  Bounds b;
  b.engine = "analytical";
  DataSetBound d;
  d.data_set = "nccl-a100-x";
  d.mape_pct = 41.3;
  d.cases = 36;
  d.workloads = {Workload::Collective};
  d.gpus = {"a100-80gb"};
  d.min_nodes = 1;
  d.max_nodes = 16;
  b.data_sets.push_back(d);
  const Bounds back = parse_bounds(bounds_yaml(b), "bounds.yaml");
  ASSERT_EQ(back.data_sets.size(), 1u);
  EXPECT_DOUBLE_EQ(back.data_sets[0].mape_pct, 41.3);
  EXPECT_EQ(back.data_sets[0].cases, 36);
  EXPECT_EQ(back.data_sets[0].workloads, std::vector<Workload>{Workload::Collective});
  EXPECT_EQ(back.data_sets[0].gpus, std::vector<std::string>{"a100-80gb"});
  EXPECT_EQ(back.data_sets[0].max_nodes, 16);
  ASSERT_NE(back.find("nccl-a100-x"), nullptr);
  EXPECT_EQ(back.find("nope"), nullptr);
}

TEST(ValidationBounds, BadInput) {
  auto error = [](const std::string& text) {
    try {
      (void)parse_bounds(text, "bounds.yaml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("data_sets:\n  x: {mape_pct: 1, cases: 2, workloads: [cnn], gpus: [a], nodes: [4, 1]}\n"),
            "bounds.yaml:2:66: data_sets.x.nodes: expected [fewest, most] nodes");
  EXPECT_EQ(error("data_sets:\n  x: {mape_pct: 1, cases: 2, workloads: [cnns], gpus: [a], nodes: [1, 1]}\n"),
            "bounds.yaml:2:42: data_sets.x.workloads[0]: expected one of collective, transformer, cnn, mlp, got cnns "
            "(did you mean 'cnn'?)");
  EXPECT_EQ(error("engine: analytic\n"),
            "bounds.yaml:1:9: engine: expected one of analytical, des, got analytic (did you mean 'analytical'?)");
}

}  // namespace
}  // namespace dpcast::models
