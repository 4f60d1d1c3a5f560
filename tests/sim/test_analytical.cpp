// The analytical engine against hand calculations on the round-number test catalogue.
#include <gtest/gtest.h>

#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/report.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;
using test_support::scenario;

namespace {
models::RunRecord predict(const models::Scenario& s) {
  const auto graph = s.model.build(s.seq_len());
  return sim::AnalyticalEngine{}.predict(s, graph);
}

// One linear 1000 -> 1000 (with bias) and the loss, fp32, SGD, micro-batch 100.
const char* kOneLinear = R"(
model: {zoo: mlp, widths: [1000, 1000]}
cluster: {node: test-node, nodes: 1, gpus_per_node: 1}
training: {micro_batch: 100, precision: fp32, optimizer: sgd}
)";
}  // namespace

TEST(Analytical, ComputeIsARooflinePerLayer) {
  const auto r = predict(scenario(kOneLinear));
  // linear forward: 2·100·1000·1000 = 2e8 FLOP at 10 TFLOP/s = 20 us (bytes: 4.8 MB at 1 TB/s = 4.8 us)
  // loss forward: 5·100·1000 FLOP at 10 TFLOP/s = 0.05 us; bytes 2·1e5·4 = 0.8 MB -> 0.8 us (memory bound)
  EXPECT_NEAR(r.breakdown.forward_s, 20e-6 + 0.8e-6, 1e-15);
  // backward: the linear reads only data, so weight gradient only: 2e8 FLOP = 20 us;
  // loss backward 2e5 FLOP (0.02 us) vs 1.6 MB (1.6 us).
  EXPECT_NEAR(r.breakdown.backward_s, 20e-6 + 1.6e-6, 1e-15);
  // SGD streams 20 B per parameter: 1,001,000 · 20 B at 1 TB/s.
  EXPECT_NEAR(r.breakdown.optimizer_s, 1001000.0 * 20 / 1e12, 1e-15);
  EXPECT_DOUBLE_EQ(r.step_time_s, r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.optimizer_s);
  EXPECT_EQ(r.breakdown.exposed_comm_s, 0);
  EXPECT_EQ(r.collective_algorithm, "none");
  EXPECT_DOUBLE_EQ(r.scaling_efficiency, 1.0);
  EXPECT_DOUBLE_EQ(r.samples_per_s, 100 / r.step_time_s);
  // MFU: (2e8 + 5e5 forward) + (2e8 + 2e5 backward) FLOP over step x 10 TFLOP/s.
  EXPECT_NEAR(r.mfu, (4e8 + 7e5) / (r.step_time_s * 10e12), 1e-12);
  // 3.6 $/h per GPU = 0.001 $/s.
  EXPECT_NEAR(*r.cost_per_step_usd, r.step_time_s * 0.001, 1e-15);
}

TEST(Analytical, BucketsChainOnOneStreamAndOverlapBackward) {
  auto s = scenario(R"(
model: {zoo: mlp, widths: [2000, 2000, 2000, 2000]}
cluster: {node: test-node, nodes: 1}
training: {micro_batch: 64, precision: fp32, optimizer: sgd}
data_parallel: {collective: ring, bucket_mb: 1, first_bucket_mb: 1}
)");
  const auto r = predict(s);
  const auto path = sim::NetworkPath::from(s);
  ASSERT_EQ(r.buckets.size(), 3u);  // each 2000x2000 fp32 weight (16 MB) closes its own bucket
  double previous_end = 0;
  for (const auto& b : r.buckets) {
    EXPECT_DOUBLE_EQ(b.start_s, std::max(b.ready_s, previous_end));
    EXPECT_DOUBLE_EQ(b.end_s - b.start_s,
                     sim::collective_time(models::Collective::Ring, sim::CollectiveOp::AllReduce, b.bytes, path));
    previous_end = b.end_s;
  }
  // Backward runs slower beside the collectives (interference.hpp); the rest is exposed.
  EXPECT_GT(r.breakdown.interference_s, 0);
  EXPECT_NEAR(r.breakdown.exposed_comm_s, r.buckets.back().end_s - r.breakdown.backward_s - r.breakdown.interference_s,
              1e-15);
  EXPECT_GT(r.breakdown.exposed_comm_s, 0);

  // Without overlap every collective waits for the end of backward.
  s.data_parallel.overlap = false;
  const auto serial = predict(s);
  EXPECT_DOUBLE_EQ(serial.buckets.front().start_s, serial.breakdown.backward_s);
  EXPECT_NEAR(serial.breakdown.exposed_comm_s, serial.breakdown.comm_total_s, 1e-15);
  EXPECT_GT(serial.step_time_s, r.step_time_s);

  // A device that copies and reduces gradients on its own cores (a CPU worker) cannot
  // overlap them either, whatever the scenario asks; the explanation says why.
  s.data_parallel.overlap = true;
  models::Gpu cpu_like = *s.cluster.gpu_entry;
  cpu_like.communication_uses_compute = true;
  s.cluster.gpu_entry = &cpu_like;
  const auto shared = predict(s);
  EXPECT_DOUBLE_EQ(shared.step_time_s, serial.step_time_s);
  EXPECT_NEAR(shared.breakdown.exposed_comm_s, shared.breakdown.comm_total_s, 1e-15);
  EXPECT_NE(shared.collective_why.find("not overlapped with backward"), std::string::npos) << shared.collective_why;
}

TEST(Analytical, GradientAccumulationCommunicatesOnTheLastMicroStepOnly) {
  auto s = scenario(R"(
model: {zoo: mlp, widths: [2000, 2000, 2000]}
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 8, precision: fp32, optimizer: adam}
data_parallel: {collective: ring}
)");
  const auto one = predict(s);
  s.training.grad_accumulation = 4;
  const auto four = predict(s);
  EXPECT_NEAR(four.breakdown.forward_s, 4 * one.breakdown.forward_s, 1e-15);
  EXPECT_NEAR(four.breakdown.backward_s, 4 * one.breakdown.backward_s, 1e-15);
  EXPECT_DOUBLE_EQ(four.breakdown.exposed_comm_s, one.breakdown.exposed_comm_s);
  EXPECT_DOUBLE_EQ(four.breakdown.optimizer_s, one.breakdown.optimizer_s);
  EXPECT_EQ(four.global_batch, 4 * one.global_batch);
}

TEST(Analytical, ZeroStagesShardMemoryAndChangeCommunication) {
  const std::string base = R"(
model: {zoo: mlp, widths: [1000, 1000]}
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 1, precision: bf16, optimizer: adam}
data_parallel: {collective: ring, zero_stage: )";
  const double p = 1001000, n = 8;
  const auto z0 = predict(scenario(base + "0}"));
  const auto z1 = predict(scenario(base + "1}"));
  const auto z2 = predict(scenario(base + "2}"));
  const auto z3 = predict(scenario(base + "3}"));
  // bf16 weights and gradients (2 B); Adam m, v and fp32 master weights (12 B).
  EXPECT_DOUBLE_EQ(z0.memory.params_bytes, 2 * p);
  EXPECT_DOUBLE_EQ(z0.memory.grads_bytes, 2 * p);
  EXPECT_DOUBLE_EQ(z0.memory.optimizer_bytes, 12 * p);
  EXPECT_DOUBLE_EQ(z0.memory.comm_buffers_bytes, 2 * p);  // DDP's flat bucket copy of the gradients
  EXPECT_DOUBLE_EQ(z1.memory.optimizer_bytes, 12 * p / n);
  EXPECT_DOUBLE_EQ(z1.memory.grads_bytes, 2 * p);
  EXPECT_DOUBLE_EQ(z2.memory.grads_bytes, 2 * p / n);
  EXPECT_DOUBLE_EQ(z2.memory.params_bytes, 2 * p);
  EXPECT_DOUBLE_EQ(z3.memory.params_bytes, 2 * p / n);
  // ZeRO-1: reduce-scatter of the gradients, then an all-gather of the parameters: each half a ring all-reduce.
  const auto path = sim::NetworkPath::from(scenario(base + "1}"));
  const double half = sim::collective_time(models::Collective::Ring, sim::CollectiveOp::ReduceScatter, 2 * p, path);
  EXPECT_NEAR(z1.breakdown.comm_total_s, 2 * half, 1e-12);
  EXPECT_NEAR(z0.breakdown.comm_total_s,
              sim::collective_time(models::Collective::Ring, sim::CollectiveOp::AllReduce, 2 * p, path), 1e-12);
  // The optimizer touches 1/N of the parameters; DDP's gradient copies (ZeRO-0 only) come on
  // top of its step.
  const auto z0_in_place = predict(scenario(base + "0, gradient_copies: none}"));
  EXPECT_NEAR(z1.breakdown.optimizer_s, z0_in_place.breakdown.optimizer_s / n, 1e-15);
  EXPECT_GT(z0.breakdown.optimizer_s, z0_in_place.breakdown.optimizer_s);
  EXPECT_DOUBLE_EQ(z0_in_place.memory.comm_buffers_bytes, 0);  // the gradients are the buckets
  // ZeRO-3 gathers parameters in forward and backward: more traffic than ZeRO-1.
  EXPECT_GT(z3.breakdown.comm_total_s, z1.breakdown.comm_total_s);
}

TEST(Analytical, OutOfMemoryGivesTheLargestMicroBatchThatFits) {
  // 1000 -> 1000 linear: fp32 SGD keeps weights 4P, grads 4P, momentum 4P (one GPU: no buffers).
  // Per sample it keeps the linear's input (1000) and the loss logits (1000): 8000 B in fp32.
  auto s = scenario(kOneLinear);
  const double fixed = 12.0 * 1001000;
  const auto r = predict(s);
  EXPECT_DOUBLE_EQ(r.memory.activations_bytes, 100 * 8000.0);
  EXPECT_EQ(r.max_micro_batch, static_cast<std::int64_t>((80e9 - fixed) / 8000));
  EXPECT_TRUE(r.feasible);
  s.training.micro_batch = r.max_micro_batch + 1;
  EXPECT_FALSE(predict(s).feasible);
  s.training.micro_batch = r.max_micro_batch;
  EXPECT_TRUE(predict(s).feasible);
}

TEST(Analytical, ScalingEfficiencyFallsWithNodesOnASlowNetwork) {
  double previous = 1.01;
  for (int nodes : {1, 2, 4, 8, 16}) {
    auto s = scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 1, network: {link: slow}}
training: {micro_batch: 4, seq_len: 256}
data_parallel: {collective: ring}
)");
    s.cluster.nodes = nodes;
    const auto r = predict(s);
    EXPECT_LT(r.scaling_efficiency, previous) << nodes << " nodes";
    previous = r.scaling_efficiency;
  }
  EXPECT_LT(previous, 0.5);
}

TEST(Analytical, AutoRecordsWhichAlgorithmAndWhy) {
  const auto r = predict(scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 4}
training: {micro_batch: 2, seq_len: 128}
)"));
  EXPECT_FALSE(r.collective_algorithm.empty());
  EXPECT_NE(r.collective_why.find("auto: least alpha-beta time per bucket"), std::string::npos) << r.collective_why;
  EXPECT_NE(r.collective_why.find("ring "), std::string::npos) << r.collective_why;
  EXPECT_NE(r.collective_why.find("16 GPUs"), std::string::npos) << r.collective_why;
  EXPECT_EQ(r.tokens_per_s, r.samples_per_s * 128);
}

TEST(Analytical, ASingleConfigurationExplainsItself) {
  const auto s = scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 2, seq_len: 128}
)");
  const auto r = predict(s);
  const std::string text = sim::predict_table({r});
  for (const char* expected :
       {"Where the step goes: forward", "Collective: ", "Compute by layer kind: linear", "Costliest layers", "Cost: $"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " missing from:\n" << text;
  // Shares of the step add up to 100%.
  EXPECT_NEAR(r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.interference_s + r.breakdown.exposed_comm_s +
                  r.breakdown.optimizer_s,
              r.step_time_s, 1e-15);
}

TEST(Analytical, ScalingEfficiencyNeverExceedsOneWithZero) {
  // The one-GPU baseline does the same per-GPU work, so ZeRO's sharded optimizer is not
  // mistaken for super-linear scaling.
  for (int zero : {0, 1, 2, 3}) {
    auto s = scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 4}
training: {micro_batch: 2, seq_len: 128}
data_parallel: {collective: ring}
)");
    s.data_parallel.zero_stage = zero;
    const auto r = predict(s);
    EXPECT_LE(r.scaling_efficiency, 1.0) << "ZeRO-" << zero;
    EXPECT_NEAR(r.scaling_efficiency,
                (r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.optimizer_s) / r.step_time_s, 1e-12);
    EXPECT_NEAR(r.step_time_s,
                r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.interference_s +
                    r.breakdown.exposed_comm_s + r.breakdown.optimizer_s,
                1e-12);
  }
}
