// A job's nodes on its fabric's leaves (see placement.hpp).
#include "dpcast/models/placement.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

namespace dpcast::models {
namespace {

// Contiguous: leaves filled in order.
void place_contiguous(int nodes, int per_leaf, std::vector<int>& counts) {
  for (std::size_t leaf = 0; nodes > 0; ++leaf) {
    counts[leaf] = std::min(per_leaf, nodes);
    nodes -= counts[leaf];
  }
}

// Spread: one per leaf round-robin; fewer nodes than leaves sit on leaves spaced evenly.
void place_spread(int nodes, std::vector<int>& counts) {
  const auto leaves = static_cast<std::int64_t>(counts.size());
  if (nodes <= leaves) {
    for (std::int64_t k = 0; k < nodes; ++k) ++counts[static_cast<std::size_t>(k * leaves / nodes)];
    return;
  }
  for (std::int64_t k = 0; k < nodes; ++k) ++counts[static_cast<std::size_t>(k % leaves)];
}

// Random: distinct slots of the fabric, drawn by a partial Fisher-Yates shuffle.
void place_random(int nodes, int per_leaf, std::uint64_t seed, std::vector<int>& counts) {
  std::vector<std::int64_t> slots(counts.size() * static_cast<std::size_t>(per_leaf));
  std::iota(slots.begin(), slots.end(), 0);
  std::mt19937_64 draw(seed);
  for (std::size_t k = 0; k < static_cast<std::size_t>(nodes); ++k) {
    const std::size_t pick = k + static_cast<std::size_t>(draw() % (slots.size() - k));
    std::swap(slots[k], slots[pick]);
    ++counts[static_cast<std::size_t>(slots[k] / per_leaf)];
  }
}

}  // namespace

std::vector<int> nodes_per_fabric_leaf(const ClusterSpec& c) {
  std::vector<int> counts(static_cast<std::size_t>(c.fabric_leaves()), 0);
  switch (c.placement) {
    case Placement::Contiguous:
      place_contiguous(c.nodes, c.nodes_per_leaf(), counts);
      break;
    case Placement::Spread:
      place_spread(c.nodes, counts);
      break;
    case Placement::Random:
      place_random(c.nodes, c.nodes_per_leaf(), c.placement_seed, counts);
      break;
  }
  return counts;
}

JobPlacement place_job(const ClusterSpec& c) {
  JobPlacement placement;
  if (c.network.topology == Topology::SingleSwitch) return placement;
  const auto& net = c.network;
  const double node_bandwidth = c.nics * c.nic_link->bandwidth_bytes_per_s;
  const double leaf_share = node_bandwidth / net.oversubscription;
  const double pod_share = leaf_share / net.pod_oversubscription;
  const int per_leaf = c.nodes_per_leaf();
  const int per_pod = net.levels == 3 ? c.leaves_per_pod() : 0;
  const double free = 1 - net.background.value_or(0);
  const std::vector<int> counts = nodes_per_fabric_leaf(c);
  for (std::size_t leaf = 0; leaf < counts.size(); ++leaf) {
    if (counts[leaf] == 0) continue;
    PlacedLeaf placed{static_cast<int>(leaf), counts[leaf], 0, 0};
    placed.uplink_bytes_per_s = net.background ? per_leaf * leaf_share * free : counts[leaf] * leaf_share;
    if (per_pod > 0) {
      const int pod = static_cast<int>(leaf) / per_pod;
      if (placement.pods.empty() || placement.pods.back().fabric_index != pod) placement.pods.push_back({pod, 0, 0});
      placement.pods.back().nodes += counts[leaf];
      placed.pod = static_cast<int>(placement.pods.size()) - 1;
    }
    placement.leaves.push_back(placed);
  }
  for (auto& pod : placement.pods)
    pod.uplink_bytes_per_s =
        net.background ? static_cast<double>(per_pod) * per_leaf * pod_share * free : pod.nodes * pod_share;
  if (!placement.spans_pods()) placement.pods.clear();  // one pod: no pod uplink is crossed
  return placement;
}

double JobPlacement::narrowest_uplink() const {
  double least = std::numeric_limits<double>::infinity();
  for (const auto& leaf : leaves) least = std::min(least, leaf.uplink_bytes_per_s);
  for (const auto& pod : pods) least = std::min(least, pod.uplink_bytes_per_s);
  return least;
}

double JobPlacement::narrowest_uplink_per_node() const {
  double least = std::numeric_limits<double>::infinity();
  for (const auto& leaf : leaves) least = std::min(least, leaf.uplink_bytes_per_s / leaf.nodes);
  for (const auto& pod : pods) least = std::min(least, pod.uplink_bytes_per_s / pod.nodes);
  return least;
}

}  // namespace dpcast::models
