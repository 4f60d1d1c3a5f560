// NCCL's topology search, reduced to the catalogue's node shapes: see nccl_topology.hpp.
#include "dpcast/sim/nccl_topology.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace dpcast::sim {
namespace {

// NCCL 2.21 src/graph/search.cc: the speeds (GB/s per channel) the search tries, fastest first.
const std::vector<double> kSpeedsIntra{40.0, 30.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0, 7.0, 6.0, 5.0, 4.0, 3.0};
const std::vector<double> kSpeedsInter{48.0, 30.0, 28.0, 24.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0,
                                       7.0,  6.0,  5.0,  4.0,  3.0,  2.4,  1.2,  0.24, 0.12};
const std::vector<double> kSm90SpeedsIntra{60.0, 50.0, 40.0, 30.0, 24.0, 20.0, 15.0, 12.0, 11.0, 6.0, 3.0};
const std::vector<double> kSm90SpeedsInter{48.0, 45.0, 42.0, 40.0, 30.0, 24.0, 22.0, 20.0, 17.5,
                                           15.0, 12.0, 6.0,  3.0,  2.4,  1.2,  0.24, 0.12};
constexpr int kMaxRingChannels = 16;  // MAXCHANNELS / 2 (init.cc)
constexpr double kGB = 1e9;

const std::vector<double>& speeds(int cc, bool inter) {
  if (cc >= 90) return inter ? kSm90SpeedsInter : kSm90SpeedsIntra;
  return inter ? kSpeedsInter : kSpeedsIntra;
}

// Pass 1 of ncclTopoCompute: from the first listed speed NCCL may use, down while the speed
// stays above 0.49 of it, the largest channels x speed (ties keep the faster speed); stops
// once the channels carry `total`.
NcclGraph search(const std::vector<double>& list, double max_bw, double total,
                 const std::function<int(double)>& channels_at) {
  auto first = std::find_if(list.begin(), list.end(), [&](double s) { return s <= max_bw && s <= total; });
  if (first == list.end()) first = list.end() - 1;
  NcclGraph best{channels_at(*first), *first, *first};
  for (auto it = first; it != list.end() && *it / *first > 0.49; ++it) {
    const int channels = channels_at(*it);
    if (channels * *it > best.channels * best.bw_intra) best = {channels, *it, *it};
    if (best.channels * best.bw_intra >= total) break;
  }
  return best;
}

// ncclTopoDupChannels: twice the channels at half the speed, where NCCL does so.
void duplicate_channels(NcclGraph& g, int cc) {
  if (g.bw_intra < 25.0) return;
  if (cc > 80 && g.bw_intra < 50.0 && g.channels > 4) return;
  g.channels = std::min(2 * g.channels, kMaxRingChannels);
  g.bw_intra /= 2;
  g.bw_inter /= 2;
}

// What one GPU's NVLinks (or PCIe link) carry, and what one NIC carries from a GPU.
struct Capacities {
  double gpu_total = 0;  // GB/s
  double nic = 0;        // GB/s
  int nics = 1;
};

Capacities capacities(const models::ClusterSpec& c) {
  Capacities cap;
  cap.gpu_total = c.intra_link->nccl_bandwidth() / kGB;
  double pcie = c.nic_pcie_link ? c.nic_pcie_link->nccl_bandwidth() / kGB : 0;
  if (pcie <= 0) {
    // The GPU generation's PCIe x16, as NCCL computes it (topo.cc: width x rate / 80).
    const int cc = c.gpu_entry->compute_capability;
    pcie = cc >= 90 ? 48.0 : cc >= 80 ? 24.0 : 12.0;
  }
  // A plugin that groups NICs (nccl_net_devices) shows NCCL one device per group.
  const int presets_nics = c.node_entry->nics;
  const int rails = c.node_entry->nccl_net_devices > 0 ? presets_nics / c.node_entry->nccl_net_devices : 1;
  cap.nic = std::min(rails * c.nic_link->nccl_bandwidth() / kGB, pcie);
  cap.nics = std::max(1, c.nics / rails);
  return cap;
}

NcclGraph ring_graph(const models::ClusterSpec& c, const Capacities& cap, int cc) {
  if (c.nodes == 1) {
    NcclGraph g = search(speeds(cc, false), cap.gpu_total, cap.gpu_total, [&](double s) {
      return std::clamp(static_cast<int>(std::floor(cap.gpu_total / s + 1e-9)), 1, kMaxRingChannels);
    });
    duplicate_channels(g, cc);
    return g;
  }
  NcclGraph g = search(speeds(cc, true), cap.nic, cap.gpu_total, [&](double s) {
    const int per_nic = std::max(1, static_cast<int>(std::floor(cap.nic / s + 1e-9)));
    // A channel enters a node at one GPU and leaves from another: each GPU's NVLinks carry
    // (g-1)/g of the channels in each direction.
    const double per_node = c.gpus_per_node;
    const double share = per_node > 1 ? (per_node - 1) / per_node : 1.0;
    const int by_nvlink = std::max(1, static_cast<int>(std::floor(cap.gpu_total / (s * share) + 1e-9)));
    return std::min({per_nic * cap.nics, by_nvlink, kMaxRingChannels});
  });
  duplicate_channels(g, cc);
  return g;
}

// Search pass 2 of a tree on two nodes, or of CollNet's: bw_intra up to twice bw_inter, as far
// as the NVLinks carry.
void raise_intra_speed(NcclGraph& g, const Capacities& cap, int cc) {
  for (double s : speeds(cc, true))
    if (s > g.bw_inter && s <= 2 * g.bw_inter && g.channels * s <= cap.gpu_total) {
      g.bw_intra = s;
      break;
    }
}

NcclGraph tree_graph(const models::ClusterSpec& c, const Capacities& cap, const NcclGraph& ring, int cc) {
  NcclGraph g = ring;
  if (c.nodes == 2) raise_intra_speed(g, cap, cc);
  g.simple_tree_pattern = cc >= 90 && c.nodes > 1 && cap.nics >= c.gpus_per_node;
  return g;
}

// init.cc: CollNet's graph has the ring's channels (min = max), the tree pattern, and collNet
// set, so that pass 2 raises its intra speed on any number of nodes. COLLNET_NODE_THRESHOLD: 2.
std::optional<NcclGraph> collnet_graph(const models::ClusterSpec& c, const Capacities& cap, const NcclGraph& ring,
                                       int cc) {
  if (!c.network.sharp || c.nodes < 2) return std::nullopt;
  NcclGraph g = ring;
  raise_intra_speed(g, cap, cc);
  return g;
}

std::optional<NcclGraph> nvls_graph(const models::ClusterSpec& c, const Capacities& cap, int cc) {
  const bool nvswitch = c.node_entry->fabric == models::IntraFabric::NvSwitch;
  if (cc < 90 || !nvswitch || c.gpus_per_node <= 2) return std::nullopt;
  NcclGraph g;
  g.channels = c.nodes == 1 ? c.gpus_per_node : std::min(c.gpus_per_node, cap.nics);
  const auto& intra = speeds(cc, false);
  const auto fits =
      std::find_if(intra.begin(), intra.end(), [&](double s) { return (g.channels + 1) * s <= cap.gpu_total; });
  if (fits == intra.end()) return std::nullopt;
  g.bw_intra = *fits;
  const double inter_cap = c.nodes == 1 ? 2 * g.bw_intra : std::min(2 * g.bw_intra, cap.nic);
  const auto& list = speeds(cc, c.nodes > 1);
  const auto inter = std::find_if(list.begin(), list.end(), [&](double s) { return s <= inter_cap; });
  g.bw_inter = inter == list.end() ? g.bw_intra : std::max(*inter, c.nodes == 1 ? g.bw_intra : 0.0);
  return g;
}

}  // namespace

std::optional<NcclTopology> nccl_topology(const models::ClusterSpec& c) {
  const int cc = c.gpu_entry->compute_capability;
  if (cc == 0 || c.node_entry->fabric == models::IntraFabric::SharedMemory) return std::nullopt;
  NcclTopology t;
  t.nodes = c.nodes;
  t.ranks = c.gpus();
  t.compute_capability = cc;
  t.cpu_vendor = c.node_entry->cpu_vendor;
  t.nvlink = c.node_entry->fabric == models::IntraFabric::NvSwitch;
  t.ll128 = t.nvlink && (cc == 70 || cc == 80 || cc == 90);
  const Capacities cap = capacities(c);
  t.ring = ring_graph(c, cap, cc);
  t.tree = tree_graph(c, cap, t.ring, cc);
  t.nvls = nvls_graph(c, cap, cc);
  t.collnet = collnet_graph(c, cap, t.ring, cc);
  if (t.collnet) t.collnet_heads = std::min(t.collnet->channels, cap.nics);
  // connect.cc ncclTopoPostset: the ring's channels doubled; on SM90 across nodes with fast
  // NICs and fewer than 16, doubled again.
  if (const models::NcclAchieved* achieved = c.nccl_achieved) {
    t.latency_factor = achieved->latency_factor;
    t.pipeline_factor = achieved->pipeline_factor;
    if (achieved->reference_network_latency_s && c.nodes > 1)
      t.extra_network_hop_us = std::max(0.0, c.nic_link->latency_s - *achieved->reference_network_latency_s) * 1e6;
  }
  if (c.nodes > 1 && c.nic_link->nccl_achieved_bandwidth_bytes_per_s > 0)
    t.network_achieved_gbps = c.nics * c.nic_link->nccl_achieved_bandwidth_bytes_per_s / kGB;
  t.time_ratio = (c.nodes > 1 ? c.nic_link : c.intra_link)->nccl_time_ratio;
  t.runtime_channels = std::min(32, 2 * t.ring.channels);
  if (cc == 90 && c.nodes > 1 && t.ring.bw_intra > 45.0 && t.runtime_channels < 16)
    t.runtime_channels = std::min(32, 2 * t.runtime_channels);
  return t;
}

}  // namespace dpcast::sim
