// NCCL 2.21's cost model and choice: see nccl_tuning.hpp. Tables as in NVIDIA/nccl v2.21.5
// src/graph/tuning.cc (latencies in us, bandwidths in GB/s), indexed [algorithm][protocol]
// with the algorithms in NCCL's order (tree, ring, CollNet direct and chain, NVLS, NVLS-tree;
// PAT from 2.23).
#include "dpcast/sim/nccl_tuning.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "dpcast/models/error.hpp"

namespace dpcast::sim {
using models::CollectiveOp;

namespace {

constexpr int kLL = 0, kLL128 = 1, kSimple = 2;
constexpr int kTree = 0, kRing = 1, kCollNetDirect = 2, kCollNetChain = 3, kNvls = 4, kNvlsTree = 5, kPat = 6;
constexpr int kNvlinkHw = 0, kPciHw = 1, kNetHw = 2;

// baseLat (CollNet and NVLS entries are 0 in 2.21: their latency is the hardware's alone).
// PAT: 2.23+.
constexpr std::array<std::array<double, 3>, 7> kBaseLatency{
    {{6.8, 14.0, 0}, {6.6, 14.0, 8.4}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {8.0, 8.0, 8.0}}};
// hwLat[NVLink | PCI | NET][algorithm][protocol].
constexpr std::array<std::array<std::array<double, 3>, 7>, 3> kHopLatency{{
    {{{.6, 1.25, 28}, {.6, 1.9, 3.4}, {0, 0, 3.7}, {0, 0, 2.8}, {0, 0, 25}, {0, 0, 25}, {0, 0, 4.0}}},
    {{{1.0, 1.9, 28}, {1.0, 2.5, 5.7}, {0, 0, 3.7}, {0, 0, 2.8}, {0, 0, 0}, {0, 0, 0}, {0, 0, 4.0}}},
    {{{5.0, 8.5, 28}, {2.7, 4.0, 14.0}, {0, 0, 31}, {0, 0, 30}, {0, 0, 18}, {0, 0, 14}, {0, 0, 14}}},
}};
// [Volta | Ampere | Hopper][1 node | 2 nodes | more]. llMaxBws' first index is the GPU on
// one node and the CPU (Intel 0, AMD 1) across nodes.
constexpr std::array<std::array<double, 3>, 3> kLLMax{{{39.0, 39.0, 20.4}, {87.7, 22.5, 19.0}, {141.0, 45.0, 35.0}}};
constexpr std::array<std::array<double, 3>, 3> kPerChannelRingLL128{
    {{20.0, 20.0, 20.0}, {20.0, 20.0, 20.0}, {36.7, 36.7, 36.7}}};
constexpr std::array<std::array<double, 3>, 3> kPerChannelTreeLL128{
    {{20.0, 20.0, 20.0}, {20.0, 20.0, 20.0}, {36.7, 36.7, 29.0}}};
constexpr std::array<std::array<double, 3>, 3> kPerChannelTree{
    {{26.5, 18.5, 10.0}, {24.0, 23.6, 17.8}, {38.7, 41.4, 36.0}}};
// "Trees are not perfectly sticking to the model for medium sizes": by protocol, for
// log2(bytes / 64) = 0 .. 22.
constexpr std::array<std::array<double, 23>, 3> kTreeCorrection{{
    {1.0, 1.0, 1.0, 1.0, .9, .8, .7, .7, .7, .7, .6, .5, .4, .4, .5, .6, .7, .8, .9, 1.0, 1.0, 1.0, 1.0},
    {1.0, 1.0, 1.0, 1.0, 1.0, .9, .8, .8, .8, .7, .6, .6, .6, .6, .6, .6, .8, .9, .9, .9, .9, 1.0, 1.0},
    {.9, .9, .9, .9, .9, .9, .9, .8, .7, .6, .6, .5, .5, .5, .5, .6, .7, .8, .7, .7, .8, .9, .9},
}};

int log2i(double x) {
  int l = 0;
  for (auto n = static_cast<long long>(x); n > 1; n >>= 1) ++l;
  return l;
}

struct Context {
  const NcclTopology& t;
  CollectiveOp op;
  double bytes;
  int arch = 0;       // Volta, Ampere, Hopper
  int node_band = 0;  // 1 node, 2 nodes, more
  int ppn = 1;
  int steps = 0;        // ring steps
  int inter_steps = 0;  // of which cross the network (2.21: 2 x nodes for all-reduce)
};

Context context(const NcclTopology& t, CollectiveOp op, double bytes) {
  Context c{t, op, bytes};
  c.arch = t.compute_capability >= 90 ? 2 : t.compute_capability >= 80 ? 1 : 0;
  c.node_band = t.nodes <= 2 ? t.nodes - 1 : 2;
  c.ppn = t.ranks_per_node();
  const int n = t.ranks;
  const bool gathers = op == CollectiveOp::AllGather || op == CollectiveOp::ReduceScatter;
  c.steps = op == CollectiveOp::AllReduce ? 2 * (n - 1) : gathers ? n - 1 : n;
  c.inter_steps = op == CollectiveOp::AllReduce ? (t.nodes > 1 ? 2 * t.nodes : 0) : gathers ? t.nodes - 1 : t.nodes;
  return c;
}

const NcclGraph* graph_of(const NcclTopology& t, int a) {
  if (a == kTree) return &t.tree;
  if (a == kNvls || a == kNvlsTree) return t.nvls ? &*t.nvls : nullptr;
  if (a == kCollNetDirect || a == kCollNetChain) return t.collnet ? &*t.collnet : nullptr;
  return &t.ring;  // ring, PAT
}

bool is_collnet(int a) {
  return a == kCollNetDirect || a == kCollNetChain;
}

bool gathers(const Context& c) {
  return c.op == CollectiveOp::AllGather || c.op == CollectiveOp::ReduceScatter;
}

// Whether NCCL 2.21 considers algorithm a with protocol p for this collective.
bool enabled(const Context& c, int a, int p) {
  if (p == kLL128 && !c.t.ll128) return false;
  const bool all_reduce = c.op == CollectiveOp::AllReduce;
  switch (a) {
    case kRing:
      return true;
    case kTree:
      return all_reduce;
    case kCollNetDirect:  // NVSwitch nodes; all-gather and reduce-scatter need a head per GPU
      return p == kSimple && c.t.collnet && c.t.nvlink && (all_reduce || (gathers(c) && c.ppn <= c.t.collnet_heads));
    case kCollNetChain:
      return p == kSimple && c.t.collnet && all_reduce;
    case kNvls:  // across nodes only with CollNet (NVLS + SHARP), and for all-reduce
      return p == kSimple && c.t.nvls && (all_reduce || gathers(c)) && (c.t.nodes == 1 || (c.t.collnet && all_reduce));
    case kNvlsTree:
      return p == kSimple && c.t.nvls && c.t.nodes > 1 && all_reduce;
    case kPat:  // 2.23+: one GPU per node, all-gather and reduce-scatter, Simple
      return p == kSimple && gathers(c) && c.ppn == 1 && c.t.nodes > 1;
    default:
      return false;
  }
}

// The bytes one direction of a node's NICs carries per byte of the collective (algorithm
// bandwidth): a ring's every step crosses a node boundary as often as its bus bytes (2(n-1)/n
// for all-reduce, (n-1)/n for all-gather and reduce-scatter); a tree sends each byte up and
// down once through an inner node (2), but between two nodes the roots exchange it once each
// way (1); PAT, one GPU per node, forwards (n-1)/n; with the switches reducing (CollNet, NVLS
// across nodes) each byte goes up once and comes down once (1).
double nic_bytes_per_byte(const Context& c, int a) {
  const double n = c.t.ranks;
  switch (a) {
    case kRing:
      return c.steps / n;
    case kTree:
    case kNvlsTree:
      return c.t.nodes == 2 ? 1.0 : 2.0;
    case kPat:
      return (n - 1) / n;
    default:  // CollNet, NVLS across nodes: the switches reduce; each byte goes up once and down once
      return 1.0;
  }
}

// CollNet direct (Simple only): all-gather and reduce-scatter move a node's GPUs' worth through
// their heads, with the correction NCCL measured at 1 and 8 GPUs a node and interpolates;
// all-reduce loses what GPUs without a NIC of their own cost (and 15% on Hopper).
double collnet_direct_bus(const Context& c, const NcclGraph& g, double bus, double bw) {
  if (gathers(c)) {
    const double w = (c.ppn - 1) / 7.0;
    return c.ppn * bw * (w * 0.85 + (1 - w) * 0.95);
  }
  double gpus_per_nic = c.ppn / static_cast<double>(g.channels);
  gpus_per_nic -= (gpus_per_nic - 1) / 2;
  bus /= gpus_per_nic;
  return c.arch == 2 ? bus * 0.85 : bus;
}

// Bus bandwidth to algorithm bandwidth: a ring's n / steps, NVLS's 5/6, a tree's and CollNet's
// 1/2; PAT's 0.75 and CollNet direct's all-gather and reduce-scatter are not converted.
double bus_to_algorithm(const Context& c, int a) {
  if (a == kPat) return 0.75;
  if (a == kCollNetDirect && gathers(c)) return 1.0;
  if (a == kRing) return static_cast<double>(c.t.ranks) / c.steps;
  if (a == kNvls || a == kNvlsTree) return 5.0 / 6.0;
  return 0.5;
}

// ncclTopoTuneModel: the algorithm bandwidth (GB/s) of a x p. `achieved`: what the hardware
// gives rather than what NCCL's model expects (nccl_achieved).
double bandwidth(const Context& c, int a, int p, bool achieved = false) {
  const NcclTopology& t = c.t;
  const NcclGraph& g = *graph_of(t, a);
  double bw = t.nodes <= 2 || is_collnet(a) ? g.bw_intra : g.bw_inter;
  if (a == kNvls) bw = std::min(g.bw_intra, g.bw_inter);
  if (a == kNvlsTree) bw = std::min(g.bw_intra, t.nodes <= 2 ? g.bw_inter : g.bw_inter / 2);
  double bus = g.channels * bw;
  const int ll_row = t.nodes == 1 ? c.arch : (t.cpu_vendor == models::CpuVendor::Amd ? 1 : 0);
  const double ll_max = kLLMax[ll_row][c.node_band];
  if (a == kRing && p == kLL) bus = std::min(ll_max, bus * 0.5);
  if (a == kRing && p == kLL128)
    bus = std::min(bus * (c.ppn < 2 ? 0.7 : 120.0 / 128.0), g.channels * kPerChannelRingLL128[c.arch][c.node_band]);
  if (a == kTree) bus = std::min(bus * 0.92, g.channels * kPerChannelTree[c.arch][c.node_band]);
  if (a == kTree && p == kLL) bus = std::min(bus / 3.8, ll_max);
  if (a == kTree && p == kLL128)
    bus = std::min(bus * (t.nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0),
                   g.channels * kPerChannelTreeLL128[c.arch][c.node_band]);
  if (a == kTree && g.simple_tree_pattern) bus *= 0.85;
  if (a == kCollNetDirect) bus = collnet_direct_bus(c, g, bus, bw);
  const double algorithm_bw = bus * bus_to_algorithm(c, a);
  // What a node's NICs are measured to carry bounds every algorithm that crosses them.
  if (achieved && t.nodes > 1 && t.network_achieved_gbps > 0)
    return std::min(algorithm_bw, t.network_achieved_gbps / nic_bytes_per_byte(c, a));
  return algorithm_bw;
}

// ncclTopoTuneModel: the latency (us) of a x p, before the ring's plateau.
double latency(const Context& c, int a, int p) {
  const NcclTopology& t = c.t;
  const int intra_hw = t.nvlink ? kNvlinkHw : kPciHw;
  const int hw = t.nodes == 1 ? intra_hw : kNetHw;
  double intra = kHopLatency[intra_hw][a][p];
  const double inter = kHopLatency[kNetHw][a][p];
  double lat = kBaseLatency[a][p];
  const bool one_to_all = c.op == CollectiveOp::Broadcast || c.op == CollectiveOp::Reduce;
  switch (a) {
    case kRing:
      if (one_to_all)
        return lat + c.steps * (p == kSimple ? kHopLatency[hw][kTree][kSimple] : kHopLatency[hw][kRing][p]);
      if (t.nodes > 1) {
        const double net_overhead = t.cpu_vendor == models::CpuVendor::Amd ? 2.0 : 1.0;
        intra = std::max(intra, net_overhead * (p == kSimple ? 3 : 1));
      }
      return lat + (c.steps - c.inter_steps) * intra + c.inter_steps * inter;
    case kTree:
      return lat + 2 * ((c.ppn - 1) * intra + log2i(t.nodes) * inter);
    case kCollNetDirect:  // with 0.4 us of "arity serialization" per GPU
      return lat + 2 * (std::min(1, c.ppn - 1) * intra + (c.ppn - 1) * 0.4) + inter;
    case kCollNetChain:
      return lat + 2 * (c.ppn - 1) * intra + inter;
    case kNvls:
      return intra + (t.nodes > 1 ? inter : 0);
    case kNvlsTree:
      return lat + intra + 2 * log2i(t.nodes) * inter;
    case kPat:
      return lat + log2i(t.nodes) * (inter / 3.5) + t.ranks * 2.8;
    default:
      return lat;
  }
}

// The network hops latency() counts for a (the ring's network steps; a tree's, NVLS-tree's
// and PAT's log2(nodes) up and down; CollNet's and NVLS's one).
double network_hops(const Context& c, int a) {
  const NcclTopology& t = c.t;
  if (t.nodes == 1) return 0;
  switch (a) {
    case kRing:
      return c.inter_steps;
    case kTree:
    case kNvlsTree:
      return 2.0 * log2i(t.nodes);
    case kCollNetDirect:
    case kCollNetChain:
    case kNvls:
      return 1;
    case kPat:
      return log2i(t.nodes) / 3.5;
    default:
      return 0;
  }
}

NcclCost cost(const Context& c, int a, int p, bool achieved = false) {
  const NcclTopology& t = c.t;
  double bw = bandwidth(c, a, p, achieved);
  const int log_size = log2i(c.bytes / 64);
  if (a == kTree && log_size < 23) bw *= kTreeCorrection[p][log_size];
  double lat = latency(c, a, p);
  if (achieved) lat += network_hops(c, a) * t.extra_network_hop_us;
  if (a == kRing && p == kSimple && t.nodes > 1 && c.op == CollectiveOp::AllReduce &&
      c.bytes / (t.runtime_channels * t.ranks) >= 64)
    lat *= t.compute_capability < 80 ? 1.9 : 1.4;  // "plateau effect of ring"
  NcclCost out;
  out.algorithm = static_cast<NcclAlgorithm>(a);
  out.protocol = static_cast<NcclProtocol>(p);
  out.channels = graph_of(t, a)->channels;
  out.latency_s = lat * 1e-6;
  out.bandwidth_bytes_per_s = bw * 1e9;
  out.time_s = out.latency_s + c.bytes / out.bandwidth_bytes_per_s;
  return out;
}

}  // namespace

std::string NcclCost::label() const {
  return std::string(models::to_string(algorithm)) + "/" + std::string(models::to_string(protocol)) + ", " +
         std::to_string(channels) + " channels";
}

namespace {
// "tree/LL", "ring", "protocol LL128".
std::string restriction(const NcclTopology& t) {
  if (!t.only_algorithm) return "protocol " + std::string(models::to_string(*t.only_protocol));
  std::string out(models::to_string(*t.only_algorithm));
  if (t.only_protocol) out += "/" + std::string(models::to_string(*t.only_protocol));
  return out;
}

// NCCL_ALGO / NCCL_PROTO.
// NCCL_ALGO=CollNet* without CollNet support is ignored: ring and tree (tuning.cc).
bool allowed(const NcclTopology& t, int a, int p) {
  const bool collnet_ignored = t.only_algorithm && is_collnet(static_cast<int>(*t.only_algorithm)) && !t.collnet;
  const bool algorithm_ok =
      !t.only_algorithm || static_cast<int>(*t.only_algorithm) == a || (collnet_ignored && (a == kRing || a == kTree));
  return algorithm_ok && (!t.only_protocol || static_cast<int>(*t.only_protocol) == p);
}

// Every algorithm x protocol NCCL considers for `op` of `bytes`, in NCCL's order, costed.
template <typename Visit>
void for_each_candidate(const NcclTopology& topology, CollectiveOp op, double bytes, Visit&& visit) {
  if (topology.ranks <= 1) return;
  const Context c = context(topology, op, bytes);
  for (int a : {kTree, kRing, kCollNetDirect, kCollNetChain, kNvls, kNvlsTree, kPat})
    for (int p : {kLL, kLL128, kSimple}) {
      if (!enabled(c, a, p) || !allowed(topology, a, p)) continue;
      const NcclCost candidate = cost(c, a, p);
      if (candidate.bandwidth_bytes_per_s > 0) visit(candidate);
    }
}
}  // namespace

std::vector<NcclCost> nccl_costs(const NcclTopology& topology, CollectiveOp op, double bytes) {
  std::vector<NcclCost> out;
  for_each_candidate(topology, op, bytes, [&](const NcclCost& candidate) { out.push_back(candidate); });
  return out;
}

NcclCost nccl_choice(const NcclTopology& topology, CollectiveOp op, double bytes) {
  // Strictly less replaces: ties keep NCCL's earlier algorithm and protocol. (Every bucket of
  // every configuration asks: no list is built.)
  std::optional<NcclCost> best;
  for_each_candidate(topology, op, bytes, [&](const NcclCost& candidate) {
    if (!best || candidate.time_s < best->time_s) best = candidate;
  });
  if (!best && topology.ranks > 1 && (topology.only_algorithm || topology.only_protocol))
    throw Error(std::string(topology.only_algorithm ? "data_parallel.nccl_algorithm" : "data_parallel.nccl_protocol") +
                ": NCCL has no " + restriction(topology) + " for " + std::string(models::to_string(op)) +
                " on this cluster (NCCL fails the same way: \"no " + "algorithm/protocol available\")");
  return best.value_or(NcclCost{});
}

NcclCost nccl_achieved(const NcclTopology& topology, const NcclCost& choice, CollectiveOp op, double bytes) {
  if (topology.ranks <= 1) return choice;
  NcclCost out =
      cost(context(topology, op, bytes), static_cast<int>(choice.algorithm), static_cast<int>(choice.protocol), true);
  const double transfer_s = bytes / out.bandwidth_bytes_per_s;
  out.latency_s =
      topology.latency_factor * out.latency_s + topology.pipeline_factor * std::sqrt(out.latency_s * transfer_s);
  out.time_s = out.latency_s + transfer_s;
  if (!topology.time_ratio.empty()) {  // a calibrated profile's measured curve
    const double ratio = topology.time_ratio.at(bytes);
    out.latency_s *= ratio;
    out.bandwidth_bytes_per_s /= ratio;
    out.time_s *= ratio;
  }
  return out;
}

}  // namespace dpcast::sim
