// The SimGrid engine: agreement with the analytical engine where no link is shared, and
// the slowdowns worked out by hand where links are shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/des/des_engine.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/trace.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;
using models::Collective;
using sim::CollectiveOp;

namespace {
constexpr double MiB = 1024.0 * 1024.0;

models::Scenario cluster(int nodes, int gpus_per_node, const std::string& extra = "") {
  return test_support::scenario(
      "model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-node, nodes: " + std::to_string(nodes) +
      ", gpus_per_node: " + std::to_string(gpus_per_node) + extra + "}\n");
}
}  // namespace

// Ring, tree and halving-doubling on 2, 4, 8 and 64 ranks, alone on the network: the DES
// (flows on SimGrid) and the α-β closed forms agree within 1%.
TEST(Des, AgreesWithTheAnalyticalEngineWhereNoLinkIsShared) {
  const sim::DesEngine des;
  for (auto [nodes, g] : {std::pair{1, 2}, {1, 4}, {2, 4}, {16, 4}}) {
    const auto s = cluster(nodes, g, ", network: {topology: single-switch}");
    const auto path = sim::NetworkPath::from(s);
    for (auto c : {Collective::Ring, Collective::Tree, Collective::HalvingDoubling}) {
      const double expected = sim::collective_time(c, CollectiveOp::AllReduce, 16 * MiB, path);
      const double simulated = des.collective_time(s, c, CollectiveOp::AllReduce, 16 * MiB);
      EXPECT_NEAR(simulated / expected, 1.0, 0.01) << to_string(c) << " on " << nodes * g << " ranks: des " << simulated
                                                   << " s, analytical " << expected << " s";
    }
  }
}

TEST(Des, RingIsExactlyItsHandFormula) {
  // 2 nodes x 4 GPUs, 4 channels (one per NIC): each step every NIC carries one flow of
  // n/(4·8) at 10 GB/s after 5 us; 2(p-1) = 14 steps.
  const double n = 16 * MiB;
  const double step = 5e-6 + n / 32 / 10e9;
  EXPECT_NEAR(sim::DesEngine{}.collective_time(cluster(2, 4), Collective::Ring, CollectiveOp::AllReduce, n), 14 * step,
              1e-12);
  EXPECT_NEAR(sim::DesEngine{}.collective_time(cluster(2, 4), Collective::Ring, CollectiveOp::ReduceScatter, n),
              7 * step, 1e-12);
}

TEST(Des, FourGpusThroughOneNicSlowTheInterNodePhaseFourfold) {
  // Hierarchical on 2 nodes x 4 GPUs. Inside nodes: 3 ring steps of n/4 per GPU link
  // (1 us + n/4 / 100 GB/s), twice (reduce-scatter, all-gather). Across nodes: 4 parallel
  // rings of n/4 over 2 nodes, 2 steps of n/8 per flow. With 4 NICs each flow has 10 GB/s;
  // behind one NIC the 4 flows share it: 2.5 GB/s each.
  const double n = 16 * MiB;
  const double intra = 2 * 3 * (1e-6 + n / 4 / 100e9);
  const auto own_nics =
      test_support::scenario("model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-node, nodes: 2}\n");
  const auto one_nic =
      test_support::scenario("model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-node-1nic, nodes: 2}\n");
  const sim::DesEngine des;
  EXPECT_NEAR(des.collective_time(own_nics, Collective::Hierarchical, CollectiveOp::AllReduce, n),
              intra + 2 * (5e-6 + n / 8 / 10e9), 1e-12);
  EXPECT_NEAR(des.collective_time(one_nic, Collective::Hierarchical, CollectiveOp::AllReduce, n),
              intra + 2 * (5e-6 + n / 8 / 2.5e9), 1e-12);
}

TEST(Des, TwoToOneOversubscriptionHalvesTheRingAcrossLeaves) {
  // 4 nodes x 4 GPUs, one node per leaf: every ring hop between nodes crosses a leaf
  // uplink of 4 NICs x 10 GB/s / 2 = 20 GB/s shared by the 4 channels: 5 GB/s per flow
  // instead of the NIC's 10. 2(p-1) = 30 steps of n/(4·16).
  const double n = 16 * MiB;
  const sim::DesEngine des;
  const auto full = cluster(4, 4, ", network: {topology: fat-tree, nodes_per_leaf: 1}");
  const auto half = cluster(4, 4, ", network: {topology: fat-tree, nodes_per_leaf: 1, oversubscription: 2}");
  EXPECT_NEAR(des.collective_time(full, Collective::Ring, CollectiveOp::AllReduce, n), 30 * (5e-6 + n / 64 / 10e9),
              1e-12);
  EXPECT_NEAR(des.collective_time(half, Collective::Ring, CollectiveOp::AllReduce, n), 30 * (5e-6 + n / 64 / 5e9),
              1e-12);
  // Within one leaf nothing crosses an uplink: oversubscription changes nothing.
  const auto one_leaf = cluster(4, 4, ", network: {topology: fat-tree, nodes_per_leaf: 4, oversubscription: 2}");
  EXPECT_NEAR(des.collective_time(one_leaf, Collective::Ring, CollectiveOp::AllReduce, n), 30 * (5e-6 + n / 64 / 10e9),
              1e-12);
}

TEST(Des, TheNetworkModelIsChosenOnPurpose) {
  // 1 GB all-reduced by 2 ranks over a 100 GB/s link with 1 ms latency: 2 steps of
  // 1 ms + 0.5 GB / 100 GB/s = 12 ms. SimGrid's defaults (LV08: latency x13.01, and the
  // TCP-gamma window capping a flow at gamma / 2·latency) would give several times more.
  const auto s = test_support::scenario(
      "model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-node, nodes: 2, gpus_per_node: 1, network: {link: "
      "far}}\n");
  EXPECT_NEAR(sim::DesEngine{}.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, 1e9),
              2 * (1e-3 + 0.5e9 / 100e9), 1e-12);
}

// An MLP whose gradients fill three 1 MiB buckets, on two 4-GPU nodes with the ring.
constexpr const char* kThreeBucketMlp = R"(
model: {zoo: mlp, widths: [2000, 2000, 2000, 2000]}
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 64, precision: fp32, optimizer: sgd}
data_parallel: {collective: ring, bucket_mb: 1, first_bucket_mb: 1}
)";

TEST(Des, BucketsQueueOnOneStreamAndOverlapBackward) {
  auto s = test_support::scenario(kThreeBucketMlp);
  const auto graph = s.model.build(0);
  const sim::DesEngine des;
  const auto r = des.predict(s, graph);
  const auto a = sim::AnalyticalEngine{}.predict(s, graph);
  ASSERT_EQ(r.engine, "des");
  ASSERT_EQ(r.buckets.size(), 3u);
  double previous_end = 0;
  for (std::size_t k = 0; k < r.buckets.size(); ++k) {
    const auto& b = r.buckets[k];
    EXPECT_NEAR(b.ready_s, a.buckets[k].ready_s, 1e-12);               // the same compute model
    EXPECT_NEAR(b.start_s, std::max(b.ready_s, previous_end), 1e-12);  // waits for its gradients and the stream
    EXPECT_NEAR(b.end_s - b.start_s, des.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, b.bytes), 1e-12);
    previous_end = b.end_s;
  }
  // No link shared by two flows of different sizes here: the DES step equals the analytical one.
  EXPECT_NEAR(r.step_time_s / a.step_time_s, 1.0, 1e-6);
  EXPECT_NEAR(r.breakdown.interference_s / a.breakdown.interference_s, 1.0, 1e-6);
  EXPECT_NEAR(r.breakdown.exposed_comm_s, r.buckets.back().end_s - r.breakdown.backward_s - r.breakdown.interference_s,
              1e-9);
}

TEST(Des, ADeviceThatComputesItsCommunicationDoesNotOverlapIt) {
  auto s = test_support::scenario(kThreeBucketMlp);
  models::Gpu cpu_like = *s.cluster.gpu_entry;
  cpu_like.communication_uses_compute = true;
  s.cluster.gpu_entry = &cpu_like;
  const auto graph = s.model.build(0);
  const auto r = sim::DesEngine{}.predict(s, graph);
  const auto a = sim::AnalyticalEngine{}.predict(s, graph);
  // One core does both: the buckets wait for backward, then run back to back.
  for (const auto& b : r.buckets) EXPECT_GE(b.start_s, r.breakdown.backward_s - 1e-12);
  EXPECT_NEAR(r.breakdown.exposed_comm_s, r.breakdown.comm_total_s, 1e-9);
  EXPECT_NEAR(r.step_time_s / a.step_time_s, 1.0, 1e-6);
}

TEST(Des, OneGpuIsPureCompute) {
  auto s = test_support::scenario(
      "model: gpt2-small\ncluster: {node: test-node, nodes: 1, gpus_per_node: 1}\ntraining: {seq_len: 64}\n");
  const auto graph = s.model.build(s.seq_len());
  const auto des = sim::DesEngine{}.predict(s, graph);
  EXPECT_NEAR(des.step_time_s, sim::AnalyticalEngine{}.predict(s, graph).step_time_s, 1e-12);
  // Exactly none: the simulated clock less the parts once printed "exposed communication -0.00 ns".
  EXPECT_EQ(des.breakdown.exposed_comm_s, 0.0);
  EXPECT_EQ(sim::predict_table({des}).find("-0"), std::string::npos) << sim::predict_table({des});
}

TEST(Des, ZeroStagesAndAccumulationFollowTheAnalyticalSchedule) {
  // Alone on the network the two engines run the same schedule: DDP, ZeRO-1/2 (ZeRO-2
  // reduce-scattering on every micro-step) and ZeRO-3 (gathers one bucket ahead).
  for (int zero : {0, 1, 2, 3})
    for (int accumulation : {1, 2}) {
      auto s = test_support::scenario(
          "model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n"
          "training: {micro_batch: 2, seq_len: 128}\ndata_parallel: {collective: ring}\n");
      s.data_parallel.zero_stage = zero;
      s.training.grad_accumulation = accumulation;
      const auto graph = s.model.build(s.seq_len());
      const auto des = sim::DesEngine{}.predict(s, graph);
      const auto analytical = sim::AnalyticalEngine{}.predict(s, graph);
      EXPECT_NEAR(des.step_time_s / analytical.step_time_s, 1.0, 1e-9) << "ZeRO-" << zero << " x" << accumulation;
      EXPECT_NEAR(des.breakdown.comm_total_s / analytical.breakdown.comm_total_s, 1.0, 1e-9)
          << "ZeRO-" << zero << " x" << accumulation;
      EXPECT_NEAR(des.breakdown.interference_s / analytical.breakdown.interference_s, 1.0, 1e-6)
          << "ZeRO-" << zero << " x" << accumulation;
    }
}

// Micro-steps 2 to n-2 repeat micro-step 1, so the DES plays micro-steps 0, 1 and the last and
// moves its clock over the others: exactly what playing them all gives, for every ZeRO stage,
// with the collectives slowing compute (DGX H100) and with noisy steps waiting for their
// slowest rank.
TEST(Des, SkippingRepeatedMicroStepsChangesNothing) {
  for (int zero : {0, 1, 2, 3})
    for (int accumulation : {4, 7}) {
      auto s = models::parse_scenarios(
                   "model: gpt2-small\ncluster: {node: dgx-h100, nodes: 2}\n"
                   "training: {micro_batch: 2, seq_len: 256,\n"
                   "  compute_noise: {distribution: normal, cv: 0.05, seed: 7, steps: 3}}\n",
                   "test.yaml")
                   .front();
      s.data_parallel.zero_stage = zero;
      s.training.grad_accumulation = accumulation;
      const auto graph = s.model.build(s.seq_len());
      sim::PredictOptions every;
      every.every_micro_step = true;
      const auto skipped = sim::DesEngine{}.predict(s, graph);
      const auto played = sim::DesEngine{}.predict(s, graph, every);
      const std::string what = "ZeRO-" + std::to_string(zero) + " x" + std::to_string(accumulation);
      EXPECT_NEAR(skipped.step_time_s / played.step_time_s, 1.0, 1e-12) << what;
      EXPECT_NEAR(skipped.step_time_spread_s.first / played.step_time_spread_s.first, 1.0, 1e-12) << what;
      EXPECT_NEAR(skipped.step_time_spread_s.second / played.step_time_spread_s.second, 1.0, 1e-12) << what;
      EXPECT_NEAR(skipped.breakdown.comm_total_s / played.breakdown.comm_total_s, 1.0, 1e-12) << what;
      EXPECT_NEAR(skipped.breakdown.interference_s, played.breakdown.interference_s, 1e-12 * played.step_time_s)
          << what;
      EXPECT_NEAR(skipped.marks.last_micro_step_start_s, played.marks.last_micro_step_start_s,
                  1e-12 * played.step_time_s)
          << what;
      ASSERT_EQ(skipped.buckets.size(), played.buckets.size());
      for (std::size_t k = 0; k < played.buckets.size(); ++k)
        EXPECT_NEAR(skipped.buckets[k].end_s, played.buckets[k].end_s, 1e-12 * played.step_time_s) << what;
      // And the analytical engine's schedule, to which the DES keeps without noise (above).
      EXPECT_NEAR(skipped.step_time_s / sim::AnalyticalEngine{}.predict(s, graph).step_time_s, 1.0, 0.1) << what;
    }
}

// NCCL's collectives hold SMs (one per channel) and memory bandwidth while they run, and the
// layers beside them run slower (interference.hpp): the DES, where SimGrid shares the GPU
// host between the layer and the collective's load, and the analytical engine's two-stream
// schedule give the same step, DDP and ZeRO-3, on DGX A100 and H100 pairs.
TEST(Des, CollectivesSlowTheComputeTheyOverlapAsTheAnalyticalEngineSays) {
  for (const char* node : {"dgx-a100", "dgx-h100"})
    for (int zero : {0, 3}) {
      auto s = models::parse_scenarios("model: gpt2-small\ncluster: {node: " + std::string(node) +
                                           ", nodes: 2}\ntraining: {micro_batch: 4, seq_len: 512}\n",
                                       "test.yaml")
                   .front();
      s.data_parallel.zero_stage = zero;
      const auto graph = s.model.build(s.seq_len());
      const auto des = sim::DesEngine{}.predict(s, graph);
      const auto analytical = sim::AnalyticalEngine{}.predict(s, graph);
      const double compute_s = analytical.breakdown.forward_s + analytical.breakdown.backward_s;
      EXPECT_GT(analytical.breakdown.interference_s, 0.01 * compute_s) << node << " ZeRO-" << zero;
      EXPECT_NEAR(des.breakdown.interference_s / analytical.breakdown.interference_s, 1.0, 1e-6)
          << node << " ZeRO-" << zero;
      EXPECT_NEAR(des.step_time_s / analytical.step_time_s, 1.0, 1e-6) << node << " ZeRO-" << zero;
    }
}

TEST(Des, StragglersSampledStepsSpreadAroundTheExpectedSlowest) {
  auto s = test_support::scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 2, seq_len: 128, compute_noise: {cv: 0.05, steps: 40, seed: 11}}
)");
  const auto graph = s.model.build(s.seq_len());
  const auto des = sim::DesEngine{}.predict(s, graph);
  const auto analytical = sim::AnalyticalEngine{}.predict(s, graph);
  EXPECT_LT(des.step_time_spread_s.first, des.step_time_s);
  EXPECT_GT(des.step_time_spread_s.second, des.step_time_s);
  EXPECT_GT(des.breakdown.stragglers_s, 0);
  // The median sampled step against the expected slowest (Blom): within 2%.
  EXPECT_NEAR(des.step_time_s / analytical.step_time_s, 1.0, 0.02);
}

// One step of GPT-2 small (buckets of 10 MiB) on `cluster` with `collective`, predicted with
// every shortcut and played in full: the shortcut tests compare the two.
struct FastAndFull {
  models::RunRecord fast, full;
};
FastAndFull fast_and_full(const std::string& cluster, const char* collective) {
  auto s = test_support::scenario("model: gpt2-small\ncluster: " + cluster +
                                  "\ntraining: {micro_batch: 2, seq_len: 128}\n"
                                  "data_parallel: {bucket_mb: 10, collective: " +
                                  collective + "}\n");
  const auto graph = s.model.build(s.seq_len());
  return {sim::DesEngine{}.predict(s, graph, {true, false}), sim::DesEngine{}.predict(s, graph, {true, true})};
}

TEST(Des, ShortcutsAreExactEvenWithContention) {
  // Repeated steps played once, equal sizes cached, other sizes scaled: on an oversubscribed
  // fat-tree with buckets of several sizes, every algorithm gives the full-fidelity step.
  for (const char* collective : {"ring", "tree", "halving-doubling", "hierarchical", "parameter-server"}) {
    const auto [fast, full] = fast_and_full(
        "{node: test-node, nodes: 4, network: {topology: fat-tree, nodes_per_leaf: 2, oversubscription: 2}}",
        collective);
    EXPECT_NEAR(fast.step_time_s / full.step_time_s, 1.0, 1e-9) << collective;
    ASSERT_EQ(fast.buckets.size(), full.buckets.size());
    for (std::size_t k = 0; k < fast.buckets.size(); ++k)
      EXPECT_NEAR(fast.buckets[k].end_s, full.buckets[k].end_s, 1e-12) << collective << " bucket " << k;
  }
}

TEST(Des, PcieSwitchUplinksAreSharedAcrossSwitches) {
  // 8 GPUs, two per PCIe switch, every link 100 GB/s with 1 us on the GPU's own link.
  // Ring (order 0..7): each switch uplink carries one flow per step, so nothing is shared:
  // 14 steps of 1 us + n/8 / 100 GB/s, as the analytical engine says.
  // Halving-doubling: distance 1 stays under one switch (n/2 at 100 GB/s); distances 2 and
  // 4 send both GPUs of a switch through its uplink (n/4 and n/8 at 50 GB/s each).
  const auto s = test_support::scenario("model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-pcie, nodes: 1}\n");
  const double n = 16 * MiB;
  const sim::DesEngine des;
  EXPECT_NEAR(des.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, n), 14 * (1e-6 + n / 8 / 100e9), 1e-12);
  const double half = 3e-6 + (n / 2) / 100e9 + (n / 4) / 50e9 + (n / 8) / 50e9;
  EXPECT_NEAR(des.collective_time(s, Collective::HalvingDoubling, CollectiveOp::AllReduce, n), 2 * half, 1e-12);
}

TEST(Des, TrafficBetweenSocketsSharesTheirLink) {
  // test-pcie-2s: 8 GPUs, two under each of 4 PCIe switches, switches 0-1 on socket 0 and
  // 2-3 on socket 1, one 50 GB/s link each way between the sockets. Halving-doubling:
  // distance 1 stays under a switch (n/2 at 100 GB/s); distance 2 crosses switch uplinks
  // within a socket (both GPUs of a switch: n/4 at 50 GB/s); distance 4 sends all 4 GPUs of a
  // socket through its socket link (n/8 at 12.5 GB/s). The ring crosses sockets at two hops,
  // one flow each way: 50 GB/s, below the 100 GB/s of the GPU links: 14 steps of n/8 at 50.
  const auto s =
      test_support::scenario("model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-pcie-2s, nodes: 1}\n");
  const double n = 16 * MiB;
  const sim::DesEngine des;
  const double half = 3e-6 + (n / 2) / 100e9 + (n / 4) / 50e9 + (n / 8) / 12.5e9;
  EXPECT_NEAR(des.collective_time(s, Collective::HalvingDoubling, CollectiveOp::AllReduce, n), 2 * half, 1e-12);
  EXPECT_NEAR(des.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, n), 14 * (1e-6 + n / 8 / 50e9), 1e-12);
}

TEST(Des, SymmetricStepsOnASliceAreExact) {
  // Ring and hierarchical steps played on a slice (a full leaf and the smaller last one, or
  // two nodes on one switch) give the whole cluster's result: 7 nodes in leaves of 2, 2:1.
  // The same with the job spread, placed at random (leaves of 2, 3 and 1 of its nodes), and
  // with background traffic on every uplink.
  for (const char* network :
       {"{topology: fat-tree, nodes_per_leaf: 2, oversubscription: 2}", "{topology: single-switch}",
        "{topology: fat-tree, nodes_per_leaf: 2, oversubscription: 2, leaves: 5}, placement: spread",
        "{topology: fat-tree, nodes_per_leaf: 3, oversubscription: 2, leaves: 6}, placement: random",
        "{topology: fat-tree, nodes_per_leaf: 2, oversubscription: 2, background: 0.6}"})
    for (const char* collective : {"ring", "hierarchical"}) {
      auto s = test_support::scenario(std::string("model: gpt2-small\ncluster: {node: test-node, nodes: 7, network: ") +
                                      network +
                                      "}\ntraining: {micro_batch: 2, seq_len: 128}\n"
                                      "data_parallel: {bucket_mb: 10, collective: " +
                                      collective + "}\n");
      ASSERT_TRUE(sim::des::slice_layout(s, sim::des::Layout::from(s)).has_value());
      const auto graph = s.model.build(s.seq_len());
      const auto sliced = sim::DesEngine{}.predict(s, graph, {true, false});
      const auto full = sim::DesEngine{}.predict(s, graph, {true, true});
      // Exact but for SimGrid's whole-byte flows: a scaled collective differs by at most
      // 0.5 / flow bytes (here flows are ~100 kB: ~1e-6).
      EXPECT_NEAR(sliced.step_time_s / full.step_time_s, 1.0, 1e-5) << collective << " on " << network;
    }
}

TEST(Des, PodOversubscriptionSlowsTheRingOnlyAcrossPods) {
  // Three levels: leaves of 1 node, pods of 2 leaves. 4 nodes x 4 GPUs make 2 pods; each
  // pod's uplink is sized for its 2 nodes x 4 NICs x 10 GB/s / 4 (pod oversubscription) =
  // 20 GB/s and carries one ring hop per channel (4 channels): 5 GB/s a flow instead of the
  // NIC's 10. 2(p-1) = 30 steps of n/(4·16). Two nodes in one pod cross no pod uplink.
  const double n = 16 * MiB;
  const sim::DesEngine des;
  const std::string tree = ", network: {topology: fat-tree, levels: 3, nodes_per_leaf: 1, leaves_per_pod: 2";
  EXPECT_NEAR(des.collective_time(cluster(4, 4, tree + "}"), Collective::Ring, CollectiveOp::AllReduce, n),
              30 * (5e-6 + n / 64 / 10e9), 1e-12);
  EXPECT_NEAR(des.collective_time(cluster(4, 4, tree + ", pod_oversubscription: 4}"), Collective::Ring,
                                  CollectiveOp::AllReduce, n),
              30 * (5e-6 + n / 64 / 5e9), 1e-12);
  EXPECT_NEAR(des.collective_time(cluster(2, 4, tree + ", pod_oversubscription: 4}"), Collective::Ring,
                                  CollectiveOp::AllReduce, n),
              14 * (5e-6 + n / 32 / 10e9), 1e-12);
}

TEST(Des, ASpreadJobMeetsTheOversubscriptionPackedOneDoesNot) {
  // 4 nodes of 4 GPUs (4 NICs of 10 GB/s), leaves of 8 nodes at 2:1. Packed, the job sits
  // under one leaf: the NIC's 10 GB/s a flow. Spread, each node has a leaf of its own whose
  // uplink (its node's 40 GB/s / 2) carries one hop of each of the 4 channels: 5 GB/s a flow.
  // Background 0.95 leaves each uplink 5% of the whole leaf's 8 x 40 / 2: 2 GB/s a flow.
  // 16 ranks: 30 steps of n/(4·16). The analytical engine says the same.
  const double n = 16 * MiB;
  const std::string tree = ", network: {nodes_per_leaf: 8, oversubscription: 2";
  const auto ring = [&](const std::string& extra) {
    const auto s = cluster(4, 4, tree + extra);
    const double des = sim::DesEngine{}.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, n);
    const double analytical =
        sim::collective_time(Collective::Ring, CollectiveOp::AllReduce, n, sim::NetworkPath::from(s));
    EXPECT_NEAR(des / analytical, 1.0, 1e-9) << extra;
    return des;
  };
  EXPECT_NEAR(ring("}"), 30 * (5e-6 + n / 64 / 10e9), 1e-12);
  EXPECT_NEAR(ring("}, placement: spread"), 30 * (5e-6 + n / 64 / 5e9), 1e-12);
  EXPECT_NEAR(ring(", background: 0.95}, placement: spread"), 30 * (5e-6 + n / 64 / 2e9), 1e-12);
}

TEST(Des, TheNarrowestPodSetsTheRingAcrossPods) {
  // 7 nodes in pods of 2 leaves of 2 nodes: pods of 4 and 3 nodes. Pod uplinks at 4:1 carry
  // 4 x 40 GB/s / 4 = 40 GB/s and 3 x 40 / 4 = 30 GB/s, each one hop per channel: the last
  // pod gives each of the 4 channels 7.5 GB/s. 28 ranks: 54 steps of n/(4·28). The slice (one
  // full leaf and the last leaf, in pods sized as the first and the last) gives exactly that,
  // with SimGrid's whole-byte flows (n/112 is not a whole number of bytes).
  const double n = 16 * MiB;
  const auto s = cluster(7, 4, ", network: {levels: 3, nodes_per_leaf: 2, leaves_per_pod: 2, pod_oversubscription: 4}");
  const auto slice = sim::des::slice_layout(s, sim::des::Layout::from(s));
  ASSERT_TRUE(slice.has_value());
  EXPECT_EQ(slice->nodes, 3);
  ASSERT_EQ(slice->pods.size(), 2u);
  EXPECT_EQ(slice->pods[0].uplink_bytes_per_s, 40e9);
  EXPECT_EQ(slice->pods[1].uplink_bytes_per_s, 30e9);
  EXPECT_NEAR(sim::DesEngine{}.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, n),
              54 * (5e-6 + std::round(n / 112) / 7.5e9), 1e-12);
}

TEST(Des, ThreeLevelShortcutsAreExact) {
  // Every algorithm, sliced and scaled, against full fidelity on an oversubscribed
  // three-level tree with a partial last leaf and a partial last pod.
  for (const char* collective : {"ring", "tree", "halving-doubling", "hierarchical", "parameter-server"}) {
    const auto [fast, full] = fast_and_full(
        "{node: test-node, nodes: 7, network: {levels: 3, nodes_per_leaf: 2, leaves_per_pod: 2, "
        "oversubscription: 2, pod_oversubscription: 2}}",
        collective);
    // Whole-byte flows: a sliced, scaled collective differs by at most 0.5 / flow bytes.
    EXPECT_NEAR(fast.step_time_s / full.step_time_s, 1.0, 1e-5) << collective;
  }
}

TEST(Des, RailOptimizedKeepsTheRingInsideAScalableUnit) {
  // 8-port switches, 4 NICs a node. A fat-tree leaf takes 8/2/4 = 1 node; a rail switch
  // takes one port per node, so a scalable unit (the 4 rail switches) holds 8/2 = 4 nodes.
  // 4 nodes at 2:1: the fat-tree ring crosses leaf uplinks of 1 x 40 GB/s / 2 = 20 GB/s,
  // 5 GB/s for each of 4 channels; rail-optimized, all 4 nodes are in one unit: 10 GB/s.
  // 8 nodes at 8:1: two units, uplinks 4 x 40 / 8 = 20 GB/s: 5 GB/s a channel again.
  const double n = 16 * MiB;
  const sim::DesEngine des;
  auto ring = [&](int nodes, const std::string& network) {
    return des.collective_time(cluster(nodes, 4, ", network: " + network), Collective::Ring, CollectiveOp::AllReduce,
                               n);
  };
  EXPECT_NEAR(ring(4, "{topology: fat-tree, switch_ports: 8, oversubscription: 2}"), 30 * (5e-6 + n / 64 / 5e9), 1e-12);
  EXPECT_NEAR(ring(4, "{topology: rail-optimized, switch_ports: 8, oversubscription: 2}"), 30 * (5e-6 + n / 64 / 10e9),
              1e-12);
  EXPECT_NEAR(ring(8, "{topology: rail-optimized, switch_ports: 8, oversubscription: 8}"), 62 * (5e-6 + n / 128 / 5e9),
              1e-12);
}

TEST(Des, AnalyticalRingsFollowTheNarrowestLeafOrPodAsTheDesDoes) {
  // Node-ordered rings (ring, and hierarchical's inter-node part) cross each leaf and pod
  // boundary once per ring; the analytical engine scales the NIC bandwidth by the narrowest
  // leaf or pod (nodes / oversubscription, when below 1). Both engines agree on partial last
  // leaves and pods, two and three levels, fat-tree and rail-optimized.
  const double n = 16 * MiB;
  const sim::DesEngine des;
  for (auto [nodes, network] : std::vector<std::pair<int, std::string>>{
           {4, "{nodes_per_leaf: 1, oversubscription: 2}"},
           {5, "{nodes_per_leaf: 2, oversubscription: 2}"},
           {6, "{nodes_per_leaf: 4, oversubscription: 3}"},
           {4, "{levels: 3, nodes_per_leaf: 1, leaves_per_pod: 2, pod_oversubscription: 4}"},
           {7, "{levels: 3, nodes_per_leaf: 2, leaves_per_pod: 2, oversubscription: 1.5, pod_oversubscription: 4}"},
           {8, "{topology: rail-optimized, switch_ports: 8, oversubscription: 8}"}}) {
    const auto s = cluster(nodes, 4, ", network: " + network);
    const auto path = sim::NetworkPath::from(s);
    for (auto c : {Collective::Ring, Collective::Hierarchical}) {
      const double analytical = sim::collective_time(c, CollectiveOp::AllReduce, n, path);
      EXPECT_NEAR(des.collective_time(s, c, CollectiveOp::AllReduce, n) / analytical, 1.0, 1e-5)
          << to_string(c) << " on " << nodes << " nodes, " << network;
    }
  }
}

TEST(Des, AProfileCanChooseAnotherNetworkModel) {
  // The same 1 GB all-reduce as above under LV08 (a profile's choice): SimGrid multiplies
  // latency by 13.01 and bandwidth by 0.97. TCP-gamma stays 0 (no window cap).
  const auto s = test_support::scenario(
      "model: {zoo: mlp, widths: [64, 64]}\ncluster: {node: test-node, nodes: 2, gpus_per_node: 1, network: {link: "
      "far}}\n");
  models::NetworkModelSettings lv08;
  lv08.model = "LV08";
  EXPECT_NEAR(sim::DesEngine{}.collective_time(s, Collective::Ring, CollectiveOp::AllReduce, 1e9, lv08),
              2 * (13.01e-3 + 0.5e9 / (0.97 * 100e9)), 1e-9);
}

// NCCL's choice (`auto` with library nccl) on DGX A100 and H100 clusters, every algorithm and
// protocol NCCL picks from 4 KiB to 1 GiB, alone on the network: the DES (its pipelined ring
// flows on SimGrid, then NCCL's latency) and NCCL's cost model agree within 1%.
TEST(Des, PlaysNcclsChoiceAsNcclsModelWhereNoLinkIsShared) {
  const sim::DesEngine des;
  std::set<std::string> seen;
  for (auto [node, nodes, keys] : {std::tuple{"dgx-a100", 1, ""},
                                   {"dgx-a100", 2, ""},
                                   {"dgx-h100", 1, ""},
                                   {"dgx-h100", 4, ""},
                                   {"dgx-a100", 4, ", network: {sharp: true}"},
                                   {"dgx-h100", 4, ", network: {sharp: true}"}}) {
    const auto s = models::parse_scenarios("model: mlp\ncluster: {node: " + std::string(node) +
                                               ", nodes: " + std::to_string(nodes) + keys + "}\n",
                                           "test.yaml")
                       .front();
    const auto path = sim::NetworkPath::from(s);
    for (double bytes : {4096.0, 256 * 1024.0, 16 * MiB, 1024 * MiB}) {
      const auto choice = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, bytes, path);
      ASSERT_TRUE(choice.nccl);
      seen.insert(choice.nccl->label());
      const double simulated = des.collective_time(s, choice, CollectiveOp::AllReduce, bytes);
      EXPECT_NEAR(simulated / choice.time_s, 1.0, 0.01)
          << choice.nccl->label() << " on " << nodes << " x " << node << ", " << bytes << " B: des " << simulated
          << " s, NCCL's model " << choice.time_s << " s";
    }
  }
  EXPECT_GE(seen.size(), 7u);  // ring and tree with LL, LL128 and Simple, NVLS, NVLS-tree, CollNet among them
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](const std::string& l) { return l.rfind("collnet", 0) == 0; }));
}

// A calibrated profile's measured curve on an α-β link (dpcast calibrate --backend cpu keeps
// Open MPI's per-size ratio): the DES plays the flows and then what the ratio adds, or fewer
// bytes where it is below 1: it agrees with the analytical time, except that a ratio below 1
// cannot shorten a step's latency (4 KiB here: between the measured time and the line's).
TEST(Des, PlaysAnAlphaBetaChoiceUnderAMeasuredCurve) {
  models::Catalogue calibrated = models::Catalogue::builtin();
  models::Catalogue copy;
  for (const auto& [_, g] : calibrated.gpus()) copy.add(g);
  for (auto [name, l] : calibrated.links()) {
    if (name == "shared-memory") l.alpha_beta_time_ratio.points = {{4096, 0.8}, {MiB, 1.0}, {64 * MiB, 6.0}};
    copy.add(l);
  }
  for (const auto& [_, n] : calibrated.nodes()) copy.add(n);
  const auto s = models::parse_scenarios("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "t.yaml", copy).front();
  const auto path = sim::NetworkPath::from(s);
  const sim::DesEngine des;
  for (double bytes : {MiB, 4 * MiB, 64 * MiB}) {
    const auto choice = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, bytes, path);
    EXPECT_FALSE(choice.nccl);
    EXPECT_NEAR(des.collective_time(s, choice, CollectiveOp::AllReduce, bytes) / choice.time_s, 1.0, 0.02)
        << bytes << " B, ratio " << choice.measured_ratio;
  }
  const auto small = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 4096, path);
  EXPECT_DOUBLE_EQ(small.measured_ratio, 0.8);
  const double small_des = des.collective_time(s, small, CollectiveOp::AllReduce, 4096);
  EXPECT_GE(small_des, small.time_s * 0.99);
  EXPECT_LE(small_des, small.time_s / 0.8 * 1.01);
  EXPECT_DOUBLE_EQ(sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 64 * MiB, path).measured_ratio,
                   6.0);
}

// Gloo on its own figures (scenarios/hardware/gloo.yaml): the DES plays the ring's flows on the
// links and sleeps what Gloo's lower bandwidth and per-step cost add, so where no link is
// shared it agrees with the analytical time within 1%, from one float to 64 MiB, for a ring
// across nodes and a named tree.
TEST(Des, PlaysGlooOnItsOwnFiguresAsTheAnalyticalEngine) {
  const auto s = models::parse_scenarios(
                     "model: mlp\ncluster: {node: cpu-host, nodes: 4, gpus_per_node: 1, network: {link: eth-40g}}\n"
                     "data_parallel: {library: gloo}\n",
                     "t.yaml")
                     .front();
  const auto path = sim::NetworkPath::from(s);
  ASSERT_TRUE(path.gloo.has_value());
  const sim::DesEngine des;
  for (auto algorithm : {Collective::Auto, Collective::Tree})
    for (double bytes : {4.0, 64.0 * 1024, 4 * MiB, 64 * MiB}) {
      const auto choice = sim::choose_collective(algorithm, CollectiveOp::AllReduce, bytes, path);
      EXPECT_GT(choice.measured_ratio, 1.0);
      EXPECT_NEAR(des.collective_time(s, choice, CollectiveOp::AllReduce, bytes) / choice.time_s, 1.0, 0.01)
          << to_string(choice.algorithm) << " " << bytes << " B";
    }
}

// The DES's own step in a trace: its gathers and marks, not the analytical engine's, so the
// last span ends at the simulated step time for every ZeRO stage (issue 18).
TEST(Des, TraceSpansEndAtTheSimulatedStep) {
  for (int zero : {0, 1, 2, 3})
    for (int accumulation : {1, 2}) {
      auto s = test_support::scenario(
          "model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n"
          "training: {micro_batch: 2, seq_len: 128}\ndata_parallel: {collective: ring}\n");
      s.data_parallel.zero_stage = zero;
      s.training.grad_accumulation = accumulation;
      const auto r = sim::DesEngine{}.predict(s, s.model.build(s.seq_len()));
      double last = 0;
      int gathers = 0;
      const auto trace = sim::chrome_trace(r, s, 1);
      for (const auto& e : trace.at("traceEvents")) {
        if (e.at("ph") != "X") continue;
        last = std::max(last, (e.at("ts").get<double>() + e.at("dur").get<double>()) / 1e6);
        gathers += e.at("args").contains("gather") ? 1 : 0;
      }
      EXPECT_NEAR(last, r.step_time_s, 1e-9 * r.step_time_s) << "ZeRO-" << zero << " x" << accumulation;
      EXPECT_EQ(gathers, zero == 3 ? 2 * static_cast<int>(r.buckets.size()) * accumulation : zero >= 1 ? 1 : 0);
    }
}

// Beyond 16 micro-steps a trace shows micro-steps 0, 1 and the last, and those between as one
// span per track, which ends where the next micro-step begins: the step still ends at the
// simulated step, and a million micro-steps make a trace as small as three.
TEST(Des, TraceShowsThreeMicroStepsOfMany) {
  for (int zero : {0, 2, 3}) {
    auto s = test_support::scenario(
        "model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n"
        "training: {micro_batch: 2, seq_len: 128, grad_accumulation: 1000000}\ndata_parallel: {collective: ring}\n");
    s.data_parallel.zero_stage = zero;
    const auto r = sim::DesEngine{}.predict(s, s.model.build(s.seq_len()));
    const auto trace = sim::chrome_trace(r, s, 1);
    double last = 0, elided_end = 0, after_elided = 1e300;
    int elided = 0, micro_step_1 = 0, events = 0;
    for (const auto& e : trace.at("traceEvents")) {
      if (e.at("ph") != "X") continue;
      ++events;
      const double start = e.at("ts").get<double>() / 1e6, end = start + e.at("dur").get<double>() / 1e6;
      last = std::max(last, end);
      const auto name = e.at("name").get<std::string>();
      if (name == "micro-steps 2 to 999998 (each as micro-step 1)") {
        ++elided;
        EXPECT_EQ(e.at("args").at("micro_steps"), 999997);
        if (e.at("tid") == 1) elided_end = end;
      }
      if (name.find("(micro-step 1)") != std::string::npos) ++micro_step_1;
      if (name.find("(micro-step 999999)") != std::string::npos && e.at("tid") == 1)
        after_elided = std::min(after_elided, start);
    }
    EXPECT_NEAR(last, r.step_time_s, 1e-9 * r.step_time_s) << "ZeRO-" << zero;
    EXPECT_EQ(elided, zero >= 2 ? 2 : 1) << "ZeRO-" << zero;  // compute, and the collectives of ZeRO-2/3
    EXPECT_GT(micro_step_1, 0) << "ZeRO-" << zero;
    EXPECT_LE(elided_end, after_elided * (1 + 1e-9)) << "ZeRO-" << zero;
    EXPECT_LT(events, 1000) << "ZeRO-" << zero;
  }
}
