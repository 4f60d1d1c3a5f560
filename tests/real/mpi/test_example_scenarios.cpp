// The example scenarios of scenarios/real/ train on 2 ranks as their comments say: the loss
// falls and a record is written where the command says.
#include <gtest/gtest.h>

#include "dpcast/models/run_record.hpp"
#include "process.hpp"

namespace dpcast::real::test {
namespace {

double mean(const std::vector<double>& v, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

void expect_trains(const std::string& scenario, double drop) {
  const auto dir = scratch_dir("example-" + scenario);
  const auto record = dir / "record.json";
  const Finished f = run(mpirun(2, "scenarios/real/" + scenario + " -o " + record.string()), 120);
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_NE(f.output.find("step time: median"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("wrote " + record.string()), std::string::npos) << f.output;
  const models::RunRecord r = models::record_from_json(models::Json::parse(read_text(record)));
  ASSERT_EQ(r.loss_per_step.size(), 23u);  // 3 warm-up + 20 measured steps
  const double first = mean(r.loss_per_step, 0, 3), last = mean(r.loss_per_step, 20, 23);
  EXPECT_LT(last, first - drop) << "first " << first << ", last " << last;
  EXPECT_EQ(r.gpus, 2);
  EXPECT_GT(r.step_time_s, 0);
}

TEST(ExampleScenarios, MlpCpuTrainsOnTwoRanks) {
  expect_trains("mlp-cpu.yaml", 0.1);
}

TEST(ExampleScenarios, GptCpuTrainsOnTwoRanks) {
  expect_trains("gpt-cpu.yaml", 1.0);
}

}  // namespace
}  // namespace dpcast::real::test
