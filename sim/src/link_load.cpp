// The links a rank's collectives load (see link_load.hpp).
#include "dpcast/sim/link_load.hpp"

#include <algorithm>
#include <optional>

namespace dpcast::sim {
namespace {

// Where a rank (or a parameter server: -1 - s, on node s % nodes) sits: node, leaf, pod.
struct Position {
  int node = 0;
  int leaf = 0;
  int pod = 0;
};

Position position(const des::Layout& l, int rank) {
  Position p;
  p.node = rank >= 0 ? rank / l.gpus_per_node : (-1 - rank) % l.nodes;
  int first = 0;
  for (std::size_t k = 0; k < l.leaves.size(); ++k) {
    if (p.node < first + l.leaves[k].nodes) {
      p.leaf = static_cast<int>(k);
      p.pod = l.leaves[k].pod;
      break;
    }
    first += l.leaves[k].nodes;
  }
  return p;
}

}  // namespace

std::vector<RankLink> rank_links(const models::Scenario& s, const des::Layout& l, int rank) {
  const auto& c = s.cluster;
  const Position at = position(l, rank);
  std::vector<RankLink> links{{"GPU " + std::to_string(rank) + " link", c.intra_link->bandwidth_bytes_per_s}};
  if (l.nodes > 1)
    links.push_back({"node " + std::to_string(at.node) + " NICs", c.nics * c.nic_link->bandwidth_bytes_per_s});
  if (!l.leaves.empty())
    links.push_back({"leaf " + std::to_string(at.leaf) + " uplink",
                     l.leaves[static_cast<std::size_t>(at.leaf)].uplink_bytes_per_s});
  if (!l.pods.empty())
    links.push_back(
        {"pod " + std::to_string(at.pod) + " uplink", l.pods[static_cast<std::size_t>(at.pod)].uplink_bytes_per_s});
  return links;
}

std::vector<double> link_bytes(const des::Layout& l, const des::Schedule& schedule, int rank) {
  const Position at = position(l, rank);
  const bool leaves = !l.leaves.empty(), pods = !l.pods.empty();
  double gpu = 0, nic = 0, leaf = 0, pod = 0;
  for (const auto& step : schedule.steps)
    for (const auto& flow : step.flows) {
      const double moved = flow.bytes * step.repeat;
      const Position from = position(l, flow.src), to = position(l, flow.dst);
      if (flow.src == rank && flow.dst != rank) gpu += moved;
      if (from.node == at.node && to.node != at.node) nic += moved;
      if (leaves && from.leaf == at.leaf && to.leaf != at.leaf) leaf += moved;
      if (pods && from.pod == at.pod && to.pod != at.pod) pod += moved;
    }
  std::vector<double> out{gpu};
  if (l.nodes > 1) out.push_back(nic);
  if (leaves) out.push_back(leaf);
  if (pods) out.push_back(pod);
  return out;
}

models::Collective schedule_algorithm(const std::string& label) {
  const auto named = models::enum_from_name<models::Collective>(label);
  return named && *named != models::Collective::Auto ? *named : models::Collective::Ring;
}

}  // namespace dpcast::sim
