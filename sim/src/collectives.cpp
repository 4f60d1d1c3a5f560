#include "dpcast/sim/collectives.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dpcast/models/error.hpp"
#include "dpcast/models/placement.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
using models::Collective;

NetworkPath NetworkPath::from(const models::Scenario& s) {
  const auto& c = s.cluster;
  NetworkPath p;
  p.gpus = c.gpus();
  p.nodes = c.nodes;
  p.gpus_per_node = c.gpus_per_node;
  p.intra_bandwidth = c.intra_link->bandwidth_bytes_per_s;
  p.intra_latency = c.intra_link->latency_s;
  p.node_bandwidth = c.nics * c.nic_link->bandwidth_bytes_per_s;
  p.rail_bandwidth = std::min(c.nics, c.gpus_per_node) * c.nic_link->bandwidth_bytes_per_s;
  p.inter_latency = c.nic_link->latency_s;
  // Every α-β time divides by these: the catalogue reader rejects a zero bandwidth, a link built in code must too.
  DPCAST_ASSERT(p.intra_bandwidth > 0 && p.node_bandwidth > 0,
                "link '" + c.intra_link->name + "' or '" + c.nic_link->name + "' has no bandwidth");
  // The uplinks the job's placement crosses (placement.hpp): a flow across them all gets the
  // narrowest; a node's traffic across them its share of the narrowest per node.
  if (const models::JobPlacement placed = models::place_job(c); placed.spans_leaves()) {
    p.cross_leaf_factor = std::max(1.0, p.node_bandwidth / placed.narrowest_uplink_per_node());
    p.ring_node_factor = std::min(1.0, placed.narrowest_uplink() / p.node_bandwidth);
  }
  p.ps_servers = s.data_parallel.ps_servers > 0 ? s.data_parallel.ps_servers : c.nodes;
  p.alpha_beta_time_ratio = (c.nodes > 1 ? c.nic_link : c.intra_link)->alpha_beta_time_ratio;
  p.library = s.communication_library();
  if (p.library == models::CommLibrary::Gloo && c.gloo && p.alpha_beta_time_ratio.empty()) p.gloo = *c.gloo;
  if (p.library == models::CommLibrary::Nccl) {
    p.nccl = nccl_topology(c);
    if (p.nccl) {
      p.nccl->only_algorithm = s.data_parallel.nccl_algorithm;
      p.nccl->only_protocol = s.data_parallel.nccl_protocol;
    }
  }
  return p;
}

double bus_bandwidth_factor(CollectiveOp op, int ranks) {
  const double n = ranks;
  switch (op) {
    case CollectiveOp::AllReduce:
      return 2 * (n - 1) / n;
    case CollectiveOp::AllGather:
    case CollectiveOp::ReduceScatter:
      return (n - 1) / n;
    case CollectiveOp::Broadcast:
    case CollectiveOp::Reduce:
      break;
  }
  return 1;
}

NetworkPath NetworkPath::as_library_runs_it() const {
  NetworkPath p = *this;
  if (!gloo) return p;
  for (double* bandwidth : {&p.intra_bandwidth, &p.node_bandwidth, &p.rail_bandwidth})
    *bandwidth *= gloo->bandwidth_efficiency;
  p.intra_latency += gloo->step_latency_s;
  p.inter_latency += gloo->step_latency_s;
  p.gloo.reset();
  return p;
}

double NetworkPath::ring_bandwidth(bool oversubscribed) const {
  if (nodes == 1) return intra_bandwidth;
  return std::min(intra_bandwidth, node_bandwidth * (oversubscribed ? ring_node_factor : 1.0));
}

std::string CollectiveChoice::label() const {
  if (nccl)
    return "nccl " + std::string(models::to_string(nccl->algorithm)) + "/" +
           std::string(models::to_string(nccl->protocol));
  return std::string(models::to_string(algorithm));
}

namespace {

double ring_alpha(const NetworkPath& p) {
  return p.nodes > 1 ? std::max(p.inter_latency, p.intra_latency) : p.intra_latency;
}

double ring(double n, const NetworkPath& p) {
  const double k = p.gpus;
  if (p.gpus == 1) return 0;
  return 2 * (k - 1) * ring_alpha(p) + 2 * (k - 1) / k * n / p.ring_bandwidth();
}

// Broadcast and reduce: a chain, pipelined.
double chain(double n, const NetworkPath& p) {
  if (p.gpus == 1) return 0;
  return (p.gpus - 1) * ring_alpha(p) + n / p.ring_bandwidth();
}

// NCCL's choice, with what oversubscription takes from its bandwidth term.
CollectiveChoice nccl_collective(CollectiveOp op, double bytes, const NetworkPath& p) {
  CollectiveChoice c;
  c.algorithm = Collective::Auto;
  if (p.gpus == 1) return c;
  c.nccl = nccl_achieved(*p.nccl, nccl_choice(*p.nccl, op, bytes), op, bytes);
  const double bandwidth_s = bytes / c.nccl->bandwidth_bytes_per_s;
  const double nominal = p.ring_bandwidth(false);
  c.time_s = c.nccl->latency_s + bandwidth_s * nominal / p.ring_bandwidth();
  const double des_ring = p.nodes == 1 ? p.intra_bandwidth : std::min(p.intra_bandwidth, p.rail_bandwidth);
  c.ring_equivalent_bytes = bandwidth_s * des_ring * p.gpus / (2.0 * (p.gpus - 1));
  return c;
}

double tree(double n, const NetworkPath& p) {
  if (p.gpus == 1) return 0;
  const bool multi = p.nodes > 1;
  const double alpha = multi ? std::max(p.inter_latency, p.intra_latency) : p.intra_latency;
  const double bw = multi ? std::min(p.intra_bandwidth, p.node_bandwidth / p.cross_leaf_factor) : p.intra_bandwidth;
  // An inner vertex receives n/2 from each of its children (two, or one in a tree of two).
  const double fan_in = std::min(2, (multi ? p.nodes : p.gpus) - 1);
  return 2 * std::ceil(std::log2(p.gpus)) * alpha + 2 * (fan_in / 2) * n / bw;
}

// One reduce-scatter by recursive halving; the all-gather mirrors it.
double halving_half(double n, const NetworkPath& p) {
  const int steps_total = static_cast<int>(std::floor(std::log2(p.gpus)));
  const int intra_steps = std::min(steps_total, static_cast<int>(std::floor(std::log2(p.gpus_per_node))));
  const double per_gpu_inter = p.node_bandwidth / p.cross_leaf_factor / p.gpus_per_node;
  double t = 0;
  double chunk = n;
  for (int i = 0; i < steps_total; ++i) {
    chunk /= 2;
    const bool intra = i < intra_steps;
    t += (intra ? p.intra_latency : p.inter_latency) + chunk / (intra ? p.intra_bandwidth : per_gpu_inter);
  }
  return t;
}

double halving_doubling(double n, const NetworkPath& p) {
  if (p.gpus == 1) return 0;
  double t = 2 * halving_half(n, p);
  const bool power_of_two = (p.gpus & (p.gpus - 1)) == 0;
  if (!power_of_two) {
    // Fold the extra ranks into a power of two before, and unfold after.
    const bool multi = p.nodes > 1;
    const double alpha = multi ? p.inter_latency : p.intra_latency;
    const double bw = multi ? p.node_bandwidth / p.cross_leaf_factor / p.gpus_per_node : p.intra_bandwidth;
    t += 2 * (alpha + n / bw);
  }
  return t;
}

double hierarchical(double n, const NetworkPath& p) {
  if (p.gpus == 1) return 0;
  const double g = p.gpus_per_node;
  const double m = p.nodes;
  const double intra = g > 1 ? (g - 1) * p.intra_latency + (g - 1) / g * n / p.intra_bandwidth : 0;
  const double inter =
      m > 1 ? 2 * (m - 1) * p.inter_latency + 2 * (m - 1) / m * n / (p.node_bandwidth * p.ring_node_factor) : 0;
  return 2 * intra + inter;
}

double parameter_server(double n, const NetworkPath& p) {
  if (p.gpus == 1) return 0;
  const bool multi = p.nodes > 1;
  const double alpha = multi ? p.inter_latency : p.intra_latency;
  // Servers sit on the nodes (one per node unless configured) and share their NICs.
  const double servers_per_node = std::max(1.0, static_cast<double>(p.ps_servers) / p.nodes);
  const double server_bw = multi ? p.node_bandwidth / p.cross_leaf_factor / servers_per_node : p.intra_bandwidth;
  return 2 * (alpha + p.gpus * n / (p.ps_servers * server_bw));
}

}  // namespace

double collective_time(Collective algorithm, CollectiveOp op, double bytes, const NetworkPath& path) {
  if (algorithm == Collective::Auto) return choose_collective(Collective::Auto, op, bytes, path).time_s;
  if (op == CollectiveOp::Broadcast || op == CollectiveOp::Reduce) return chain(bytes, path);
  double all_reduce = 0;
  switch (algorithm) {
    case Collective::Ring:
      all_reduce = ring(bytes, path);
      break;
    case Collective::Tree:
      // NCCL has no tree reduce-scatter or all-gather: those run as rings.
      all_reduce = op == CollectiveOp::AllReduce ? tree(bytes, path) : ring(bytes, path);
      break;
    case Collective::HalvingDoubling:
      all_reduce = halving_doubling(bytes, path);
      break;
    case Collective::Hierarchical:
      all_reduce = hierarchical(bytes, path);
      break;
    case Collective::ParameterServer:
      all_reduce = parameter_server(bytes, path);
      break;
    case Collective::Auto:
      break;  // returned above
  }
  return op == CollectiveOp::AllReduce ? all_reduce : all_reduce / 2;
}

namespace {
CollectiveChoice alpha_beta(Collective algorithm, double time_s) {
  CollectiveChoice c;
  c.algorithm = algorithm;
  c.time_s = time_s;
  return c;
}

// The α-β library's choice, before any measured curve.
CollectiveChoice alpha_beta_choice(Collective configured, CollectiveOp op, double bytes, const NetworkPath& path) {
  if (configured != Collective::Auto) return alpha_beta(configured, collective_time(configured, op, bytes, path));
  CollectiveChoice best = alpha_beta(Collective::Ring, collective_time(Collective::Ring, op, bytes, path));
  if (path.library == models::CommLibrary::Gloo) return best;
  for (Collective c : {Collective::Tree, Collective::HalvingDoubling, Collective::Hierarchical}) {
    if (op != CollectiveOp::AllReduce && c == Collective::Tree) continue;
    const double t = collective_time(c, op, bytes, path);
    if (t < best.time_s) best = alpha_beta(c, t);
  }
  return best;
}
}  // namespace

CollectiveChoice choose_collective(Collective configured, CollectiveOp op, double bytes, const NetworkPath& path) {
  if (configured == Collective::Auto && path.nccl) return nccl_collective(op, bytes, path);
  CollectiveChoice choice = alpha_beta_choice(configured, op, bytes, path);
  if (path.gpus == 1) return choice;
  if (!path.alpha_beta_time_ratio.empty()) {
    choice.measured_ratio = path.alpha_beta_time_ratio.at(bytes);
    choice.time_s *= choice.measured_ratio;
  } else if (path.gloo) {
    const double own = collective_time(choice.algorithm, op, bytes, path.as_library_runs_it());
    choice.measured_ratio = choice.time_s > 0 ? own / choice.time_s : 1;  // 0 s: no latency, no bytes
    choice.time_s = own;
  }
  return choice;
}

std::string compare_collectives(CollectiveOp op, double bytes, const NetworkPath& path) {
  std::string out;
  if (path.nccl && path.gpus > 1) {
    auto costs = nccl_costs(*path.nccl, op, bytes);
    std::stable_sort(costs.begin(), costs.end(),
                     [](const NcclCost& a, const NcclCost& b) { return a.time_s < b.time_s; });
    for (std::size_t i = 0; i < costs.size(); ++i) {
      const std::string time = human_time(costs[i].time_s);
      if (i == 0)
        out = "NCCL takes " + costs[i].label() + " (" + time + ")";
      else
        out += (i == 1 ? "; alternatives " : ", ") + costs[i].label() + " " + time;
    }
    return out + " (NCCL's own model, without the network's oversubscription)";
  }
  const NetworkPath library_path = path.as_library_runs_it();
  for (Collective c : {Collective::Ring, Collective::Tree, Collective::HalvingDoubling, Collective::Hierarchical,
                       Collective::ParameterServer}) {
    if (op != CollectiveOp::AllReduce && (c == Collective::Tree || c == Collective::ParameterServer)) continue;
    if (!out.empty()) out += ", ";
    out += std::string(models::to_string(c)) + " " + human_time(collective_time(c, op, bytes, library_path));
  }
  return out;
}

}  // namespace dpcast::sim
