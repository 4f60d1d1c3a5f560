#include "dpcast/sim/des/flow_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace dpcast::sim::des {
using models::Collective;

Layout Layout::from(const models::Scenario& s) {
  Layout l;
  l.nodes = s.cluster.nodes;
  l.gpus_per_node = s.cluster.gpus_per_node;
  l.nics = s.cluster.nics;
  l.ps_servers = s.data_parallel.ps_servers > 0 ? s.data_parallel.ps_servers : s.cluster.nodes;
  if (models::JobPlacement placed = models::place_job(s.cluster); placed.spans_leaves()) {
    l.leaves = std::move(placed.leaves);
    l.pods = std::move(placed.pods);
  }
  return l;
}

namespace {

int rank_of(const Layout& l, int node, int local) {
  return node * l.gpus_per_node + local;
}

// One ring step over all ranks with c channels; channel j leaves each node from local GPU
// j·g/c, which sits on NIC j when there are c NICs.
FlowStep ring_step(const Layout& l, double bytes, int repeat) {
  const int g = l.gpus_per_node;
  const int p = l.gpus();
  const int channels = l.nodes > 1 ? std::max(1, std::min(l.nics, g)) : 1;
  FlowStep step;
  step.repeat = repeat;
  step.symmetric = true;
  for (int j = 0; j < channels; ++j) {
    std::vector<int> ring;
    const int exit_local = j * g / channels;
    for (int node = 0; node < l.nodes; ++node)
      for (int i = 1; i <= g; ++i) ring.push_back(rank_of(l, node, (exit_local + i) % g));
    for (int q = 0; q < p; ++q) step.flows.push_back({ring[q], ring[(q + 1) % p], bytes / (channels * p)});
  }
  return step;
}

// Rings inside every node (g ranks), all nodes at once.
FlowStep intra_ring_step(const Layout& l, double bytes) {
  const int g = l.gpus_per_node;
  FlowStep step;
  step.repeat = g - 1;
  step.symmetric = true;
  for (int node = 0; node < l.nodes; ++node)
    for (int i = 0; i < g; ++i) step.flows.push_back({rank_of(l, node, i), rank_of(l, node, (i + 1) % g), bytes / g});
  return step;
}

// g rings across nodes (local GPU i of every node), on `bytes` each.
FlowStep inter_rings_step(const Layout& l, double bytes, int repeat) {
  const int m = l.nodes;
  FlowStep step;
  step.repeat = repeat;
  step.symmetric = true;
  for (int i = 0; i < l.gpus_per_node; ++i)
    for (int node = 0; node < m; ++node)
      step.flows.push_back({rank_of(l, node, i), rank_of(l, (node + 1) % m, i), bytes / m});
  return step;
}

// Two binary trees over `count` members: heap order, and its mirror, so that the inner
// vertices of one are leaves of the other. Each member sends to its parent.
std::vector<std::pair<int, int>> double_binary_tree(int count) {
  std::vector<std::pair<int, int>> edges;  // child, parent
  for (int i = 1; i < count; ++i) edges.emplace_back(i, (i - 1) / 2);
  for (int i = 1; i < count; ++i) edges.emplace_back(count - 1 - i, count - 1 - (i - 1) / 2);
  return edges;
}

Schedule tree(const Layout& l, double bytes) {
  Schedule s;
  FlowStep up, down;
  if (l.nodes == 1) {
    for (auto [child, parent] : double_binary_tree(l.gpus())) {
      up.flows.push_back({child, parent, bytes / 2});
      down.flows.push_back({parent, child, bytes / 2});
    }
  } else {
    const int g = l.gpus_per_node;
    for (auto [child, parent] : double_binary_tree(l.nodes))
      for (int i = 0; i < g; ++i) {
        up.flows.push_back({rank_of(l, child, i), rank_of(l, parent, i), bytes / (2 * g)});
        down.flows.push_back({rank_of(l, parent, i), rank_of(l, child, i), bytes / (2 * g)});
      }
  }
  s.steps = {up, down};
  s.extra_latencies = 2 * (static_cast<int>(std::ceil(std::log2(l.gpus()))) - 1);
  return s;
}

Schedule halving_doubling(const Layout& l, double bytes, CollectiveOp op) {
  const int p = l.gpus();
  int p2 = 1;
  while (p2 * 2 <= p) p2 *= 2;
  Schedule s;
  FlowStep fold, unfold;
  for (int r = p2; r < p; ++r) {
    fold.flows.push_back({r, r - p2, bytes});
    unfold.flows.push_back({r - p2, r, bytes});
  }
  std::vector<FlowStep> halves;
  double chunk = bytes;
  for (int distance = 1; distance < p2; distance *= 2) {
    chunk /= 2;
    FlowStep step;
    for (int r = 0; r < p2; ++r) step.flows.push_back({r, r ^ distance, chunk});
    halves.push_back(step);
  }
  if (!fold.flows.empty() && op == CollectiveOp::AllReduce) s.steps.push_back(fold);
  if (op != CollectiveOp::AllGather) s.steps.insert(s.steps.end(), halves.begin(), halves.end());
  if (op != CollectiveOp::ReduceScatter) s.steps.insert(s.steps.end(), halves.rbegin(), halves.rend());
  if (!unfold.flows.empty() && op == CollectiveOp::AllReduce) s.steps.push_back(unfold);
  return s;
}

Schedule hierarchical(const Layout& l, double bytes, CollectiveOp op) {
  Schedule s;
  const int g = l.gpus_per_node;
  const int m = l.nodes;
  const bool reduce = op != CollectiveOp::AllGather;
  const bool gather = op != CollectiveOp::ReduceScatter;
  if (g > 1 && reduce) s.steps.push_back(intra_ring_step(l, bytes));
  if (m > 1) {
    // The inter-node part: all-reduce (2(m-1) steps) of the shard, or half of it.
    const int repeat = op == CollectiveOp::AllReduce ? 2 * (m - 1) : m - 1;
    s.steps.push_back(inter_rings_step(l, bytes / g, repeat));
  }
  if (g > 1 && gather) s.steps.push_back(intra_ring_step(l, bytes));
  return s;
}

Schedule parameter_server(const Layout& l, double bytes) {
  FlowStep push, pull;
  for (int r = 0; r < l.gpus(); ++r)
    for (int server = 0; server < l.ps_servers; ++server) {
      push.flows.push_back({r, -1 - server, bytes / l.ps_servers});
      pull.flows.push_back({-1 - server, r, bytes / l.ps_servers});
    }
  Schedule s;
  s.steps = {push, pull};
  return s;
}

}  // namespace

std::optional<Layout> slice_layout(const models::Scenario&, const Layout& l) {
  Layout slice = l;
  slice.ps_servers = 0;
  if (l.leaves.empty()) {
    slice.nodes = 2;
  } else {
    const auto narrower = [](const models::PlacedLeaf& a, const models::PlacedLeaf& b) {
      return a.uplink_bytes_per_s < b.uplink_bytes_per_s;
    };
    const auto narrowest = std::min_element(l.leaves.begin(), l.leaves.end(), narrower);
    auto fullest = l.leaves.end();
    for (auto it = l.leaves.begin(); it != l.leaves.end(); ++it)
      if (it != narrowest && (fullest == l.leaves.end() || it->nodes > fullest->nodes)) fullest = it;
    models::PlacedLeaf first = *fullest, second = *narrowest;
    slice.leaves = {first, second};
    slice.nodes = first.nodes + second.nodes;
    if (!l.pods.empty()) {
      const auto narrowest_pod = std::min_element(l.pods.begin(), l.pods.end(), [](const auto& a, const auto& b) {
        return a.uplink_bytes_per_s < b.uplink_bytes_per_s;
      });
      slice.leaves[0].pod = 0;
      slice.leaves[1].pod = 1;
      slice.pods = {l.pods[static_cast<std::size_t>(first.pod)], *narrowest_pod};
      slice.pods[0].nodes = first.nodes;
      slice.pods[1].nodes = second.nodes;
    }
  }
  if (slice.nodes >= l.nodes) return std::nullopt;
  return slice;
}

Schedule make_schedule(Collective algorithm, CollectiveOp op, double bytes, const Layout& l) {
  Schedule s;
  if (l.gpus() == 1 || bytes <= 0) return s;
  const int p = l.gpus();
  if (op == CollectiveOp::Broadcast || op == CollectiveOp::Reduce) {
    s.steps.push_back(ring_step(l, bytes * p, 1));  // each flow n / c
    s.extra_latencies = p - 2;
    return s;
  }
  switch (algorithm) {
    case Collective::Tree:
      if (op == CollectiveOp::AllReduce) return tree(l, bytes);
      [[fallthrough]];  // NCCL has no tree reduce-scatter or all-gather
    case Collective::Ring:
    case Collective::Auto:
      s.steps.push_back(ring_step(l, bytes, op == CollectiveOp::AllReduce ? 2 * (p - 1) : p - 1));
      return s;
    case Collective::HalvingDoubling:
      return halving_doubling(l, bytes, op);
    case Collective::Hierarchical:
      return hierarchical(l, bytes, op);
    case Collective::ParameterServer:
      return parameter_server(l, bytes);
  }
  return s;
}

Schedule pipelined(Schedule schedule) {
  for (auto& step : schedule.steps) {
    for (auto& f : step.flows) f.bytes *= step.repeat;
    step.repeat = 1;
  }
  schedule.extra_latencies = 0;
  return schedule;
}

}  // namespace dpcast::sim::des
