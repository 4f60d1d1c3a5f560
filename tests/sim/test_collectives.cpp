// α-β costs of the collectives, checked against hand calculations.
#include <gtest/gtest.h>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/units.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;
using models::Collective;
using sim::collective_time;
using sim::CollectiveOp;

namespace {
// One node of `gpus` GPUs on a 100 GB/s, 1 us fabric.
sim::NetworkPath one_node(int gpus) {
  sim::NetworkPath p;
  p.gpus = gpus;
  p.nodes = 1;
  p.gpus_per_node = gpus;
  p.intra_bandwidth = 100e9;
  p.intra_latency = 1e-6;
  p.node_bandwidth = 50e9;
  p.inter_latency = 5e-6;
  p.ps_servers = 1;
  return p;
}
// `nodes` nodes of 8 GPUs: NVLink 450 GB/s 2 us, 8 NICs of 50 GB/s (400 GB/s a node), 3 us.
sim::NetworkPath cluster(int nodes) {
  sim::NetworkPath p;
  p.gpus = nodes * 8;
  p.nodes = nodes;
  p.gpus_per_node = 8;
  p.intra_bandwidth = 450e9;
  p.intra_latency = 2e-6;
  p.node_bandwidth = 400e9;
  p.inter_latency = 3e-6;
  p.ps_servers = nodes;
  return p;
}
constexpr double MiB = 1024.0 * 1024.0;
}  // namespace

TEST(Collectives, RingAllReduceOneMiBOnEightRanks) {
  // 2(p-1)α + 2(p-1)/p · n/B = 14 us + 1.75 · 1048576 / 100e9 s
  EXPECT_DOUBLE_EQ(collective_time(Collective::Ring, CollectiveOp::AllReduce, MiB, one_node(8)),
                   14e-6 + 1.75 * MiB / 100e9);
}

TEST(Collectives, ReduceScatterAndAllGatherAreHalfARing) {
  const double ar = collective_time(Collective::Ring, CollectiveOp::AllReduce, 64 * MiB, cluster(4));
  EXPECT_DOUBLE_EQ(collective_time(Collective::Ring, CollectiveOp::ReduceScatter, 64 * MiB, cluster(4)), ar / 2);
  EXPECT_DOUBLE_EQ(collective_time(Collective::Ring, CollectiveOp::AllGather, 64 * MiB, cluster(4)), ar / 2);
}

TEST(Collectives, MultiNodeRingUsesTheSlowerOfNvlinkAndTheNodeNics) {
  // 4 nodes x 8 = 32 ranks: α = max(2, 3) us; B = min(450, 400) GB/s.
  EXPECT_DOUBLE_EQ(collective_time(Collective::Ring, CollectiveOp::AllReduce, 25 * MiB, cluster(4)),
                   2 * 31 * 3e-6 + 2.0 * 31 / 32 * 25 * MiB / 400e9);
}

TEST(Collectives, TreeIsLogarithmicInLatency) {
  // 2·⌈lg 32⌉·α + 2·n/B
  EXPECT_DOUBLE_EQ(collective_time(Collective::Tree, CollectiveOp::AllReduce, MiB, cluster(4)),
                   2 * 5 * 3e-6 + 2 * MiB / 400e9);
}

TEST(Collectives, HalvingDoublingPowerOfTwoOnOneNode) {
  // 2·lg p·α + 2(p-1)/p·n/B on a single fabric.
  EXPECT_NEAR(collective_time(Collective::HalvingDoubling, CollectiveOp::AllReduce, MiB, one_node(8)),
              2 * 3 * 1e-6 + 2.0 * 7 / 8 * MiB / 100e9, 1e-15);
}

TEST(Collectives, HalvingDoublingAcrossNodesMatchesHierarchicalBandwidth) {
  // 16 ranks on 2 nodes: 3 intra steps (n/2, n/4, n/8 at 450 GB/s), 1 inter step of n/16
  // where 8 GPUs share 400 GB/s (50 GB/s each); doubled for the all-gather.
  const double n = 8 * MiB;
  const double half = 3 * 2e-6 + (n / 2 + n / 4 + n / 8) / 450e9 + 3e-6 + (n / 16) / 50e9;
  EXPECT_NEAR(collective_time(Collective::HalvingDoubling, CollectiveOp::AllReduce, n, cluster(2)), 2 * half, 1e-15);
}

TEST(Collectives, HalvingDoublingNonPowerOfTwoAddsAFold) {
  const double n = MiB;
  auto p = one_node(6);
  // lg 6 -> 2 steps (n/2, n/4), plus fold and unfold of n.
  const double expected = 2 * (2 * 1e-6 + (n / 2 + n / 4) / 100e9) + 2 * (1e-6 + n / 100e9);
  EXPECT_NEAR(collective_time(Collective::HalvingDoubling, CollectiveOp::AllReduce, n, p), expected, 1e-15);
}

TEST(Collectives, HierarchicalIsIntraRingPlusInterRingOnAShard) {
  const double n = 100 * MiB;
  const double intra = 7 * 2e-6 + 7.0 / 8 * n / 450e9;
  const double inter = 2 * 3 * 3e-6 + 2.0 * 3 / 4 * n / 400e9;
  EXPECT_NEAR(collective_time(Collective::Hierarchical, CollectiveOp::AllReduce, n, cluster(4)), 2 * intra + inter,
              1e-15);
}

TEST(Collectives, ParameterServerPushAndPull) {
  // 32 workers, 4 servers (one per node) each behind 400 GB/s: 2(α + p·n/(S·B)).
  const double n = 10 * MiB;
  EXPECT_DOUBLE_EQ(collective_time(Collective::ParameterServer, CollectiveOp::AllReduce, n, cluster(4)),
                   2 * (3e-6 + 32 * n / (4 * 400e9)));
}

TEST(Collectives, OneRankCostsNothing) {
  for (auto c : {Collective::Ring, Collective::Tree, Collective::HalvingDoubling, Collective::Hierarchical,
                 Collective::ParameterServer})
    EXPECT_EQ(collective_time(c, CollectiveOp::AllReduce, MiB, one_node(1)), 0.0);
}

TEST(Collectives, AutoPicksTheLeastTime) {
  const auto p = cluster(64);  // 512 ranks: ring latency alone is 2·511·3 us = 3.07 ms
  // 4 KiB: halving-doubling takes 3 of its 9 steps on NVLink: 2·(3·2 + 6·3) us = 48 us < tree's 2·9·3 = 54 us.
  const auto small = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 4096, p);
  EXPECT_EQ(small.algorithm, Collective::HalvingDoubling);
  EXPECT_NEAR(small.time_s, 48e-6, 0.1e-6);
  // 1 GiB at 512 ranks: ring 3.07 ms + 2·511/512·n/400e9 = 8.43 ms; tree 54 us + 2·n/400e9 = 5.42 ms.
  const auto big = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 1024 * MiB, p);
  EXPECT_EQ(big.algorithm, Collective::Tree);
  EXPECT_NEAR(big.time_s, 2 * 9 * 3e-6 + 2 * 1024 * MiB / 400e9, 1e-12);
  for (auto c : {Collective::Ring, Collective::Tree, Collective::HalvingDoubling, Collective::Hierarchical})
    EXPECT_LE(big.time_s, collective_time(c, CollectiveOp::AllReduce, 1024 * MiB, p));
  // On one node of 8, halving-doubling has the ring's bandwidth term with 6 steps of latency, not 14.
  EXPECT_EQ(sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 1024 * MiB, one_node(8)).algorithm,
            Collective::HalvingDoubling);
  // Reduce-scatter never picks tree (NCCL has none).
  EXPECT_NE(sim::choose_collective(Collective::Auto, CollectiveOp::ReduceScatter, 4096, p).algorithm, Collective::Tree);
}

TEST(Collectives, OversubscriptionSlowsTreeButNotTheNodeOrderedRing) {
  auto p = cluster(64);
  const double ring = collective_time(Collective::Ring, CollectiveOp::AllReduce, 100 * MiB, p);
  const double tree = collective_time(Collective::Tree, CollectiveOp::AllReduce, 100 * MiB, p);
  p.cross_leaf_factor = 2;
  EXPECT_DOUBLE_EQ(collective_time(Collective::Ring, CollectiveOp::AllReduce, 100 * MiB, p), ring);
  EXPECT_GT(collective_time(Collective::Tree, CollectiveOp::AllReduce, 100 * MiB, p), 1.9 * tree);
}

TEST(Collectives, ATreeOfTwoMovesHalfTheData) {
  // Two members: each rank sends n/2 up one tree and receives n/2 down the other.
  EXPECT_DOUBLE_EQ(collective_time(Collective::Tree, CollectiveOp::AllReduce, MiB, one_node(2)),
                   2 * 1 * 1e-6 + MiB / 100e9);
  // Two nodes of 8: the node-level trees have two members too.
  EXPECT_DOUBLE_EQ(collective_time(Collective::Tree, CollectiveOp::AllReduce, MiB, cluster(2)),
                   2 * 4 * 3e-6 + MiB / 400e9);
}

// Gloo's own figures (models::GlooFigures): each α-β algorithm on the links' bandwidth x the
// efficiency, with the cost per step added to the links' latency. MPI keeps the links' own.
TEST(Collectives, GlooRunsOnItsOwnBandwidthAndStepCost) {
  sim::NetworkPath p = one_node(4);
  p.library = models::CommLibrary::Gloo;
  p.gloo = models::GlooFigures{0.5, 10e-6, {}};
  // Ring: 2·3 steps of (1 + 10) us, 2·3/4 · n / (0.5 · 100e9).
  const double ring = 6 * 11e-6 + 1.5 * 64 * MiB / 50e9;
  const auto chosen = sim::choose_collective(Collective::Auto, CollectiveOp::AllReduce, 64 * MiB, p);
  EXPECT_EQ(chosen.algorithm, Collective::Ring);
  EXPECT_DOUBLE_EQ(chosen.time_s, ring);
  // The DES plays the links' flows and sleeps the rest: the ratio is Gloo's time over theirs.
  EXPECT_DOUBLE_EQ(chosen.measured_ratio, ring / (6 * 1e-6 + 1.5 * 64 * MiB / 100e9));
  // A named algorithm runs on Gloo's figures too: tree, 2·2 steps of 11 us; an inner vertex
  // takes n/2 from each of two children, each way: 2 · n / (0.5 · 100e9).
  EXPECT_DOUBLE_EQ(sim::choose_collective(Collective::Tree, CollectiveOp::AllReduce, MiB, p).time_s,
                   4 * 11e-6 + 2 * MiB / 50e9);
  // All-gather: half the ring.
  EXPECT_DOUBLE_EQ(sim::choose_collective(Collective::Auto, CollectiveOp::AllGather, 64 * MiB, p).time_s, ring / 2);
  // MPI, and a path without Gloo's figures, cost the links' α-β.
  sim::NetworkPath mpi = one_node(4);
  mpi.library = models::CommLibrary::Mpi;
  EXPECT_DOUBLE_EQ(sim::choose_collective(Collective::Ring, CollectiveOp::AllReduce, 64 * MiB, mpi).time_s,
                   6 * 1e-6 + 1.5 * 64 * MiB / 100e9);
  EXPECT_EQ(sim::choose_collective(Collective::Ring, CollectiveOp::AllReduce, 64 * MiB, mpi).measured_ratio, 1.0);
  // The comparison behind the choice shows Gloo's times.
  EXPECT_NE(sim::compare_collectives(CollectiveOp::AllReduce, 64 * MiB, p).find(sim::human_time(ring)),
            std::string::npos);
}

// A scenario with library gloo takes the catalogue's figures; a calibrated profile's measured
// curve replaces them (it was measured on the stack that runs); MPI never takes them.
TEST(Collectives, GlooFiguresComeFromTheCatalogueUnlessAProfileMeasuredTheLink) {
  models::Catalogue c = test_support::test_catalogue();
  c.set_gloo(models::GlooFigures{0.6, 20e-6, {}});
  const std::string cluster = "model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n";
  const auto gloo = models::parse_scenarios(cluster + "data_parallel: {library: gloo}\n", "t.yaml", c).front();
  const auto path = sim::NetworkPath::from(gloo);
  ASSERT_TRUE(path.gloo.has_value());
  EXPECT_EQ(path.gloo->bandwidth_efficiency, 0.6);
  const auto mpi = models::parse_scenarios(cluster + "data_parallel: {library: mpi}\n", "t.yaml", c).front();
  EXPECT_FALSE(sim::NetworkPath::from(mpi).gloo.has_value());
  models::Catalogue measured;
  for (const auto& [_, g] : c.gpus()) measured.add(g);
  for (auto [name, l] : c.links()) {
    l.alpha_beta_time_ratio.points = {{1024, 2.0}, {MiB, 3.0}};
    measured.add(l);
  }
  for (const auto& [_, n] : c.nodes()) measured.add(n);
  measured.set_gloo(c.gloo());
  const auto profiled = models::parse_scenarios(cluster + "data_parallel: {library: gloo}\n", "t.yaml", measured);
  const auto profiled_path = sim::NetworkPath::from(profiled.front());
  EXPECT_FALSE(profiled_path.gloo.has_value());
  EXPECT_DOUBLE_EQ(sim::choose_collective(Collective::Ring, CollectiveOp::AllReduce, MiB, profiled_path).measured_ratio,
                   3.0);
}

// A link built in code without bandwidth is dpcast's own failure (the catalogue reader rejects
// it): every α-β time divides by it.
TEST(Collectives, ALinkWithoutBandwidthIsAnInternalError) {
  models::Catalogue c = test_support::test_catalogue();
  models::Catalogue broken;
  for (const auto& [_, g] : c.gpus()) broken.add(g);
  for (auto [name, l] : c.links()) {
    if (name == "nic") l.bandwidth_bytes_per_s = 0;
    broken.add(l);
  }
  for (const auto& [_, n] : c.nodes()) broken.add(n);
  const auto s = models::parse_scenarios("model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n", "t.yaml", broken);
  EXPECT_THROW((void)sim::NetworkPath::from(s.front()), InternalError);
}
