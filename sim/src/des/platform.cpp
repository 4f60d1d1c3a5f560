#include "platform.hpp"

#include <algorithm>
#include <functional>
#include <optional>

#include "dpcast/models/error.hpp"

namespace dpcast::sim::des {
namespace sg4 = simgrid::s4u;

namespace {

sg4::Link* link(sg4::NetZone* zone, const std::string& name, double bandwidth, double latency) {
  if (!(bandwidth > 0)) throw Error("platform: link " + name + " has no bandwidth");
  return zone->create_link(name, bandwidth)->set_latency(latency)->seal();
}

// A link that adds nothing and is never shared: the non-blocking switch fabric.
sg4::Link* fabric(sg4::NetZone* zone, const std::string& name) {
  return zone->create_link(name, 1e18)->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)->set_latency(0)->seal();
}

void route(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* from, simgrid::kernel::routing::NetPoint* to,
           const std::vector<sg4::Link*>& links) {
  std::vector<sg4::LinkInRoute> in_route;
  for (auto* l : links) in_route.emplace_back(l);
  zone->add_route(from, to, nullptr, nullptr, in_route, false);
}

// A node's GPUs and their links into the node fabric, and its NICs' links.
struct NodeLinks {
  std::vector<sg4::Host*> gpus;
  std::vector<sg4::Link*> up, down, nic_up, nic_down;
};

NodeLinks add_gpus_and_nics(sg4::NetZone* zone, const std::string& n, const models::ClusterSpec& c, const Layout& l) {
  NodeLinks out;
  for (int i = 0; i < l.gpus_per_node; ++i) {
    const std::string p = n + ".gpu" + std::to_string(i);
    out.gpus.push_back(zone->create_host(p, kHostSpeed));
    out.up.push_back(link(zone, p + ".up", c.intra_link->bandwidth_bytes_per_s, c.intra_link->latency_s));
    out.down.push_back(link(zone, p + ".down", c.intra_link->bandwidth_bytes_per_s, 0));
  }
  for (int k = 0; k < l.nics; ++k) {
    const std::string p = n + ".nic" + std::to_string(k);
    out.nic_up.push_back(link(zone, p + ".up", c.nic_link->bandwidth_bytes_per_s, c.nic_link->latency_s));
    out.nic_down.push_back(link(zone, p + ".down", c.nic_link->bandwidth_bytes_per_s, 0));
  }
  return out;
}

// A PCIe server's tree: GPUs and NICs spread over switches; between switches traffic goes up
// one switch's uplink to the host and down another's, across sockets through the sockets'
// link. A node using fewer GPUs keeps its share of switches and sockets.
class PcieTree {
 public:
  PcieTree(sg4::NetZone* zone, const std::string& n, const models::ClusterSpec& c, const Layout& l)
      : gpus_(l.gpus_per_node), nics_(l.nics) {
    switches_ = std::max(1, c.node_entry->pcie_switches * gpus_ / c.node_entry->gpus_per_node);
    for (int sw = 0; sw < switches_; ++sw) {
      const std::string p = n + ".pcie_switch" + std::to_string(sw);
      switch_up_.push_back(link(zone, p + ".up", c.host_link->bandwidth_bytes_per_s, 0));
      switch_down_.push_back(link(zone, p + ".down", c.host_link->bandwidth_bytes_per_s, 0));
    }
    // Switches spread evenly over the sockets; one inter-socket link per ordered pair.
    sockets_ = std::max(1, c.node_entry->sockets * switches_ / c.node_entry->pcie_switches);
    socket_links_.assign(sockets_, std::vector<sg4::Link*>(sockets_, nullptr));
    for (int a = 0; a < sockets_; ++a)
      for (int b = 0; b < sockets_; ++b)
        if (a != b)
          socket_links_[a][b] = link(zone, n + ".socket" + std::to_string(a) + "-" + std::to_string(b),
                                     c.socket_link->bandwidth_bytes_per_s, c.socket_link->latency_s);
  }

  [[nodiscard]] int switch_of_gpu(int i) const { return i * switches_ / gpus_; }
  [[nodiscard]] int switch_of_nic(int k) const { return k * switches_ / nics_; }

  /// The links between two switches (none when they are the same one), through the
  /// sockets' link when the switches hang from different sockets.
  [[nodiscard]] std::vector<sg4::Link*> across(int from, int to) const {
    if (from == to) return {};
    const int a = socket_of_switch(from), b = socket_of_switch(to);
    if (a == b) return {switch_up_[from], switch_down_[to]};
    return {switch_up_[from], socket_links_[a][b], switch_down_[to]};
  }

 private:
  [[nodiscard]] int socket_of_switch(int sw) const { return sw * sockets_ / switches_; }

  int gpus_, nics_;
  int switches_ = 1, sockets_ = 1;
  std::vector<sg4::Link*> switch_up_, switch_down_;
  std::vector<std::vector<sg4::Link*>> socket_links_;
};

// `first`, then `middle`, then `last`.
std::vector<sg4::Link*> path(std::vector<sg4::Link*> first, const std::vector<sg4::Link*>& middle, sg4::Link* last) {
  first.insert(first.end(), middle.begin(), middle.end());
  first.push_back(last);
  return first;
}

// Every GPU to every other, and to and from the node's gateway through its NIC. With GPUDirect
// RDMA a GPU reaches its NIC through PCIe: on a PCIe server that is its x16 link and, when the
// NIC sits under another switch, the host.
void add_gpu_routes(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* gateway, const NodeLinks& node,
                    const PcieTree* pcie, int nics) {
  const int g = static_cast<int>(node.gpus.size());
  for (int i = 0; i < g; ++i) {
    for (int j = 0; j < g; ++j)
      if (i != j)
        route(zone, node.gpus[i]->get_netpoint(), node.gpus[j]->get_netpoint(),
              pcie ? path({node.up[i]}, pcie->across(pcie->switch_of_gpu(i), pcie->switch_of_gpu(j)), node.down[j])
                   : std::vector{node.up[i], node.down[j]});
    const int k = i * nics / g;
    if (pcie) {
      route(zone, node.gpus[i]->get_netpoint(), gateway,
            path({node.up[i]}, pcie->across(pcie->switch_of_gpu(i), pcie->switch_of_nic(k)), node.nic_up[k]));
      route(zone, gateway, node.gpus[i]->get_netpoint(),
            path({node.nic_down[k]}, pcie->across(pcie->switch_of_nic(k), pcie->switch_of_gpu(i)), node.down[i]));
    } else {
      route(zone, node.gpus[i]->get_netpoint(), gateway, {node.nic_up[k]});
      route(zone, gateway, node.gpus[i]->get_netpoint(), {node.nic_down[k]});
    }
  }
}

// Parameter servers share the node's NICs (their bandwidth split between them).
void add_servers(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* gateway, const std::string& n,
                 const models::ClusterSpec& c, const Layout& l, int servers_here, const NodeLinks& node,
                 Platform& out) {
  const double server_bw =
      l.nodes > 1 ? l.nics * c.nic_link->bandwidth_bytes_per_s / servers_here : c.intra_link->bandwidth_bytes_per_s;
  for (int s_i = 0; s_i < servers_here; ++s_i) {
    const std::string p = n + ".server" + std::to_string(s_i);
    auto* host = zone->create_host(p, kHostSpeed);
    auto* in = link(zone, p + ".in", server_bw, 0);
    auto* outl = link(zone, p + ".out", server_bw, l.nodes > 1 ? c.nic_link->latency_s : c.intra_link->latency_s);
    for (std::size_t i = 0; i < node.gpus.size(); ++i) {
      route(zone, node.gpus[i]->get_netpoint(), host->get_netpoint(), {node.up[i], in});
      route(zone, host->get_netpoint(), node.gpus[i]->get_netpoint(), {outl, node.down[i]});
    }
    route(zone, host->get_netpoint(), gateway, {outl});
    route(zone, gateway, host->get_netpoint(), {in});
    out.servers.push_back(host);
  }
}

// One node: GPUs, their links into the node fabric, NICs, optional parameter servers.
sg4::NetZone* build_node(const std::string& prefix, int node, const models::Scenario& s, const Layout& l,
                         int servers_here, Platform& out, sg4::NetZone* parent,
                         simgrid::kernel::routing::NetPoint*& gateway) {
  const auto& c = s.cluster;
  const std::string n = prefix + "node" + std::to_string(node);
  auto* zone = sg4::create_full_zone(n);
  zone->set_parent(parent);
  gateway = zone->create_router(n + ".gw");
  const NodeLinks links = add_gpus_and_nics(zone, n, c, l);
  std::optional<PcieTree> pcie_tree;
  if (c.node_entry->fabric == models::IntraFabric::Pcie) pcie_tree.emplace(zone, n, c, l);
  add_gpu_routes(zone, gateway, links, pcie_tree ? &*pcie_tree : nullptr, l.nics);
  add_servers(zone, gateway, n, c, l, servers_here, links, out);
  zone->seal();
  out.gpus.insert(out.gpus.end(), links.gpus.begin(), links.gpus.end());
  return zone;
}

// A zone whose way out is a router in a zone of its own (SimGrid routes zone to zone).
struct SwitchZone {
  sg4::NetZone* zone = nullptr;
  sg4::NetZone* port = nullptr;                           // the zone of the gateway
  simgrid::kernel::routing::NetPoint* gateway = nullptr;  // where traffic leaves and enters
};

SwitchZone switch_zone(const std::string& name, sg4::NetZone* parent) {
  SwitchZone out;
  out.zone = sg4::create_full_zone(name);
  out.zone->set_parent(parent);
  out.port = sg4::create_empty_zone(name + ".port");
  out.port->set_parent(out.zone);
  out.gateway = out.port->create_router(name + ".gw");
  out.port->seal();
  return out;
}

// Inside `parent` (a full zone), every member reaches every other and the parent's own port
// through `up` links of the source and `down` links of the destination (the switch itself is
// non-blocking).
void connect_members(const SwitchZone& parent, const std::vector<SwitchZone>& members,
                     const std::vector<std::vector<sg4::Link*>>& up, const std::vector<std::vector<sg4::Link*>>& down) {
  auto join = [](std::vector<sg4::Link*> a, const std::vector<sg4::Link*>& b) {
    a.insert(a.end(), b.begin(), b.end());
    std::vector<sg4::LinkInRoute> route;
    for (auto* link : a) route.emplace_back(link);
    return route;
  };
  auto* port = parent.port;
  for (std::size_t a = 0; a < members.size(); ++a) {
    for (std::size_t b = 0; b < members.size(); ++b)
      if (a != b)
        parent.zone->add_route(members[a].zone->get_netpoint(), members[b].zone->get_netpoint(), members[a].gateway,
                               members[b].gateway, join(up[a], down[b]), false);
    parent.zone->add_route(members[a].zone->get_netpoint(), port->get_netpoint(), members[a].gateway, parent.gateway,
                           join(up[a], {}), false);
    parent.zone->add_route(port->get_netpoint(), members[a].zone->get_netpoint(), parent.gateway, members[a].gateway,
                           join({}, down[a]), false);
  }
}

// The nodes under one switch with a port each (single-switch, or a job under one leaf).
void add_switch(sg4::NetZone* root, const std::string& prefix, const Layout& l,
                const std::function<SwitchZone(int, sg4::NetZone*)>& add_node) {
  for (int node = 0; node < l.nodes; ++node) {
    auto [zone, port, gw] = add_node(node, root);
    const std::string n = prefix + "node" + std::to_string(node);
    root->add_route(zone->get_netpoint(), nullptr, gw, nullptr, {sg4::LinkInRoute(fabric(root, n + ".port.up"))},
                    false);
    root->add_route(nullptr, zone->get_netpoint(), nullptr, gw, {sg4::LinkInRoute(fabric(root, n + ".port.down"))},
                    false);
  }
}

// One leaf of the layout under `parent`, its nodes from `first_node` on: a zone whose routes
// between members cross its switch, and its uplink and downlink (in `parent`) for the job's
// share of the leaf's bandwidth to the level above.
struct AddedLeaf {
  SwitchZone zone;
  sg4::Link* up = nullptr;
  sg4::Link* down = nullptr;
};
AddedLeaf add_leaf(const std::string& name, const models::PlacedLeaf& leaf, int first_node, sg4::NetZone* parent,
                   const std::function<SwitchZone(int, sg4::NetZone*)>& add_node) {
  const SwitchZone leaf_zone = switch_zone(name, parent);
  std::vector<SwitchZone> members;
  for (int node = first_node; node < first_node + leaf.nodes; ++node) members.push_back(add_node(node, leaf_zone.zone));
  auto* switch_in = fabric(leaf_zone.zone, name + ".switch.in");
  auto* switch_out = fabric(leaf_zone.zone, name + ".switch.out");
  connect_members(leaf_zone, members, std::vector<std::vector<sg4::Link*>>(members.size(), {switch_in}),
                  std::vector<std::vector<sg4::Link*>>(members.size(), {switch_out}));
  leaf_zone.zone->seal();
  return {leaf_zone, link(parent, name + ".uplink", leaf.uplink_bytes_per_s, 0),
          link(parent, name + ".downlink", leaf.uplink_bytes_per_s, 0)};
}

// Adds `l.nodes` nodes (and their leaves and pods) under `root`; every name starts with `prefix`.
// Leaves and pods are full zones whose routes between members cross the members' uplinks, of
// the bandwidth the placement gives the job (models/placement.hpp); the switches themselves
// are non-blocking.
void add_cluster(sg4::NetZone* root, const std::string& prefix, const models::Scenario& s, const Layout& l,
                 const std::vector<int>& servers_on, Platform& out) {
  const std::function<SwitchZone(int, sg4::NetZone*)> add_node = [&](int node, sg4::NetZone* parent) {
    simgrid::kernel::routing::NetPoint* gw = nullptr;
    auto* zone = build_node(prefix, node, s, l, servers_on[node], out, parent, gw);
    return SwitchZone{zone, nullptr, gw};
  };
  if (l.leaves.empty()) {
    add_switch(root, prefix, l, add_node);
    return;
  }
  // Two levels: the leaves hang from the root (a star: the spine). Three: from their pod.
  const std::size_t pods = std::max<std::size_t>(1, l.pods.size());
  int first_node = 0;
  std::size_t leaf = 0;
  for (std::size_t pod = 0; pod < pods; ++pod) {
    SwitchZone pod_zone;
    sg4::NetZone* leaf_parent = root;
    if (!l.pods.empty()) {
      pod_zone = switch_zone(prefix + "pod" + std::to_string(pod), root);
      leaf_parent = pod_zone.zone;
    }
    std::vector<SwitchZone> leaf_zones;
    std::vector<std::vector<sg4::Link*>> leaf_up, leaf_down;
    for (; leaf < l.leaves.size() && (l.pods.empty() || l.leaves[leaf].pod == static_cast<int>(pod)); ++leaf) {
      const auto added =
          add_leaf(prefix + "leaf" + std::to_string(leaf), l.leaves[leaf], first_node, leaf_parent, add_node);
      first_node += l.leaves[leaf].nodes;
      leaf_zones.push_back(added.zone);
      leaf_up.push_back({added.up});
      leaf_down.push_back({added.down});
    }
    if (!l.pods.empty()) {
      connect_members(pod_zone, leaf_zones, leaf_up, leaf_down);
      pod_zone.zone->seal();
      const double uplink = l.pods[pod].uplink_bytes_per_s;
      const std::string name = prefix + "pod" + std::to_string(pod);
      root->add_route(pod_zone.zone->get_netpoint(), nullptr, pod_zone.gateway, nullptr,
                      {sg4::LinkInRoute(link(root, name + ".uplink", uplink, 0))}, false);
      root->add_route(nullptr, pod_zone.zone->get_netpoint(), nullptr, pod_zone.gateway,
                      {sg4::LinkInRoute(link(root, name + ".downlink", uplink, 0))}, false);
    } else {
      for (std::size_t k = 0; k < leaf_zones.size(); ++k) {
        root->add_route(leaf_zones[k].zone->get_netpoint(), nullptr, leaf_zones[k].gateway, nullptr,
                        {sg4::LinkInRoute(leaf_up[k][0])}, false);
        root->add_route(nullptr, leaf_zones[k].zone->get_netpoint(), nullptr, leaf_zones[k].gateway,
                        {sg4::LinkInRoute(leaf_down[k][0])}, false);
      }
    }
  }
}

}  // namespace

Platform build_platform(const models::Scenario& s, const Layout& l, bool with_servers, const Layout* slice) {
  Platform out;
  auto* root = sg4::create_star_zone("cluster");
  // Servers: server s lives on node s % nodes.
  std::vector<int> servers_on(l.nodes, 0);
  if (with_servers)
    for (int srv = 0; srv < l.ps_servers; ++srv) ++servers_on[srv % l.nodes];
  add_cluster(root, "", s, l, servers_on, out);
  if (slice) {
    // A few nodes apart from the cluster, for playing symmetric steps (flow_schedule.hpp).
    out.slice = std::make_shared<Platform>();
    add_cluster(root, "slice.", s, *slice, std::vector<int>(slice->nodes, 0), *out.slice);
    out.slice->max_latency_s = std::max(s.cluster.nic_link->latency_s, s.cluster.intra_link->latency_s);
  }
  root->seal();
  // Servers were created node by node; order them by server index (server s on node s % nodes).
  std::vector<sg4::Host*> ordered(l.ps_servers * with_servers);
  int next = 0;
  for (int node = 0; node < l.nodes; ++node) {
    for (int k = 0; k < servers_on[node]; ++k) {
      const int srv = node + l.nodes * k;
      ordered[srv] = out.servers[next++];
    }
  }
  out.servers = ordered;
  out.max_latency_s = l.nodes > 1 ? std::max(s.cluster.nic_link->latency_s, s.cluster.intra_link->latency_s)
                                  : s.cluster.intra_link->latency_s;
  return out;
}

}  // namespace dpcast::sim::des
