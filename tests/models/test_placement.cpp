// Where a job's nodes sit in the switch tree (cluster.placement), what each uplink gives it
// (network.background), and bad input with its exact message. By hand on DGX H100 nodes:
// 8 NICs, so a 64-port leaf holds 4 nodes and a two-level tree has 64 leaves.
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/placement.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/scenario_yaml.hpp"

namespace dpcast::models {
namespace {

Scenario one(const std::string& cluster) {
  auto all = parse_scenarios("model: gpt2-small\ncluster: {node: dgx-h100, " + cluster + "}\n", "s.yaml");
  EXPECT_EQ(all.size(), 1u);
  return all.at(0);
}

std::string error_of(const std::string& cluster) {
  try {
    (void)one(cluster);
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << cluster;
  return "";
}

double node_bandwidth(const ClusterSpec& c) {
  return c.nics * c.nic_link->bandwidth_bytes_per_s;
}

std::vector<int> leaf_nodes(const JobPlacement& p) {
  std::vector<int> nodes;
  for (const auto& leaf : p.leaves) nodes.push_back(leaf.nodes);
  return nodes;
}

std::vector<int> leaf_indices(const JobPlacement& p) {
  std::vector<int> indices;
  for (const auto& leaf : p.leaves) indices.push_back(leaf.fabric_index);
  return indices;
}

}  // namespace

TEST(Placement, ContiguousFillsLeavesInOrderWithTheirNodesShareOfTheUplink) {
  const Scenario s = one("nodes: 10, network: {oversubscription: 2}");
  EXPECT_EQ(s.cluster.fabric_leaves(), 64);
  const JobPlacement p = place_job(s.cluster);
  EXPECT_EQ(leaf_nodes(p), (std::vector<int>{4, 4, 2}));
  EXPECT_EQ(leaf_indices(p), (std::vector<int>{0, 1, 2}));
  const double share = node_bandwidth(s.cluster) / 2;
  EXPECT_DOUBLE_EQ(p.leaves[0].uplink_bytes_per_s, 4 * share);
  EXPECT_DOUBLE_EQ(p.leaves[2].uplink_bytes_per_s, 2 * share);
  EXPECT_DOUBLE_EQ(p.narrowest_uplink(), 2 * share);
  EXPECT_DOUBLE_EQ(p.narrowest_uplink_per_node(), share);
  EXPECT_TRUE(s.cluster.spans_leaves());
  EXPECT_FALSE(one("nodes: 4").cluster.spans_leaves());  // one full leaf
}

TEST(Placement, SpreadDealsOnePerLeafAcrossTheFabric) {
  // 10 nodes over 64 leaves: leaves k x 64 / 10, one node each.
  const Scenario s = one("nodes: 10, placement: spread, network: {oversubscription: 2}");
  const JobPlacement p = place_job(s.cluster);
  EXPECT_EQ(leaf_indices(p), (std::vector<int>{0, 6, 12, 19, 25, 32, 38, 44, 51, 57}));
  EXPECT_EQ(leaf_nodes(p), std::vector<int>(10, 1));
  EXPECT_DOUBLE_EQ(p.narrowest_uplink(), node_bandwidth(s.cluster) / 2);
  EXPECT_TRUE(one("nodes: 2, placement: spread").cluster.spans_leaves());
  // More nodes than leaves: round-robin. 100 nodes on 30 leaves: 10 leaves of 4, 20 of 3.
  const JobPlacement many = place_job(one("nodes: 100, placement: spread, network: {leaves: 30}").cluster);
  std::vector<int> expected(30, 3);
  std::fill(expected.begin(), expected.begin() + 10, 4);
  EXPECT_EQ(leaf_nodes(many), expected);
}

TEST(Placement, RandomDrawsDistinctSlotsFromItsSeed) {
  const auto placed = [](const std::string& seed) {
    return place_job(one("nodes: 16, placement: random" + seed + ", network: {leaves: 8}").cluster);
  };
  const JobPlacement p = placed(", placement_seed: 7");
  int total = 0;
  for (const auto& leaf : p.leaves) {
    EXPECT_GE(leaf.nodes, 1);
    EXPECT_LE(leaf.nodes, 4);  // a leaf's slots
    EXPECT_LT(leaf.fabric_index, 8);
    total += leaf.nodes;
  }
  EXPECT_EQ(total, 16);
  EXPECT_EQ(leaf_nodes(placed(", placement_seed: 7")), leaf_nodes(p));           // the seed decides
  EXPECT_EQ(leaf_nodes(placed("")), leaf_nodes(placed(", placement_seed: 1")));  // default seed 1
  // 16 of 32 slots: some seed of the first ten leaves the job on more than the 4 packed leaves.
  bool scattered = false;
  for (int seed = 0; seed < 10; ++seed)
    scattered |= placed(", placement_seed: " + std::to_string(seed)).leaves.size() > 4;
  EXPECT_TRUE(scattered);
}

TEST(Placement, BackgroundTakesItsFractionOfTheWholeUplink) {
  // With background, a leaf's uplink is the whole leaf's (4 nodes' NICs / oversubscription)
  // less what other traffic takes, however few of the job's nodes sit under it.
  const Scenario s = one("nodes: 6, network: {oversubscription: 2, background: 0.25}");
  const JobPlacement p = place_job(s.cluster);
  const double whole = 4 * node_bandwidth(s.cluster) / 2;
  ASSERT_EQ(p.leaves.size(), 2u);
  EXPECT_DOUBLE_EQ(p.leaves[0].uplink_bytes_per_s, 0.75 * whole);
  EXPECT_DOUBLE_EQ(p.leaves[1].uplink_bytes_per_s, 0.75 * whole);  // 2 nodes here, the same uplink
  EXPECT_DOUBLE_EQ(p.narrowest_uplink_per_node(), 0.75 * whole / 4);
  // `fair`, the default written out: each uplink shared by the nodes under it.
  const Scenario fair = one("nodes: 6, network: {oversubscription: 2, background: fair}");
  EXPECT_FALSE(fair.cluster.network.background);
  EXPECT_DOUBLE_EQ(place_job(fair.cluster).leaves[1].uplink_bytes_per_s, 2 * node_bandwidth(s.cluster) / 2);
}

TEST(Placement, ThreeLevelsPlacePodsToo) {
  // 16-port switches: 1 DGX per leaf, 8 leaves a pod, 16 pods: 128 leaves. Spread puts 16
  // nodes on every 8th leaf: one per pod, each pod uplink the node's share / (2 x 4).
  const Scenario s =
      one("nodes: 16, placement: spread, network: {switch_ports: 16, levels: 3, oversubscription: 2, "
          "pod_oversubscription: 4}");
  EXPECT_EQ(s.cluster.fabric_leaves(), 128);
  const JobPlacement p = place_job(s.cluster);
  ASSERT_EQ(p.pods.size(), 16u);
  EXPECT_TRUE(s.cluster.spans_pods());
  EXPECT_EQ(p.pods[3].fabric_index, 3);
  EXPECT_DOUBLE_EQ(p.pods[3].uplink_bytes_per_s, node_bandwidth(s.cluster) / 8);
  EXPECT_DOUBLE_EQ(p.narrowest_uplink(), node_bandwidth(s.cluster) / 8);
  // Packed, the same 16 nodes fill two pods of 8 leaves.
  const Scenario packed = one("nodes: 16, network: {switch_ports: 16, levels: 3, pod_oversubscription: 4}");
  EXPECT_EQ(place_job(packed.cluster).pods.size(), 2u);
}

TEST(Placement, WrittenBackAndNamed) {
  const Scenario s = one("nodes: 8, placement: random, placement_seed: 3, network: {leaves: 16, background: 0.3}");
  const Scenario again = parse_scenarios(scenario_yaml(s), "again.yaml").at(0);
  EXPECT_EQ(again.cluster.placement, Placement::Random);
  EXPECT_EQ(again.cluster.placement_seed, 3u);
  EXPECT_EQ(again.cluster.network.leaves, 16);
  EXPECT_EQ(again.cluster.network.background, 0.3);
  EXPECT_EQ(network_label(s), "fat-tree ib-ndr 1:1, random placement (seed 3) over 16 leaves, 30% background");
  EXPECT_EQ(network_label(one("nodes: 8, placement: spread")), "fat-tree ib-ndr 1:1, spread");
}

TEST(Placement, BadInput) {
  EXPECT_EQ(error_of("nodes: 2, placement: scattered"),
            "s.yaml:2:48: cluster.placement: expected one of contiguous, spread, random, got scattered");
  EXPECT_EQ(error_of("nodes: 2, placement: spread, network: {topology: single-switch}"),
            "s.yaml:2:48: cluster.placement: placement applies to a fat-tree or a rail-optimized network only");
  EXPECT_EQ(error_of("nodes: 2, placement_seed: 4"),
            "s.yaml:2:53: cluster.placement_seed: placement_seed applies to placement: random only");
  EXPECT_EQ(error_of("nodes: 9, network: {leaves: 2}"),
            "s.yaml:2:55: cluster.network.leaves: 2 leaves of 4 nodes hold 8 nodes, fewer than the cluster's 9");
  EXPECT_EQ(error_of("nodes: 9, network: {switch_ports: 16, leaves: 20}"),
            "s.yaml:2:73: cluster.network.leaves: a two-level tree of 16-port switches has at most 16 leaves, got 20");
  EXPECT_EQ(
      error_of("nodes: 2, network: {background: 1}"),
      "s.yaml:2:59: cluster.network.background: expected fair or a fraction of the uplinks' bandwidth, at least 0 and "
      "below 1, got 1");
  EXPECT_EQ(error_of("nodes: 2, network: {topology: single-switch, background: 0.5}"),
            "s.yaml:2:84: cluster.network.background: background applies to a fat-tree or a rail-optimized network "
            "only");
}

}  // namespace dpcast::models
