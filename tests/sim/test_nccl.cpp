// NCCL's topology view and cost model (NCCL 2.21), checked against hand calculations from
// NCCL's constants (tuning.cc, search.cc) and against the channel counts NCCL's own logs print.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/nccl_topology.hpp"
#include "dpcast/sim/nccl_tuning.hpp"

using namespace dpcast;
using models::CollectiveOp;
using sim::NcclAlgorithm;
using sim::NcclProtocol;

namespace {
constexpr double KiB = 1024.0;
constexpr double GiB = 1024.0 * 1024.0 * 1024.0;

// `cluster_keys` go into the cluster map (", network: {...}"), `rest` after it.
models::Scenario on(const std::string& node, int nodes, const std::string& cluster_keys = "",
                    const std::string& rest = "") {
  return models::parse_scenarios(
             "model: mlp\ncluster: {node: " + node + ", nodes: " + std::to_string(nodes) + cluster_keys + "}\n" + rest,
             "test.yaml")
      .front();
}

sim::NcclTopology topology(const std::string& node, int nodes) {
  return *sim::nccl_topology(on(node, nodes).cluster);
}

void expect_graph(const sim::NcclGraph& g, int channels, double intra, double inter) {
  EXPECT_EQ(g.channels, channels);
  EXPECT_DOUBLE_EQ(g.bw_intra, intra);
  EXPECT_DOUBLE_EQ(g.bw_inter, inter);
}
}  // namespace

// NCCL's logs: DGX A100 "nChannels 12, bw 20/20" on one node; one channel per HDR NIC at 24
// across nodes; DGX H100 12 x 30 (NVIDIA/nccl#1197, 2.19), NVLS 8 x 40/60, and across nodes
// "nChannels 8, bw 48/48".
TEST(NcclTopology, ChannelsAsNcclsSearchFindsThem) {
  const auto a100 = topology("dgx-a100", 1);
  expect_graph(a100.ring, 12, 20, 20);
  expect_graph(a100.tree, 12, 20, 20);
  EXPECT_FALSE(a100.nvls);
  EXPECT_EQ(a100.runtime_channels, 24);
  const auto a100x4 = topology("dgx-a100", 4);
  expect_graph(a100x4.ring, 8, 24, 24);
  EXPECT_FALSE(a100x4.tree.simple_tree_pattern);
  const auto a100x2 = topology("dgx-a100", 2);
  expect_graph(a100x2.tree, 8, 30, 24);  // search pass 2 for 2 nodes: up to 2 x 24 that 240 GB/s of NVLink carries
  const auto h100 = topology("dgx-h100", 1);
  expect_graph(h100.ring, 12, 30, 30);
  ASSERT_TRUE(h100.nvls);
  expect_graph(*h100.nvls, 8, 40, 60);
  const auto h100x16 = topology("dgx-h100", 16);
  expect_graph(h100x16.ring, 8, 48, 48);
  EXPECT_TRUE(h100x16.tree.simple_tree_pattern);
  ASSERT_TRUE(h100x16.nvls);
  expect_graph(*h100x16.nvls, 8, 40, 48);
  EXPECT_EQ(h100x16.runtime_channels, 16);
  // p4d: four 100 Gb/s EFA NICs, 12 GB/s each (the first listed speed at or below 12.5).
  expect_graph(topology("p4d-24xlarge", 2).ring, 4, 12, 12);
}

// AWS p5: aws-ofi-nccl groups the 32 EFA interfaces into one 400 Gb/s device per GPU, so NCCL
// sees 8 NICs of min(4 x 12.5, PCIe 5's 48) = 48 GB/s: across nodes one ring channel per device
// at 48 (as a DGX H100's NDR ports), and NVLS-tree, 8 x min(40, 48) x 5/6 = 267 GB/s at 1 GiB.
TEST(NcclTopology, GroupedNicsAreTheDevicesNcclSees) {
  const auto p5 = topology("p5-48xlarge", 2);
  expect_graph(p5.ring, 8, 48, 48);
  ASSERT_TRUE(p5.nvls);
  expect_graph(*p5.nvls, 8, 40, 48);
  EXPECT_EQ(sim::nccl_choice(p5, CollectiveOp::AllReduce, GiB).algorithm, NcclAlgorithm::NvlsTree);
}

// No NCCL where there is no NVIDIA GPU: the library defaults to MPI, and naming NCCL is an
// error at the key.
TEST(NcclTopology, NoneWithoutAComputeCapability) {
  const auto cpu = on("cpu-host", 1);
  EXPECT_FALSE(sim::nccl_topology(cpu.cluster));
  EXPECT_EQ(cpu.communication_library(), models::CommLibrary::Mpi);
  EXPECT_EQ(on("dgx-a100", 1).communication_library(), models::CommLibrary::Nccl);
  try {
    (void)on("dgx-a100", 1, ", gpu: mi300x", "data_parallel: {library: nccl}\n");
    FAIL() << "NCCL on an AMD GPU was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("test.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("data_parallel.library"), std::string::npos) << e.what();
  }
}

// All-reduce on one DGX A100 (v2.21.5): ring bus bandwidth 12 x 20 = 240 GB/s.
//  LL: min(87.7, 240 / 2) x 8/14 = 50.114 GB/s; latency 6.6 + 14 x 0.6 = 15.0 us.
//  Simple: 240 x 8/14 = 137.14 GB/s; latency 8.4 + 14 x 3.4 = 56.0 us.
TEST(NcclTuning, OneDgxA100) {
  const auto t = topology("dgx-a100", 1);
  const auto small = sim::nccl_choice(t, CollectiveOp::AllReduce, 64 * KiB);
  EXPECT_EQ(small.algorithm, NcclAlgorithm::Ring);
  EXPECT_EQ(small.protocol, NcclProtocol::LL);
  EXPECT_NEAR(small.latency_s, 15.0e-6, 1e-12);
  EXPECT_NEAR(small.bandwidth_bytes_per_s, 87.7 * 8 / 14 * 1e9, 1e3);
  EXPECT_NEAR(small.time_s, 15.0e-6 + 65536 / (87.7e9 * 8 / 14), 1e-12);
  const auto large = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(large.algorithm, NcclAlgorithm::Ring);
  EXPECT_EQ(large.protocol, NcclProtocol::Simple);
  EXPECT_EQ(large.channels, 12);
  EXPECT_NEAR(large.time_s, 56.0e-6 + GiB / (240e9 * 8 / 14), 1e-9);  // 7885 us: busbw 238 GB/s
}

// Four DGX A100 (32 ranks, AMD CPUs): 64 KiB goes to Tree/LL:
//  bus 8 x 24 x 0.92 = 176.6 -> capped at 8 x 17.8 = 142.4 -> / 3.8 = 37.5 -> min(LL cap 19.0)
//  x 1/2 = 9.5 GB/s, x tree correction 0.6 at 64 KiB; latency 6.8 + 2 (7 x 0.6 + 2 x 5.0) = 35.2 us.
// 1 GiB goes to Ring/Simple: 192 x 32/62 GB/s; latency 8.4 + 54 x max(3.4, 2 x 3) + 8 x 14 =
// 444.4 us, x 1.4 for the ring's plateau.
TEST(NcclTuning, FourDgxA100) {
  const auto t = topology("dgx-a100", 4);
  const auto small = sim::nccl_choice(t, CollectiveOp::AllReduce, 64 * KiB);
  EXPECT_EQ(small.algorithm, NcclAlgorithm::Tree);
  EXPECT_EQ(small.protocol, NcclProtocol::LL);
  EXPECT_NEAR(small.latency_s, 35.2e-6, 1e-12);
  EXPECT_NEAR(small.time_s, 35.2e-6 + 65536 / (9.5e9 * 0.6), 1e-11);
  const auto large = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(large.algorithm, NcclAlgorithm::Ring);
  EXPECT_EQ(large.protocol, NcclProtocol::Simple);
  EXPECT_NEAR(large.latency_s, 444.4e-6 * 1.4, 1e-11);
  EXPECT_NEAR(large.time_s, 444.4e-6 * 1.4 + GiB / (192e9 * 32 / 62), 1e-9);  // 11457 us
}

// One DGX H100: 1 GiB on NVLS, 8 x min(40, 60) x 5/6 = 266.7 GB/s after 25 us (busbw 464).
TEST(NcclTuning, OneDgxH100TakesNvlsForLargeMessages) {
  const auto t = topology("dgx-h100", 1);
  const auto large = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(large.algorithm, NcclAlgorithm::Nvls);
  EXPECT_NEAR(large.time_s, 25e-6 + GiB / (8 * 40e9 * 5 / 6), 1e-9);
  const auto small = sim::nccl_choice(t, CollectiveOp::AllReduce, 64 * KiB);
  EXPECT_EQ(small.algorithm, NcclAlgorithm::Ring);
  EXPECT_EQ(small.protocol, NcclProtocol::LL);  // 15.0 us + 64 KiB at min(141, 180) x 8/14
  EXPECT_NEAR(small.time_s, 15e-6 + 65536 / (141e9 * 8 / 14), 1e-12);
}

// Sixteen DGX H100 (128 ranks, Intel): 1 GiB on NVLS-tree, 8 x min(40, 48/2) x 5/6 = 160 GB/s
// after 25 + 2 x 4 x 14 = 137 us; 64 KiB on Tree/LL with the simpler tree pattern (x 0.85):
// 8 x 48 x 0.92 capped at 8 x 36 = 288 -> / 3.8 = 75.8 -> LL cap 20.4 x 0.85 x 1/2 x 0.6.
TEST(NcclTuning, SixteenDgxH100) {
  const auto t = topology("dgx-h100", 16);
  const auto large = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(large.algorithm, NcclAlgorithm::NvlsTree);
  EXPECT_NEAR(large.time_s, 137e-6 + GiB / 160e9, 1e-9);
  const auto small = sim::nccl_choice(t, CollectiveOp::AllReduce, 64 * KiB);
  EXPECT_EQ(small.algorithm, NcclAlgorithm::Tree);
  EXPECT_EQ(small.protocol, NcclProtocol::LL);
  EXPECT_NEAR(small.time_s, 55.2e-6 + 65536 / (20.4e9 * 0.85 * 0.5 * 0.6), 1e-11);
}

// All-gather and reduce-scatter: rings (and NVLS on one H100 node), n-1 steps, ratio n/(n-1);
// no tree. Broadcast and reduce: rings only, ratio 1.
TEST(NcclTuning, OtherCollectivesUseTheAlgorithmsNcclHas) {
  const auto a100 = topology("dgx-a100", 2);
  for (auto op : {CollectiveOp::AllGather, CollectiveOp::ReduceScatter, CollectiveOp::Broadcast, CollectiveOp::Reduce})
    for (const auto& c : sim::nccl_costs(a100, op, GiB)) EXPECT_EQ(c.algorithm, NcclAlgorithm::Ring);
  const auto gather = sim::nccl_choice(a100, CollectiveOp::AllGather, GiB);
  EXPECT_EQ(gather.protocol, NcclProtocol::Simple);
  // 2 nodes: bw_intra 24 x 8 channels, ratio 16/15; latency 8.4 + 14 x 6 + 1 x 14 = 106.4 us.
  EXPECT_NEAR(gather.time_s, 106.4e-6 + GiB / (192e9 * 16 / 15), 1e-9);
  // One H100 node: NVLS is a candidate, but 8 x 40 x 5/6 = 267 GB/s loses to the ring's
  // 12 x 30 x 8/7 = 411.
  const auto h100 = topology("dgx-h100", 1);
  const auto scatter = sim::nccl_costs(h100, CollectiveOp::ReduceScatter, GiB);
  EXPECT_TRUE(std::any_of(scatter.begin(), scatter.end(),
                          [](const sim::NcclCost& c) { return c.algorithm == NcclAlgorithm::Nvls; }));
  EXPECT_EQ(sim::nccl_choice(h100, CollectiveOp::ReduceScatter, GiB).algorithm, NcclAlgorithm::Ring);
  const auto broadcast = sim::nccl_choice(a100, CollectiveOp::Broadcast, GiB);
  EXPECT_NEAR(broadcast.bandwidth_bytes_per_s, 192e9, 1e3);
}

// `auto` with NCCL is NCCL's choice; named algorithms stay α-β; MPI's auto is α-β; the
// network's oversubscription slows NCCL's bandwidth term by what it takes from a ring.
TEST(NcclCollectives, AutoIsNcclsChoiceAndNamesStayAlphaBeta) {
  const auto s = on("dgx-a100", 4);
  const auto path = sim::NetworkPath::from(s);
  ASSERT_TRUE(path.nccl);
  const auto choice = sim::choose_collective(models::Collective::Auto, CollectiveOp::AllReduce, GiB, path);
  ASSERT_TRUE(choice.nccl);
  EXPECT_EQ(choice.label(), "nccl ring/Simple");
  const auto chosen = sim::nccl_choice(*path.nccl, CollectiveOp::AllReduce, GiB);
  EXPECT_DOUBLE_EQ(choice.time_s, sim::nccl_achieved(*path.nccl, chosen, CollectiveOp::AllReduce, GiB).time_s);
  const auto ring = sim::choose_collective(models::Collective::Ring, CollectiveOp::AllReduce, GiB, path);
  EXPECT_FALSE(ring.nccl);
  EXPECT_EQ(ring.label(), "ring");

  const auto mpi = on("dgx-a100", 4, "", "data_parallel: {library: mpi}\n");
  EXPECT_FALSE(sim::NetworkPath::from(mpi).nccl);
  EXPECT_FALSE(
      sim::choose_collective(models::Collective::Auto, CollectiveOp::AllReduce, GiB, sim::NetworkPath::from(mpi)).nccl);

  // 4 nodes under leaves of 1 node with 2:1 oversubscription: a node-ordered ring's flows get
  // half their NIC across leaves, so NCCL's bandwidth term doubles; its latency does not change.
  const auto over = on("dgx-a100", 4, ", network: {topology: fat-tree, oversubscription: 2, nodes_per_leaf: 1}");
  const auto over_path = sim::NetworkPath::from(over);
  EXPECT_DOUBLE_EQ(over_path.ring_node_factor, 0.5);
  const auto slowed = sim::choose_collective(models::Collective::Auto, CollectiveOp::AllReduce, GiB, over_path);
  ASSERT_TRUE(slowed.nccl);
  EXPECT_NEAR(slowed.time_s - slowed.nccl->latency_s, 2 * (choice.time_s - choice.nccl->latency_s), 1e-9);
}

// What NCCL achieves against its model: on two p4d (EFA, 15 us against InfiniBand's 3 us) a
// 64 KiB all-reduce goes to Tree/LL, whose 2 x log2(2) = 2 network hops each cost 12 us more;
// then latency = factor x L + pipeline x sqrt(L x T). The catalogue's factors are what
// NcclAchievedFit finds (test_validation); here they are set by hand.
TEST(NcclTuning, AchievedAddsTheNetworksLatencyAndThePipelineFill) {
  auto t = topology("p4d-24xlarge", 2);
  EXPECT_DOUBLE_EQ(t.extra_network_hop_us, 12.0);
  const auto choice = sim::nccl_choice(t, CollectiveOp::AllReduce, 64 * KiB);
  ASSERT_EQ(choice.algorithm, NcclAlgorithm::Tree);
  auto neutral = t;
  neutral.latency_factor = 1;
  neutral.pipeline_factor = 0;
  neutral.extra_network_hop_us = 0;
  const auto bare = sim::nccl_achieved(neutral, choice, CollectiveOp::AllReduce, 64 * KiB);
  t.latency_factor = 2;
  t.pipeline_factor = 0.5;
  const auto achieved = sim::nccl_achieved(t, choice, CollectiveOp::AllReduce, 64 * KiB);
  const double latency = bare.latency_s + 2 * 12e-6;
  const double transfer = 64 * KiB / bare.bandwidth_bytes_per_s;
  EXPECT_DOUBLE_EQ(achieved.bandwidth_bytes_per_s, bare.bandwidth_bytes_per_s);
  EXPECT_NEAR(achieved.latency_s, 2 * latency + 0.5 * std::sqrt(latency * transfer), 1e-15);
  EXPECT_NEAR(achieved.time_s, achieved.latency_s + transfer, 1e-15);
  // One node crosses no network: no extra latency at all.
  EXPECT_DOUBLE_EQ(topology("p4d-24xlarge", 1).extra_network_hop_us, 0.0);
}

// A NIC link measured below what NCCL's model expects of it (first-generation EFA: 7.67 GB/s
// per interface, NVIDIA/nccl#527) caps what crosses a node's NICs in the achieved costs:
// two p4d, 1 GiB ring/Simple, whose NICs carry its bus bandwidth: min(4 channels x 12 GB/s,
// 4 x 7.67) = 30.68 GB/s, algorithm bandwidth x 16 / 30. NCCL's own choice does not see the cap; one node, NVLS and
// p5's second-generation EFA have none.
TEST(NcclTuning, AMeasuredNicBandwidthCapsWhatCrossesTheNetwork) {
  auto t = topology("p4d-24xlarge", 2);
  EXPECT_DOUBLE_EQ(t.network_achieved_gbps, 4 * 7.67);
  t.only_algorithm = NcclAlgorithm::Ring;
  t.only_protocol = NcclProtocol::Simple;
  const auto choice = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  ASSERT_EQ(choice.channels, 4);
  EXPECT_NEAR(choice.bandwidth_bytes_per_s, 4 * 12.0e9 * 16 / 30, 1e3);  // the model's
  const auto achieved = sim::nccl_achieved(t, choice, CollectiveOp::AllReduce, GiB);
  EXPECT_NEAR(achieved.bandwidth_bytes_per_s, 4 * 7.67e9 * 16 / 30, 1e3);
  auto uncapped = t;
  uncapped.network_achieved_gbps = 0;
  EXPECT_EQ(sim::nccl_choice(uncapped, CollectiveOp::AllReduce, GiB).time_s, choice.time_s);
  EXPECT_NEAR(sim::nccl_achieved(uncapped, choice, CollectiveOp::AllReduce, GiB).bandwidth_bytes_per_s,
              choice.bandwidth_bytes_per_s, 1e3);
  EXPECT_DOUBLE_EQ(topology("p4d-24xlarge", 1).network_achieved_gbps, 0.0);
  EXPECT_DOUBLE_EQ(topology("p5-48xlarge", 2).network_achieved_gbps, 0.0);
  // NCCL's own 2-node tree: bw_intra 24 (twice the NIC's 12), 4 x 24 x 0.92 x 0.5 = 44.16 GB/s
  // of algorithm bandwidth; the two roots exchange each byte once each way, so the NICs carry
  // the algorithm bandwidth and cap it at 30.68: busbw 30.68 x 30 / 16 = 57.5 GB/s, where
  // NVIDIA/nccl#527 measured 57.17 on two p4d.
  auto tree = topology("p4d-24xlarge", 2);
  tree.only_algorithm = NcclAlgorithm::Tree;
  tree.only_protocol = NcclProtocol::Simple;
  const auto tree_choice = sim::nccl_choice(tree, CollectiveOp::AllReduce, GiB);
  EXPECT_NEAR(tree_choice.bandwidth_bytes_per_s, 4 * 24 * 0.92 * 0.5 * 1e9, 1e3);
  EXPECT_NEAR(sim::nccl_achieved(tree, tree_choice, CollectiveOp::AllReduce, GiB).bandwidth_bytes_per_s, 4 * 7.67e9,
              1e3);
}

// CollNet (network.sharp) as NCCL 2.21 costs it, on 4 DGX A100 (8 HDR NICs, PCIe Gen4 24 GB/s):
// its graph has the ring's 8 channels at 24 GB/s, pass 2 raising the intra speed to 30 (the
// fastest listed below 2 x 24 whose 8 channels the 240 GB/s of NVLink carry). CollNet direct,
// all-reduce: bus 8 x 30 = 240, one GPU per NIC (factor 1), algorithm bandwidth 240 x 0.5 =
// 120 GB/s; latency 2 x (3.7 + 7 x 0.4) + 31 = 44 us. Chain: the same bandwidth, latency
// 2 x 7 x 2.8 + 30 = 69.2 us, so NCCL takes direct (also on ties, the earlier algorithm).
// All-gather direct: 8 x 30 x 0.85 = 204 GB/s, not converted. Without the key, none of it.
TEST(NcclTuning, SharpGivesNcclsCollNet) {
  const auto sharp = on("dgx-a100", 4, ", network: {sharp: true}");
  const auto t = *sim::nccl_topology(sharp.cluster);
  ASSERT_TRUE(t.collnet);
  expect_graph(*t.collnet, 8, 30, 24);
  EXPECT_EQ(t.collnet_heads, 8);
  const auto choice = sim::nccl_choice(t, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(choice.algorithm, NcclAlgorithm::CollNetDirect);
  EXPECT_EQ(choice.protocol, NcclProtocol::Simple);
  EXPECT_NEAR(choice.bandwidth_bytes_per_s, 120e9, 1e3);
  EXPECT_NEAR(choice.latency_s, 44e-6, 1e-12);
  bool chain = false;
  for (const auto& c : sim::nccl_costs(t, CollectiveOp::AllReduce, GiB))
    if (c.algorithm == NcclAlgorithm::CollNetChain) {
      chain = true;
      EXPECT_NEAR(c.bandwidth_bytes_per_s, 120e9, 1e3);
      EXPECT_NEAR(c.latency_s, 69.2e-6, 1e-12);
    }
  EXPECT_TRUE(chain);
  const auto gather = sim::nccl_choice(t, CollectiveOp::AllGather, GiB);
  EXPECT_EQ(gather.algorithm, NcclAlgorithm::CollNetDirect);
  EXPECT_NEAR(gather.bandwidth_bytes_per_s, 8 * 30 * 0.85e9, 1e3);
  // No SHARP: no CollNet graph, and NCCL_ALGO=CollNetDirect is ignored (ring and tree remain).
  const auto plain = topology("dgx-a100", 4);
  EXPECT_FALSE(plain.collnet);
  auto forced = plain;
  forced.only_algorithm = NcclAlgorithm::CollNetDirect;
  const auto fallback = sim::nccl_choice(forced, CollectiveOp::AllReduce, GiB);
  EXPECT_TRUE(fallback.algorithm == NcclAlgorithm::Ring || fallback.algorithm == NcclAlgorithm::Tree);
  // One node has no CollNet (COLLNET_NODE_THRESHOLD 2).
  EXPECT_FALSE(sim::nccl_topology(on("dgx-a100", 1, ", network: {sharp: true}").cluster)->collnet);
}

// On DGX H100 with SHARP, NVLS reaches across nodes (NVLS + SHARP) for all-reduce.
TEST(NcclTuning, SharpOpensNvlsAcrossNodes) {
  const auto t = *sim::nccl_topology(on("dgx-h100", 4, ", network: {sharp: true}").cluster);
  bool nvls = false;
  for (const auto& c : sim::nccl_costs(t, CollectiveOp::AllReduce, GiB))
    nvls = nvls || c.algorithm == NcclAlgorithm::Nvls;
  EXPECT_TRUE(nvls);
  for (const auto& c : sim::nccl_costs(topology("dgx-h100", 4), CollectiveOp::AllReduce, GiB))
    EXPECT_NE(c.algorithm, NcclAlgorithm::Nvls);
  for (const auto& c : sim::nccl_costs(t, CollectiveOp::AllGather, GiB)) EXPECT_NE(c.algorithm, NcclAlgorithm::Nvls);
}

// NCCL_ALGO / NCCL_PROTO as scenario keys: NCCL chooses among what they leave; where they leave
// nothing for a collective, predicting fails as NCCL does; they need NCCL and `collective: auto`.
TEST(NcclTuning, AlgorithmAndProtocolKeysRestrictNcclsChoice) {
  const auto ring = on("dgx-h100", 1, "", "data_parallel: {nccl_algorithm: ring}\n");
  const auto path = sim::NetworkPath::from(ring);
  ASSERT_TRUE(path.nccl);
  // Without the key NCCL takes NVLS for 1 GiB (OneDgxH100TakesNvlsForLargeMessages); with it the ring.
  const auto forced = sim::nccl_choice(*path.nccl, CollectiveOp::AllReduce, GiB);
  EXPECT_EQ(forced.algorithm, NcclAlgorithm::Ring);
  EXPECT_EQ(forced.protocol, NcclProtocol::Simple);
  for (const auto& c : sim::nccl_costs(*path.nccl, CollectiveOp::AllReduce, 4 * KiB))
    EXPECT_EQ(c.algorithm, NcclAlgorithm::Ring);
  const auto ll = on("dgx-h100", 1, "", "data_parallel: {nccl_protocol: LL}\n");
  EXPECT_EQ(sim::nccl_choice(*sim::NetworkPath::from(ll).nccl, CollectiveOp::AllReduce, GiB).protocol,
            NcclProtocol::LL);
  const auto tree = on("dgx-a100", 2, "", "data_parallel: {nccl_algorithm: tree}\n");
  try {
    (void)sim::nccl_choice(*sim::NetworkPath::from(tree).nccl, CollectiveOp::AllGather, GiB);
    FAIL() << "a tree all-gather was costed";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "data_parallel.nccl_algorithm: NCCL has no tree for all-gather on this cluster (NCCL fails the same "
              "way: \"no algorithm/protocol available\")");
  }
  auto error_of = [](const std::string& data_parallel) {
    try {
      (void)on("dgx-a100", 1, "", "data_parallel: " + data_parallel + "\n");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(
      error_of("{library: mpi, nccl_algorithm: ring}"),
      "test.yaml:3:47: data_parallel.nccl_algorithm: restricts NCCL's choice, and this scenario's library is mpi");
  EXPECT_EQ(error_of("{collective: ring, nccl_protocol: LL}"),
            "test.yaml:3:50: data_parallel.nccl_protocol: restricts NCCL's choice, which only `collective: auto` makes "
            "(collective is ring)");
  EXPECT_NE(error_of("{nccl_algorithm: NVLSTree}")
                .find("expected one of tree, ring, collnet-direct, collnet-chain, nvls, nvls-tree, pat"),
            std::string::npos);
}
