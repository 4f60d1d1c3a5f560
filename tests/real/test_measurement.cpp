// The measured record pairs with predictions (same configuration, layer names, buckets) and
// reads back through models::record_from_json; the trace has one process per rank.
#include <gtest/gtest.h>

#include <set>

#include "dpcast/models/record_config.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/measurement.hpp"
#include "dpcast/real/self_communicator.hpp"
#include "dpcast/real/trainable.hpp"

namespace dpcast::real {
namespace {

TEST(Percentile, InterpolatesBetweenOrderStatistics) {
  EXPECT_EQ(percentile({3, 1, 2}, 50), 2.0);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 10), 2.0);
  EXPECT_DOUBLE_EQ(percentile({0, 10}, 90), 9.0);
  EXPECT_EQ(percentile({}, 50), 0.0);
}

struct Measured {
  Measured()
      : scenario(models::parse_scenarios(R"(
name: tiny GPT measured
model: {zoo: gpt2-small, name: tiny-gpt, layers: 1, d_model: 16, heads: 2, vocab: 24, max_seq_len: 8}
cluster: {node: cpu-host, nodes: 1, gpus_per_node: 1}
training: {micro_batch: 2, seq_len: 8, precision: fp32, optimizer: adam, grad_accumulation: 2}
data_parallel: {bucket_mb: 0.004, first_bucket_mb: 0.001}
)",
                                         "measured.yaml")
                     .front()),
        graph(trainable_graph(scenario)),
        comm(device),
        trainer(graph, config(), device, kernels, comm),
        steps(trainer.run()) {
    for (const auto& s : steps) slowest.push_back(s.step_s * 1.5);  // as if another rank were slower
    record = measured_record(scenario, trainer, steps, slowest, {"cpu", "none", "one rank: no gradient exchange"});
  }
  TrainConfig config() {
    TrainConfig c = TrainConfig::from(scenario);
    c.steps = 5;
    c.warmup = 2;
    return c;
  }
  models::Scenario scenario;
  models::ModelGraph graph;
  cpu::CpuDevice device;
  cpu::CpuKernels kernels{1};
  SelfCommunicator comm;
  Trainer trainer;
  std::vector<StepTimes> steps;
  std::vector<double> slowest;
  models::RunRecord record;
};

TEST(MeasuredRecord, PairsWithThePredictionOfTheSameScenario) {
  const Measured m;
  const models::RunRecord& r = m.record;
  const models::RunRecord configured = models::configured_record(m.scenario, m.graph);
  EXPECT_EQ(r.kind, "measured");
  EXPECT_EQ(r.engine, "cpu");
  EXPECT_EQ(models::to_json(r)["config"], models::to_json(configured)["config"]);
  EXPECT_EQ(r.global_batch, 4);
  // Medians over the 5 steps after the 2 warm-up steps, from the slowest rank.
  ASSERT_EQ(r.step_times_s.size(), 5u);
  EXPECT_EQ(r.step_times_s, std::vector<double>(m.slowest.begin() + 2, m.slowest.end()));
  EXPECT_EQ(r.step_time_s, percentile(r.step_times_s, 50));
  EXPECT_LE(r.step_time_spread_s.first, r.step_time_s);
  EXPECT_GE(r.step_time_spread_s.second, r.step_time_s);
  EXPECT_DOUBLE_EQ(r.samples_per_s, 4 / r.step_time_s);
  EXPECT_DOUBLE_EQ(r.tokens_per_s, r.samples_per_s * 8);
  ASSERT_EQ(r.loss_per_step.size(), 7u);
  EXPECT_EQ(r.loss_per_step.front(), m.steps.front().loss);
  EXPECT_GT(r.breakdown.forward_s, 0);
  EXPECT_GT(r.breakdown.backward_s, 0);
  EXPECT_GT(r.breakdown.optimizer_s, 0);
  EXPECT_EQ(r.breakdown.exposed_comm_s, 0);
  EXPECT_GT(r.mfu, 0);
  EXPECT_GT(r.memory.activations_bytes, 0);
  EXPECT_EQ(r.memory.params_bytes, 4.0 * static_cast<double>(m.graph.total_params()));
  EXPECT_EQ(r.memory.optimizer_bytes, 2 * r.memory.params_bytes);  // Adam's two moments
  // Layers: the graph's, in forward order, with their cost figures.
  ASSERT_EQ(r.layers.size(), m.graph.size());
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const models::Layer& l = m.graph.layer(m.graph.forward_order()[i]);
    EXPECT_EQ(r.layers[i].name, l.name);
    EXPECT_EQ(r.layers[i].forward_flops, l.cost(2, 4, 4).forward_flops);
    if (l.kind != models::LayerKind::Input) {
      EXPECT_GT(r.layers[i].forward_s, 0) << l.name;
    }
  }
  // Buckets: the layout's, timed from the start of the last micro-step's backward.
  ASSERT_EQ(r.buckets.size(), m.trainer.layout().buckets().size());
  ASSERT_GT(r.buckets.size(), 1u);
  for (std::size_t k = 0; k < r.buckets.size(); ++k) {
    EXPECT_EQ(r.buckets[k].bytes, m.trainer.layout().buckets()[k].bytes());
    EXPECT_GT(r.buckets[k].ready_s, 0);
    EXPECT_LT(r.buckets[k].ready_s, r.breakdown.backward_s);
    EXPECT_EQ(r.buckets[k].algorithm, "none");
  }
}

TEST(MeasuredRecord, RoundTripsThroughJson) {
  const Measured m;
  const models::RunRecord back = models::record_from_json(models::Json::parse(models::to_json(m.record).dump()));
  EXPECT_EQ(models::to_json(back), models::to_json(m.record));
  EXPECT_EQ(back.loss_per_step, m.record.loss_per_step);
  EXPECT_EQ(back.buckets.size(), m.record.buckets.size());
}

TEST(MeasuredTrace, OneProcessPerRankComputeAndCommunicationTracks) {
  const Measured m;
  models::RunRecord r = m.record;
  r.collective_algorithm = "mpi";  // as a 2-rank run would say
  const std::vector<StepTimes> ranks{m.steps[3], m.steps[4]};
  const models::Json trace = models::Json::parse(measured_trace(r, m.trainer, ranks, 3).dump());
  std::set<int> pids;
  int forward = 0, buckets = 0;
  for (const auto& e : trace.at("traceEvents")) {
    pids.insert(e.at("pid").get<int>());
    if (e.at("ph") != "X") continue;
    const std::string cat = e.at("cat");
    EXPECT_EQ(e.at("tid").get<int>(), cat == "communication" ? 2 : 1) << cat;
    EXPECT_GE(e.at("dur").get<double>(), 0);
    if (cat == "forward") ++forward;
    if (cat == "communication") {
      ++buckets;
      const int id = e.at("args").at("bucket");
      EXPECT_EQ(e.at("args").at("bytes").get<double>(),
                m.trainer.layout().buckets().at(static_cast<std::size_t>(id)).bytes());
    }
  }
  EXPECT_EQ(pids, (std::set<int>{0, 1}));
  // Every layer but the input, per micro-step (2), per rank (2).
  EXPECT_EQ(forward, static_cast<int>(m.graph.size() - 1) * 2 * 2);
  EXPECT_EQ(buckets, static_cast<int>(m.trainer.layout().buckets().size()) * 2);
  EXPECT_EQ(trace.at("otherData").at("step"), 3);
}

}  // namespace
}  // namespace dpcast::real
