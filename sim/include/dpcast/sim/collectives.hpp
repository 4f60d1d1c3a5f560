#pragma once
// α-β cost of the data-parallel collectives on the cluster's network (analytical engine).
//
// The network as the analytical model sees it: every GPU reaches the intra-node fabric
// through its own link (bandwidth B_i, latency α_i); a node reaches the others through
// its NICs (together B_n = nics x NIC bandwidth, latency α_n). Transfers that cross leaf
// switches of an oversubscribed fat-tree get B_n / oversubscription. For p ranks on
// m nodes of g GPUs, all-reducing n bytes (Thakur, Rabenseifner & Gropp 2005; NCCL):
//
//  ring            2(p-1)·α + 2(p-1)/p·n / B,    B = B_i on one node, else min(B_i, B_n·f):
//                  NCCL runs one ring per NIC, each crossing every node boundary once,
//                  ordered by node, so a leaf uplink carries one flow per ring: f =
//                  ring_node_factor, 1 unless a leaf (or pod) has fewer nodes than its
//                  oversubscription.
//  tree            2·⌈lg p⌉·α + 2·n / B'   (NCCL's pipelined double binary tree: every rank
//                  sends and receives n per phase); B' = B with the oversubscription applied.
//                  A tree of two members (ranks, or nodes across nodes) moves n/2 per phase:
//                  there the bandwidth term is n / B' (found by the DES, see tests/des).
//  halving-doubling recursive halving reduce-scatter then doubling all-gather, near partners
//                  first: lg g steps on the intra fabric (n/2, n/4, ...), lg m steps across
//                  nodes where the g GPUs of a node share B_n; a non-power-of-two p adds a
//                  fold before and after (2·(α + n/B)).
//  hierarchical    intra reduce-scatter (ring of g) + inter all-reduce of n/g per GPU (ring
//                  of m, the g GPUs of a node in parallel through B_n·f, node-ordered as the
//                  ring) + intra all-gather.
//  parameter-server S servers (default one per node, sharing its NICs) each hold n/S: every
//                  worker pushes its gradients and pulls the parameters: 2·(α + p·n/(S·B_server)).
//
// Reduce-scatter and all-gather (ZeRO) cost half a ring / halving-doubling / hierarchical
// all-reduce; NCCL has no tree reduce-scatter, so a tree choice falls back to ring for them.
// Broadcast and reduce are pipelined chains: (p-1)·α + n / B on the ring's bandwidth.
//
// `auto` is the library's choice (data_parallel.library): NCCL's own cost model and choice
// of algorithm, protocol and channels (nccl_tuning.hpp) on NCCL's view of the topology
// (nccl_topology.hpp); its bandwidth term grows by what the network's oversubscription takes
// from a node-ordered ring (B without / B with ring_node_factor), which NCCL does not see.
// MPI: the least α-β time of ring, tree, halving-doubling and hierarchical; Gloo: ring.
// Named algorithms are always the α-β ones (what-ifs, and stacks other than NCCL).
// Each α-β library runs on its own figures: MPI on the links' (their latencies and
// bandwidths are MPI point-to-point measurements); Gloo on a measured fraction of the link
// bandwidth and a measured software cost per step (models::GlooFigures). A calibrated
// profile's measured curve replaces both.
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/nccl_tuning.hpp"

namespace dpcast::sim {

using models::CollectiveOp;

/// The links a collective crosses, reduced to what the α-β formulas need.
struct NetworkPath {
  int gpus = 1;
  int nodes = 1;
  int gpus_per_node = 1;
  double intra_bandwidth = 0;  // bytes/s per GPU into the intra-node fabric
  double intra_latency = 0;
  double node_bandwidth = 0;  // bytes/s out of one node: NICs x NIC bandwidth
  // The same through one NIC per GPU, min(NICs, GPUs) x NIC bandwidth: what the DES platform
  // gives a node (it attaches each GPU to one NIC), against which the DES scales NCCL's flows.
  double rail_bandwidth = 0;
  double inter_latency = 0;
  // Bandwidth divisor for a node's traffic across leaves (and pods): node bandwidth over the
  // narrowest uplink share per node the placement gives (models/placement.hpp; the
  // oversubscription, x the pod's when the job spans pods, for a job that packs its leaves).
  double cross_leaf_factor = 1;
  // Node-ordered rings cross each leaf (and pod) boundary once per ring: a leaf's uplink
  // carries one flow per ring, so each flow gets its NIC's bandwidth times min(1, narrowest
  // uplink / node bandwidth) (for a packed job: nodes in the smallest leaf / oversubscription,
  // nodes in the smallest pod / (oversubscription x pod oversubscription)).
  double ring_node_factor = 1;
  int ps_servers = 1;
  models::CommLibrary library = models::CommLibrary::Mpi;
  std::optional<NcclTopology> nccl;  // with library nccl
  // A calibrated profile's measured / α-β time by size on the link the collective is bound by
  // (models::Link::alpha_beta_time_ratio: the intra-node link on one node, the NIC link across).
  models::EfficiencyCurve alpha_beta_time_ratio;
  // With library gloo and no measured curve: what Gloo reaches on these links.
  std::optional<models::GlooFigures> gloo;

  [[nodiscard]] static NetworkPath from(const models::Scenario& scenario);
  /// The path as the library's α-β collectives see it: with Gloo's figures, its bandwidths
  /// times Gloo's efficiency and its latencies plus Gloo's cost per step; else itself.
  [[nodiscard]] NetworkPath as_library_runs_it() const;
  /// The bandwidth of a node-ordered ring (bytes/s per rank), with or without what the
  /// oversubscribed leaves and pods take from it.
  [[nodiscard]] double ring_bandwidth(bool oversubscribed = true) const;
};

/// nccl-tests' bus bandwidth over algorithm bandwidth (doc/PERFORMANCE.md): 2(n-1)/n for
/// all-reduce, (n-1)/n for all-gather and reduce-scatter, 1 for broadcast and reduce.
[[nodiscard]] double bus_bandwidth_factor(CollectiveOp op, int ranks);

/// α-β time of one collective of `bytes` with `algorithm` (not Auto).
[[nodiscard]] double collective_time(models::Collective algorithm, CollectiveOp op, double bytes,
                                     const NetworkPath& path);

struct CollectiveChoice {
  models::Collective algorithm = models::Collective::Ring;  // Auto: NCCL's choice, in `nccl`
  double time_s = 0;
  std::optional<NcclCost> nccl;
  // NCCL's choice as the DES plays it: a ring all-reduce of these bytes, played as one
  // pipelined step on the DES platform (rail_bandwidth across nodes), takes NCCL's bandwidth
  // time where nothing else shares the network; then NCCL's latency, less the route's.
  double ring_equivalent_bytes = 0;
  // An α-β choice under a calibrated profile's measured curve, or run by Gloo on its own
  // figures: time_s is the α-β time on the links' figures x this. The DES plays the
  // algorithm's flows, then sleeps what the ratio adds (a ratio below 1 shrinks the bytes it
  // plays instead).
  double measured_ratio = 1;

  /// "ring", "nccl ring/Simple".
  [[nodiscard]] std::string label() const;
};

/// The configured algorithm, or for Auto the library's choice: NCCL's, or for MPI the
/// cheapest of ring, tree, halving-doubling and hierarchical (a parameter server is never
/// chosen automatically: it needs servers), or for Gloo a ring. An α-β choice takes the
/// path's measured curve (alpha_beta_time_ratio) where a calibrated profile has one, else
/// the library's own figures (Gloo's).
[[nodiscard]] CollectiveChoice choose_collective(models::Collective configured, CollectiveOp op, double bytes,
                                                 const NetworkPath& path);

/// "ring 1.31 ms, tree 1.40 ms, ..." for a message size: the comparison behind a choice;
/// with NCCL, "NCCL takes ring/Simple, 24 channels (1.31 ms); tree/LL128 ... 1.52 ms, ...".
[[nodiscard]] std::string compare_collectives(CollectiveOp op, double bytes, const NetworkPath& path);

}  // namespace dpcast::sim
