// Bringing one's own measurement: a measured record from figures (measured_record.hpp) and
// from a CSV of runs (measurements_csv.hpp), each class of bad input with its message.
#include <gtest/gtest.h>

#include <functional>

#include "../models/temp_dir.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/measured_record.hpp"
#include "dpcast/sim/measurements_csv.hpp"

using namespace dpcast;

namespace {

const char* kScenario =
    "name: mine\nmodel: gpt2-small\ncluster: {node: dgx-h100, nodes: 1}\ntraining: {micro_batch: 4, seq_len: 1024}\n";
const char* kSweep =
    "name: sweep\nmodel: gpt2-small\ncluster: {node: dgx-h100, nodes: 1}\ntraining: {micro_batch: 4, seq_len: "
    "1024}\nsweep: {training.micro_batch: [4, 8]}\n";

models::Scenario scenario() {
  return models::parse_scenarios(kScenario, "mine.yaml").front();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(MeasuredRecord, CarriesTheConfigurationAndTheFigures) {
  sim::MeasuredFigures f;
  f.step_time_s = 0.02;
  f.p10_s = 0.019;
  f.p90_s = 0.022;
  f.forward_s = 0.006;
  f.engine = "pytorch";
  const auto r = sim::measured_record(scenario(), f);
  EXPECT_EQ(r.kind, "measured");
  EXPECT_EQ(r.engine, "pytorch");
  EXPECT_EQ(r.gpus, 8);
  EXPECT_EQ(r.global_batch, 32);
  EXPECT_DOUBLE_EQ(r.tokens_per_s, 32 * 1024 / 0.02);
  EXPECT_EQ(r.step_time_spread_s, (std::pair{0.019, 0.022}));
  EXPECT_EQ(r.breakdown.forward_s, 0.006);
  EXPECT_EQ(r.breakdown.backward_s, 0);                                       // not given
  EXPECT_EQ(sim::configuration_text(r).rfind("model: gpt2-small\n", 0), 0u);  // pairs by the whole configuration
}

TEST(MeasuredRecord, BadFiguresAreNamed) {
  auto with = [](auto change) {
    sim::MeasuredFigures f;
    f.step_time_s = 0.02;
    change(f);
    return error_of([&] { (void)sim::measured_record(scenario(), f); });
  };
  EXPECT_EQ(with([](auto& f) { f.step_time_s = 0; }), "step_time_s: expected a positive time in seconds, got 0");
  EXPECT_EQ(with([](auto& f) { f.p10_s = 0.01; }), "p90_s: give p10 and p90 together, or neither");
  EXPECT_EQ(with([](auto& f) { f.p10_s = 0.03, f.p90_s = 0.04; }), "p10_s: expected p10 <= step time <= p90");
  EXPECT_EQ(with([](auto& f) { f.forward_s = -1; }), "forward_s: expected a positive time in seconds, got -1");
  EXPECT_EQ(with([](auto& f) { f.exposed_comm_s = -1; }), "exposed_comm_s: expected a time of 0 s or more");
}

TEST(MeasurementsCsv, RowsBecomeMeasuredRecords) {
  test_support::TempDir dir("dpcast-csv");
  dir.write("mine.yaml", kScenario);
  dir.write("sweep.yaml", kSweep);
  const auto csv = dir.write("runs.csv",
                             "# my runs\n"
                             "scenario,point,step_time_s,p10_s,p90_s,engine\n"
                             "mine.yaml,,0.020,0.019,0.022,pytorch\n"
                             "\n"
                             "sweep.yaml,2,0.031,,,\n");
  const auto records = sim::load_records(csv);  // compare reads a .csv through this
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].engine, "pytorch");
  EXPECT_EQ(records[0].step_time_spread_s, (std::pair{0.019, 0.022}));
  EXPECT_EQ(records[1].micro_batch, 8);  // the sweep's second point
  EXPECT_EQ(records[1].engine, "external");
  EXPECT_EQ(records[1].step_time_spread_s, (std::pair{0.0, 0.0}));
}

TEST(MeasurementsCsv, EachClassOfBadInputNamesFileLineAndColumn) {
  test_support::TempDir dir("dpcast-csv");
  dir.write("mine.yaml", kScenario);
  dir.write("sweep.yaml", kSweep);
  auto error = [&](const std::string& text) {
    const auto csv = dir.write("bad.csv", text);
    return error_of([&] { (void)sim::load_measurements_csv(csv); }).substr(csv.size());
  };
  EXPECT_EQ(error("scenario,step_time\nmine.yaml,1\n"), ":1: step_time: unknown column (did you mean 'step_time_s'?)");
  EXPECT_EQ(error("scenario,step_time_s\nmine.yaml\n"), ":2: expected 2 cells, as the header has, got 1");
  EXPECT_EQ(error("scenario,step_time_s\nmine.yaml,fast\n"), ":2: step_time_s: expected a number, got 'fast'");
  EXPECT_EQ(error("scenario,step_time_s\n,1\n"), ":2: scenario: required: the scenario file the run measured");
  EXPECT_EQ(error("scenario,p10_s\nmine.yaml,1\n"), ":2: step_time_s: required: the measured seconds per step");
  EXPECT_EQ(error("scenario,step_time_s\nsweep.yaml,1\n"),
            ":2: point: sweep.yaml has 2 configurations: name the one measured (1 to 2)");
  EXPECT_EQ(error("scenario,point,step_time_s\nsweep.yaml,3,1\n"), ":2: point: expected 1 to 2");
  EXPECT_EQ(error("scenario,step_time_s,p10_s,p90_s\nmine.yaml,1,2,3\n"),
            ":2: p10_s: expected p10 <= step time <= p90");
  EXPECT_EQ(error("scenario,step_time_s\n"), ": no measurements (a header, then one row per run)");
  EXPECT_EQ(error("scenario,step_time_s\nmissing.yaml,1\n"),
            ":2: scenario: " + (dir.path() / "missing.yaml").string() + ": cannot open scenario file");
}
