#pragma once
// The channels NCCL's topology search finds on a cluster, as NCCL 2.21 derives them
// (NVIDIA/nccl src/graph/search.cc ncclTopoCompute, topo.h, connect.cc): for each graph
// (ring, tree, NVLS) the number of channels and the bandwidth per channel inside a node
// (bw_intra) and through a NIC (bw_inter), in GB/s as NCCL keeps them. The cost model
// (nccl_tuning.hpp) turns these into times.
//
// The search, reduced to the node shapes the catalogue holds (every GPU on one NVSwitch or
// on PCIe, NICs spread evenly over the GPUs):
//  * one node: the first speed of the architecture's intra list at or below the GPU's total
//    NVLink (or PCIe) bandwidth T gives floor(T / speed) channels (at most 16); slower speeds
//    are tried while speed / first > 0.49 and the largest channels x speed is kept (ties: the
//    faster); channels are then duplicated at half the speed when speed >= 25 and not
//    (SM > 80, speed < 50 and more than 4 channels) (ncclTopoDupChannels).
//  * several nodes: the first speed of the inter list at or below what one NIC can carry
//    (its NCCL bandwidth, capped by the GPU-NIC PCIe link) gives floor(NIC / speed) channels
//    per NIC, at most 16 and at most T / speed; the same search over slower speeds; no
//    duplication below 25 GB/s. With 2 nodes, the tree's bw_intra rises (search pass 2) to
//    the fastest listed speed below 2 x bw_inter that the NVLinks carry.
//  * CollNet (network.sharp, 2 nodes or more): the tree's channels, bw_intra raised as a 2-node
//    tree's whatever the node count; one head per NIC, at most one per channel.
//  * NVLS (SM90 and NVSwitch, more than 2 GPUs a node): one channel per GPU (per NIC across
//    nodes), bw_intra the fastest intra speed with (channels + 1) x speed <= T, bw_inter
//    raised up to 2 x bw_intra (and to what a NIC carries across nodes).
// Where the catalogue lacks NCCL's view (no compute capability), there is no NCCL topology.
#include <optional>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// One NCCL graph: channels and per-channel bandwidth (GB/s, NCCL's units).
struct NcclGraph {
  int channels = 0;
  double bw_intra = 0;
  double bw_inter = 0;
  // NCCL_TOPO_PATTERN_TREE (instead of BALANCED_TREE): NCCL's tuning takes 15% off the tree's
  // bandwidth. On SM90 with a NIC per GPU the search falls back to it.
  bool simple_tree_pattern = false;
};

struct NcclTopology {
  int nodes = 1;
  int ranks = 1;
  int compute_capability = 80;  // x10
  models::CpuVendor cpu_vendor = models::CpuVendor::Intel;
  bool nvlink = true;        // GPUs reach each other over NVLink (else PCIe: no LL128)
  bool ll128 = true;         // NCCL enables LL128 (NVLink inside, NICs near the GPUs, SM 70/80/90)
  int runtime_channels = 0;  // comm->nChannels: the ring's channels doubled (connect.cc)
  NcclGraph ring, tree;
  std::optional<NcclGraph> nvls;  // NVLink SHARP, where the hardware has it
  // CollNet (in-network reduction, network.sharp, on 2 nodes or more): its graph, a tree whose
  // intra-node speed rises to twice the NIC's (search.cc pass 2, "collnet"), and its heads (one
  // GPU per NIC a channel starts from, at most one per channel).
  std::optional<NcclGraph> collnet;
  int collnet_heads = 0;
  // What NCCL achieves against its model (models::NcclAchieved, used by nccl_achieved only):
  // the latency factor, the pipeline-fill factor, and the latency (us) a network hop adds
  // over the network NCCL's hop latencies were tuned on.
  double latency_factor = 1.0;
  double pipeline_factor = 0.0;
  double extra_network_hop_us = 0.0;
  // What a node's NICs are measured to carry for NCCL (GB/s, models::Link::
  // nccl_achieved_bandwidth_bytes_per_s x NICs); 0: no cap. Achieved costs only.
  double network_achieved_gbps = 0.0;
  // A calibrated profile's measured / modelled time by size for the link NCCL's traffic is
  // bound by (models::Link::nccl_time_ratio: the NIC link across nodes, else the intra link).
  models::EfficiencyCurve time_ratio;
  // NCCL_ALGO / NCCL_PROTO (data_parallel.nccl_algorithm, nccl_protocol): NCCL chooses among
  // these only.
  std::optional<models::NcclAlgorithm> only_algorithm;
  std::optional<models::NcclProtocol> only_protocol;
  [[nodiscard]] int ranks_per_node() const { return ranks / nodes; }
};

/// NCCL's view of the cluster, or nullopt where NCCL does not run (no NVIDIA compute
/// capability, or a CPU device).
[[nodiscard]] std::optional<NcclTopology> nccl_topology(const models::ClusterSpec& cluster);

}  // namespace dpcast::sim
