#pragma once
// Where a job's nodes sit in a switch tree, and what each leaf (and pod) uplink gives it.
//
// The fabric has ClusterSpec::fabric_leaves() leaves of nodes_per_leaf() nodes each (with
// three levels, consecutive leaves form pods of leaves_per_pod()). cluster.placement puts the
// job's nodes there:
//   contiguous  leaves filled in order (the last maybe partial): a scheduler that packs;
//   spread      dealt one per leaf, round-robin, over leaves spaced evenly across the fabric;
//   random      at distinct slots drawn uniformly (std::mt19937_64 from placement_seed).
// The job's ranks follow its nodes in fabric order (a scheduler's sorted node list), so a
// node-ordered ring crosses each of its leaves' (and pods') uplinks once per channel.
//
// An uplink's bandwidth for the job: without network.background, each uplink is shared in
// proportion to the nodes under it, so the job gets its nodes' part,
//   leaf: nodes here x node bandwidth / oversubscription,
//   pod:  nodes here x node bandwidth / (oversubscription x pod oversubscription);
// with background b, other traffic takes b of the whole uplink and the job gets the rest,
//   leaf: nodes_per_leaf x node bandwidth / oversubscription x (1 - b), and the pod's alike.
// (A single-switch network, or a job under one leaf, crosses no uplink.)
#include <cstdint>
#include <vector>

#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

/// One leaf the job uses.
struct PlacedLeaf {
  int fabric_index = 0;  // which leaf of the fabric
  int nodes = 0;         // the job's nodes under it
  int pod = 0;           // index into JobPlacement::pods
  double uplink_bytes_per_s = 0;
};

/// One pod the job uses (three levels).
struct PlacedPod {
  int fabric_index = 0;
  int nodes = 0;
  double uplink_bytes_per_s = 0;
};

struct JobPlacement {
  std::vector<PlacedLeaf> leaves;  // in fabric order; the job's nodes fill them in rank order
  std::vector<PlacedPod> pods;     // empty with two levels
  [[nodiscard]] bool spans_leaves() const { return leaves.size() > 1; }
  [[nodiscard]] bool spans_pods() const { return pods.size() > 1; }
  /// The least uplink bandwidth a flow crossing every uplink of the job meets (leaves and
  /// pods), and the least per node of the job under it.
  [[nodiscard]] double narrowest_uplink() const;
  [[nodiscard]] double narrowest_uplink_per_node() const;
};

/// The job's placement on its cluster's fabric (cluster resolved). Empty leaves on a
/// single switch.
[[nodiscard]] JobPlacement place_job(const ClusterSpec& cluster);

/// The job's nodes on each leaf of the fabric (fabric_leaves() counts), as placed: the step
/// before place_job groups them.
[[nodiscard]] std::vector<int> nodes_per_fabric_leaf(const ClusterSpec& cluster);

}  // namespace dpcast::models
