// A configuration written back as YAML reads back to the same configuration: every example
// scenario's every configuration predicts the same after the round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "dpcast/models/scenario_yaml.hpp"
#include "dpcast/sim/analytical.hpp"

using namespace dpcast;

TEST(ScenarioYaml, EveryExampleConfigurationReadsBackTheSame) {
  const std::filesystem::path dir = std::filesystem::path(DPCAST_SOURCE_DIR) / "scenarios" / "examples";
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml" && entry.path().extension() != ".json") continue;
    for (const auto& s : models::load_scenarios(entry.path().string())) {
      const std::string yaml = models::scenario_yaml(s);
      const auto again = models::parse_scenarios(yaml, "again.yaml");
      ASSERT_EQ(again.size(), 1u) << entry.path();
      const auto& t = again.front();
      const auto a = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()), {false});
      const auto b = sim::AnalyticalEngine{}.predict(t, t.model.build(t.seq_len()), {false});
      const std::string where = entry.path().filename().string() + "\n" + yaml;
      EXPECT_EQ(b.model, a.model) << where;
      EXPECT_EQ(b.params, a.params) << where;
      EXPECT_EQ(b.network, a.network) << where;
      EXPECT_EQ(b.gpus, a.gpus) << where;
      EXPECT_EQ(b.global_batch, a.global_batch) << where;
      EXPECT_EQ(b.seq_len, a.seq_len) << where;
      EXPECT_EQ(b.precision, a.precision) << where;
      EXPECT_EQ(b.feasible, a.feasible) << where;
      EXPECT_EQ(b.memory.total_bytes, a.memory.total_bytes) << where;
      EXPECT_EQ(b.step_time_s, a.step_time_s) << where;
      EXPECT_EQ(b.collective_why, a.collective_why) << where;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

// NCCL_ALGO / NCCL_PROTO keys are written back (no example sets them).
TEST(ScenarioYaml, NcclRestrictionReadsBack) {
  const auto s = models::parse_scenarios(
                     "model: mlp\ncluster: {node: dgx-a100, nodes: 2}\n"
                     "data_parallel: {nccl_algorithm: tree, nccl_protocol: LL128}\n",
                     "test.yaml")
                     .front();
  const auto again = models::parse_scenarios(models::scenario_yaml(s), "again.yaml").front();
  EXPECT_EQ(again.data_parallel.nccl_algorithm, models::NcclAlgorithm::Tree);
  EXPECT_EQ(again.data_parallel.nccl_protocol, models::NcclProtocol::LL128);
  const auto a = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()), {false});
  EXPECT_NE(a.collective_algorithm.find("tree/LL128"), std::string::npos) << a.collective_algorithm;
}
