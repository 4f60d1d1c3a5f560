#pragma once
// NCCL's own cost model and choice of algorithm x protocol, as NCCL 2.21 computes them
// (NVIDIA/nccl src/graph/tuning.cc ncclTopoTuneModel and ncclTopoGetAlgoTime, src/enqueue.cc
// topoGetAlgoInfo; constants carried over, code ours; /work notes in HACKING.md point at them).
//
// For each algorithm a (ring, tree, NVLS, NVLS-tree, PAT) and protocol p (LL, LL128, Simple):
//   bus bandwidth = channels x per-channel speed of a's graph (nccl_topology.hpp), then the
//     protocol's share (LL: 1/2 on rings, 1/3.8 on trees; LL128: 120/128 = 0.92, 7/9 on a
//     one-node tree) and the per-architecture ceilings (llMaxBws, perChMax*Bws); the tree's
//     0.92 and, for its simpler pattern, 0.85;
//   algorithm bandwidth = bus bandwidth x ratio (ring: ranks / steps; tree: 1/2; NVLS: 5/6);
//   latency = base[a][p] + per-hop latencies by link type (NVLink, PCIe, network) x the hops
//     a crosses (ring: 2(n-1) steps for all-reduce, of which 2 x nodes cross the network;
//     tree: 2 x (ranks per node - 1 + log2 nodes)); a network step costs at least the CPU's
//     proxy overhead (1 us Intel, 2 us AMD; x3 for Simple);
//   time = latency + bytes / algorithm bandwidth, with the tree's correction factor by size
//     (treeCorrectionFactor) and the ring's plateau (Simple across nodes: latency x 1.4 on
//     SM80+, x 1.9 before) - and NCCL takes the least time.
// `bytes` is NCCL's nBytes and nccl-tests' size: the whole buffer, for all-gather and
// reduce-scatter the sum over ranks. CollNet (it needs SHARP switches) is not modelled.
#include <string>
#include <vector>

#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/nccl_topology.hpp"

namespace dpcast::sim {

using models::NcclAlgorithm;
using models::NcclProtocol;

/// One algorithm x protocol as NCCL's model costs it.
struct NcclCost {
  NcclAlgorithm algorithm = NcclAlgorithm::Ring;
  NcclProtocol protocol = NcclProtocol::Simple;
  int channels = 0;                  // of the algorithm's graph
  double latency_s = 0;              // with the ring's plateau
  double bandwidth_bytes_per_s = 0;  // algorithm bandwidth, with the tree's correction
  double time_s = 0;                 // latency_s + bytes / bandwidth_bytes_per_s

  /// "ring/LL128, 12 channels"
  [[nodiscard]] std::string label() const;
};

/// Every algorithm x protocol NCCL would consider for `op` of `bytes`, in NCCL's order.
[[nodiscard]] std::vector<NcclCost> nccl_costs(const NcclTopology& topology, models::CollectiveOp op, double bytes);

/// NCCL's choice: the least time (ties to the earlier algorithm and protocol, as NCCL).
[[nodiscard]] NcclCost nccl_choice(const NcclTopology& topology, models::CollectiveOp op, double bytes);

/// What NCCL's choice achieves, where measurements and NCCL's own estimate disagree. First,
/// a NIC link measured below what NCCL's model expects of it (models::Link::
/// nccl_achieved_bandwidth_bytes_per_s, e.g. first-generation EFA) caps what crosses a node's
/// NICs: the algorithm bandwidth times the NIC bytes per byte (a ring's bus factor, a tree's 2
/// through an inner node, 1 between two roots) stays within the NICs' measured figure. (On two
/// nodes NCCL costs the tree at up to twice the NIC speed, its search's pass 2; published 2-node
/// A100 runs on 16 NICs reach 1.1-1.2x the NICs' rate in busbw, so that stands.) Then what
/// measured tables show against NCCL's
/// estimate (models::NcclAchieved): a network hop costs what the NIC link's latency adds over
/// InfiniBand's, and with L the latency and T = bytes / bandwidth,
///   latency = latency_factor x L + pipeline_factor x sqrt(L x T),   time = latency + T.
/// The square root is a pipeline's fill: n chunks through d stages take (n + d - 1) chunk
/// times, and the best n gives T + (d-1) x step + 2 sqrt((d-1) x step x T).
/// Last, a calibrated profile's measured curve (models::Link::nccl_time_ratio) scales the time
/// (latency and bandwidth alike), so that the measured configuration is predicted as measured.
[[nodiscard]] NcclCost nccl_achieved(const NcclTopology& topology, const NcclCost& choice, models::CollectiveOp op,
                                     double bytes);

}  // namespace dpcast::sim
