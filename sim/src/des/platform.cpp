#include "platform.hpp"

#include <algorithm>

#include "dpcast/models/error.hpp"

namespace dpcast::sim::des {
namespace sg4 = simgrid::s4u;

namespace {

constexpr double kHostSpeed = 1e9;  // work units per second: a compute of t seconds executes t·1e9

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

// One node: GPUs, their links into the node fabric, NICs, optional parameter servers.
sg4::NetZone* build_node(const std::string& prefix, int node, const models::Scenario& s, const Layout& l,
                         int servers_here, Platform& out, sg4::NetZone* parent,
                         simgrid::kernel::routing::NetPoint*& gateway) {
  const auto& c = s.cluster;
  const std::string n = prefix + "node" + std::to_string(node);
  auto* zone = sg4::create_full_zone(n);
  zone->set_parent(parent);
  gateway = zone->create_router(n + ".gw");
  const int g = l.gpus_per_node;
  std::vector<sg4::Host*> hosts;
  std::vector<sg4::Link*> up, down, nic_up, nic_down;
  for (int i = 0; i < g; ++i) {
    const std::string p = n + ".gpu" + std::to_string(i);
    hosts.push_back(zone->create_host(p, kHostSpeed));
    up.push_back(link(zone, p + ".up", c.intra_link->bandwidth_bytes_per_s, c.intra_link->latency_s));
    down.push_back(link(zone, p + ".down", c.intra_link->bandwidth_bytes_per_s, 0));
  }
  for (int k = 0; k < l.nics; ++k) {
    const std::string p = n + ".nic" + std::to_string(k);
    nic_up.push_back(link(zone, p + ".up", c.nic_link->bandwidth_bytes_per_s, c.nic_link->latency_s));
    nic_down.push_back(link(zone, p + ".down", c.nic_link->bandwidth_bytes_per_s, 0));
  }
  const bool pcie = c.node_entry->fabric == models::IntraFabric::Pcie;
  // PCIe: GPUs and NICs spread over switches; between switches traffic goes up one switch's
  // uplink to the host and down another's. A node using fewer GPUs keeps its share of switches.
  const int switches =
      pcie ? std::max(1, c.node_entry->pcie_switches * g / c.node_entry->gpus_per_node) : 1;
  std::vector<sg4::Link*> switch_up, switch_down;
  if (pcie) {
    for (int sw = 0; sw < switches; ++sw) {
      const std::string p = n + ".pcie_switch" + std::to_string(sw);
      switch_up.push_back(link(zone, p + ".up", s.cluster.host_link->bandwidth_bytes_per_s, 0));
      switch_down.push_back(link(zone, p + ".down", s.cluster.host_link->bandwidth_bytes_per_s, 0));
    }
  }
  auto switch_of_gpu = [&](int i) { return i * switches / g; };
  auto switch_of_nic = [&](int k) { return k * switches / l.nics; };
  // The links between two switches (none when they are the same one).
  auto across = [&](int from, int to) {
    return from == to ? std::vector<sg4::Link*>{} : std::vector<sg4::Link*>{switch_up[from], switch_down[to]};
  };
  auto path = [](std::vector<sg4::Link*> a, const std::vector<sg4::Link*>& middle, sg4::Link* b) {
    a.insert(a.end(), middle.begin(), middle.end());
    a.push_back(b);
    return a;
  };
  for (int i = 0; i < g; ++i) {
    for (int j = 0; j < g; ++j)
      if (i != j)
        route(zone, hosts[i]->get_netpoint(), hosts[j]->get_netpoint(),
              pcie ? path({up[i]}, across(switch_of_gpu(i), switch_of_gpu(j)), down[j]) : std::vector{up[i], down[j]});
    // GPUDirect RDMA: a GPU reaches its NIC through PCIe; on a PCIe server that is its x16
    // link and, when the NIC sits under another switch, the host.
    const int k = i * l.nics / g;
    if (pcie) {
      route(zone, hosts[i]->get_netpoint(), gateway, path({up[i]}, across(switch_of_gpu(i), switch_of_nic(k)), nic_up[k]));
      route(zone, gateway, hosts[i]->get_netpoint(),
            path({nic_down[k]}, across(switch_of_nic(k), switch_of_gpu(i)), down[i]));
    } else {
      route(zone, hosts[i]->get_netpoint(), gateway, {nic_up[k]});
      route(zone, gateway, hosts[i]->get_netpoint(), {nic_down[k]});
    }
  }
  // Parameter servers share the node's NICs (their bandwidth split between them).
  const double server_bw = l.nodes > 1 ? l.nics * c.nic_link->bandwidth_bytes_per_s / servers_here
                                       : c.intra_link->bandwidth_bytes_per_s;
  for (int s_i = 0; s_i < servers_here; ++s_i) {
    const std::string p = n + ".server" + std::to_string(s_i);
    auto* host = zone->create_host(p, kHostSpeed);
    auto* in = link(zone, p + ".in", server_bw, 0);
    auto* outl = link(zone, p + ".out", server_bw, l.nodes > 1 ? c.nic_link->latency_s : c.intra_link->latency_s);
    for (int i = 0; i < g; ++i) {
      route(zone, hosts[i]->get_netpoint(), host->get_netpoint(), {up[i], in});
      route(zone, host->get_netpoint(), hosts[i]->get_netpoint(), {outl, down[i]});
    }
    route(zone, host->get_netpoint(), gateway, {outl});
    route(zone, gateway, host->get_netpoint(), {in});
    out.servers.push_back(host);
  }
  zone->seal();
  out.gpus.insert(out.gpus.end(), hosts.begin(), hosts.end());
  return zone;
}

// Adds `l.nodes` nodes (and their leaves) under `root`; every name starts with `prefix`.
void add_cluster(sg4::NetZone* root, const std::string& prefix, const models::Scenario& s, const Layout& l,
                 const std::vector<int>& servers_on, Platform& out) {
  const auto& net = s.cluster.network;
  const int nodes_per_leaf = s.cluster.nodes_per_leaf();
  const bool leaves = net.topology == models::Topology::FatTree && l.nodes > nodes_per_leaf;
  auto add_node = [&](int node, sg4::NetZone* parent) {
    simgrid::kernel::routing::NetPoint* gw = nullptr;
    auto* zone = build_node(prefix, node, s, l, servers_on[node], out, parent, gw);
    return std::pair{zone, gw};
  };
  if (!leaves) {
    // One non-blocking switch (single-switch, rail-optimized, or a fat-tree within one leaf).
    for (int node = 0; node < l.nodes; ++node) {
      auto [zone, gw] = add_node(node, root);
      const std::string n = prefix + "node" + std::to_string(node);
      root->add_route(zone->get_netpoint(), nullptr, gw, nullptr, {sg4::LinkInRoute(fabric(root, n + ".port.up"))}, false);
      root->add_route(nullptr, zone->get_netpoint(), nullptr, gw, {sg4::LinkInRoute(fabric(root, n + ".port.down"))}, false);
    }
  } else {
    // Two-level fat-tree: leaves of nodes_per_leaf nodes (non-blocking inside), their
    // uplinks to a non-blocking spine carrying the oversubscription.
    for (int first = 0, leaf = 0; first < l.nodes; first += nodes_per_leaf, ++leaf) {
      const std::string name = prefix + "leaf" + std::to_string(leaf);
      auto* zone = sg4::create_full_zone(name);
      zone->set_parent(root);
      // The leaf's way out is a router in a zone of its own (SimGrid routes zone to zone).
      auto* port = sg4::create_empty_zone(name + ".port");
      port->set_parent(zone);
      auto* port_gw = port->create_router(name + ".gw");
      port->seal();
      const int here = std::min(nodes_per_leaf, l.nodes - first);
      std::vector<std::pair<sg4::NetZone*, simgrid::kernel::routing::NetPoint*>> members;
      for (int node = first; node < first + here; ++node) members.push_back(add_node(node, zone));
      auto* switching = fabric(zone, name + ".switch");
      for (auto [za, ga] : members) {
        for (auto [zb, gb] : members)
          if (za != zb) zone->add_route(za->get_netpoint(), zb->get_netpoint(), ga, gb, {sg4::LinkInRoute(switching)}, false);
        zone->add_route(za->get_netpoint(), port->get_netpoint(), ga, port_gw, {sg4::LinkInRoute(switching)}, false);
        zone->add_route(port->get_netpoint(), za->get_netpoint(), port_gw, ga, {sg4::LinkInRoute(switching)}, false);
      }
      zone->seal();
      const double uplink = here * l.nics * s.cluster.nic_link->bandwidth_bytes_per_s / net.oversubscription;
      root->add_route(zone->get_netpoint(), nullptr, port_gw, nullptr,
                      {sg4::LinkInRoute(link(root, name + ".uplink", uplink, 0))}, false);
      root->add_route(nullptr, zone->get_netpoint(), nullptr, port_gw,
                      {sg4::LinkInRoute(link(root, name + ".downlink", uplink, 0))}, false);
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
