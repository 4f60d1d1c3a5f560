#pragma once
// A collective as the point-to-point flows it puts on the network, step by step, the way
// NCCL and MPI run it. The DES plays each step on SimGrid; a step that repeats unchanged
// (every step of a ring) is played once and its time multiplied, since nothing else uses
// the network while a collective runs (DDP serialises collectives on one communicator).
//
//  ring            c channels (one per NIC across nodes, else 1), each a ring over every rank
//                  rotated within nodes so that channel j leaves each node through NIC j;
//                  one step: every rank sends n/(c·p) to its successor on every channel;
//                  all-reduce repeats it 2(p-1) times, reduce-scatter / all-gather p-1.
//  tree            NCCL's double binary tree, pipelined: every tree edge streams n/2 at once
//                  (reduce up, then broadcast down); across nodes the trees join nodes and
//                  each node edge is g parallel rail-aligned flows. Pipeline fill adds
//                  2(⌈lg p⌉-1) latencies.
//  halving-doubling partners at distance 1, 2, 4, ... (the intra-node ones first), n/2, n/4, ...
//                  then the mirror for the all-gather; a fold before and after when p is
//                  not a power of two.
//  hierarchical    ring reduce-scatter inside nodes, g parallel rings across nodes on n/g,
//                  ring all-gather inside nodes.
//  parameter-server every worker pushes n/S to each server, then pulls it back.
//  broadcast, reduce a chain along the ring, pipelined: every link carries n once (any
//                  algorithm); pipeline fill adds p-2 latencies.
//
// NCCL's choice (`auto` with library nccl) is played as pipelined(ring all-reduce) of the
// choice's ring-equivalent bytes (collectives.hpp): NCCL's channels stream through every
// NVLink and NIC at once, so the whole collective is one step whose flows carry what the
// ring's 2(p-1) steps carry; its latency is NCCL's (des::CollectivePlayer).
#include <optional>
#include <vector>

#include "dpcast/models/placement.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/collectives.hpp"

namespace dpcast::sim::des {

/// A rank, or a parameter server (server s is rank -1 - s).
struct Flow {
  int src = 0;
  int dst = 0;
  double bytes = 0;
};

struct FlowStep {
  std::vector<Flow> flows;
  int repeat = 1;  // played once, its time counted `repeat` times
  // Every node (and every leaf) sends and receives the same flows, all of one size, across
  // node-ordered rings: a slice of the cluster with the same leaves (see slice_layout) puts
  // exactly the same flows on every link, so the step can be played there instead.
  bool symmetric = false;
};

struct Schedule {
  std::vector<FlowStep> steps;
  int extra_latencies = 0;  // pipeline fill (tree), in units of the slowest route latency
};

/// The cluster's shape: nodes of GPUs and NICs, and the switch tree above them. Nodes fill
/// the leaves in order (as the placement put them: models/placement.hpp), leaves sit in pods.
struct Layout {
  int nodes = 1;
  int gpus_per_node = 1;
  int nics = 1;
  int ps_servers = 1;
  std::vector<models::PlacedLeaf> leaves;  // empty: one non-blocking switch, no leaves
  std::vector<models::PlacedPod> pods;     // empty: two levels (leaves under one spine), no pods
  [[nodiscard]] int gpus() const { return nodes * gpus_per_node; }
  [[nodiscard]] static Layout from(const models::Scenario& s);
};

/// The smallest cluster whose symmetric steps take as long as the whole one's: two nodes, or
/// with several leaves two of them: the one with the narrowest uplink and the fullest other
/// one, each with its uplink; when the cluster spans pods, each leaf in a pod of its own, the
/// narrowest leaf's pod as narrow as the cluster's narrowest. Every leaf (and pod) uplink
/// carries the same flows of a node-ordered ring, so the narrowest sets the step, on the slice
/// as on the whole. Empty if not smaller.
[[nodiscard]] std::optional<Layout> slice_layout(const models::Scenario& scenario, const Layout& layout);

/// The flows of one collective of `bytes` (algorithm not Auto).
[[nodiscard]] Schedule make_schedule(models::Collective algorithm, CollectiveOp op, double bytes, const Layout& layout);

/// The schedule with every step played once carrying all its repeats' bytes (a collective
/// whose steps stream through the network together), without pipeline-fill latencies.
[[nodiscard]] Schedule pipelined(Schedule schedule);

}  // namespace dpcast::sim::des
