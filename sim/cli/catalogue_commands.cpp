// dpcast models and dpcast hardware: the zoo and the hardware catalogue.
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::cli {
int cmd_models(bool json) {
  models::Json all = models::Json::array();
  sim::Table t({"name", "family", "parameters", "input", "forward GFLOP/sample", "description"});
  for (const auto& e : models::zoo()) {
    const auto g = models::build_zoo_model(e.name);
    const std::string input = e.default_seq_len ? std::to_string(e.default_seq_len) + " tokens"
                              : e.image_size    ? std::to_string(e.image_size) + "x" + std::to_string(e.image_size)
                                                : "features";
    all.push_back({{"name", e.name},
                   {"family", std::string(models::to_string(e.family))},
                   {"params", g.total_params()},
                   {"seq_len", e.default_seq_len},
                   {"image_size", e.image_size},
                   {"layers", g.size()},
                   {"forward_flops_per_sample", g.forward_flops_per_sample()},
                   {"backward_flops_per_sample", g.backward_flops_per_sample()},
                   {"description", e.description}});
    t.add_row({e.name, std::string(models::to_string(e.family)), std::to_string(g.total_params()), input,
               sim::fixed(g.forward_flops_per_sample() / 1e9, 1), e.description});
  }
  if (json) {
    std::cout << all.dump(2) << "\n";
  } else {
    t.print(std::cout);
  }
  return 0;
}

int cmd_hardware(bool json) {
  const auto& cat = models::Catalogue::builtin();
  if (json) {
    models::Json out{
        {"gpus", models::Json::array()}, {"links", models::Json::array()}, {"nodes", models::Json::array()}};
    for (const auto& [name, g] : cat.gpus()) {
      models::Json peaks;
      for (const auto& [p, v] : g.peak_flops) peaks[std::string(models::to_string(p))] = v;
      models::Json j{{"name", name},
                     {"description", g.description},
                     {"peak_flops", peaks},
                     {"vector_flops", g.vector_flops},
                     {"memory_bytes", g.memory_bytes},
                     {"memory_bandwidth_bytes_per_s", g.memory_bandwidth_bytes_per_s},
                     {"compute_efficiency", g.compute_efficiency},
                     {"memory_efficiency", g.memory_efficiency},
                     {"sustained_clock_ratio", g.sustained_clock_ratio},
                     {"reserved_bytes", g.reserved_bytes},
                     {"launch_overhead_s", g.launch_overhead_s},
                     {"matrix_kernel_fixed_s", g.matrix_kernel_fixed_s}};
      if (g.compute_capability > 0) j["compute_capability"] = g.compute_capability / 10.0;
      if (g.multiprocessors > 0) j["multiprocessors"] = g.multiprocessors;
      if (g.price_per_hour) j["price_per_hour_usd"] = *g.price_per_hour;
      out["gpus"].push_back(j);
    }
    for (const auto& [name, l] : cat.links())
      out["links"].push_back({{"name", name},
                              {"description", l.description},
                              {"bandwidth_bytes_per_s", l.bandwidth_bytes_per_s},
                              {"latency_s", l.latency_s}});
    for (const auto& [name, n] : cat.nodes()) {
      models::Json j{{"name", name},
                     {"description", n.description},
                     {"gpu", n.gpu},
                     {"gpus_per_node", n.gpus_per_node},
                     {"fabric", std::string(models::to_string(n.fabric))},
                     {"intra_link", n.intra_link},
                     {"nics", n.nics},
                     {"nic_link", n.nic_link}};
      if (n.fabric == models::IntraFabric::Pcie) {
        j["pcie_switches"] = n.pcie_switches;
        j["host_link"] = n.host_link;
        j["sockets"] = n.sockets;
        if (n.sockets > 1) j["socket_link"] = n.socket_link;
      }
      out["nodes"].push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "GPUs (" << models::Catalogue::default_dir() << "/gpus)\n";
  sim::Table gpus({"name", "bf16", "fp32 matrix", "memory", "bandwidth", "efficiency (compute/memory)", "$/GPU-hour",
                   "description"});
  for (const auto& [name, g] : cat.gpus()) {
    const auto bf16 = g.peak_flops.find(models::Precision::Bf16);
    gpus.add_row({name, bf16 == g.peak_flops.end() ? "-" : sim::human_rate(bf16->second, "FLOP/s"),
                  sim::human_rate(g.matrix_peak(models::Precision::Fp32), "FLOP/s"), sim::human_bytes(g.memory_bytes),
                  sim::human_rate(g.memory_bandwidth_bytes_per_s, "B/s"),
                  sim::fixed(g.compute_efficiency, 2) + " / " + sim::fixed(g.memory_efficiency, 2) +
                      (g.sustained_clock_ratio < 1 ? ", clock " + sim::fixed(g.sustained_clock_ratio, 2) : ""),
                  g.price_per_hour ? sim::fixed(*g.price_per_hour, 2) : "-", g.description});
  }
  gpus.print(std::cout);
  std::cout << "\nLinks (bandwidth per direction)\n";
  sim::Table links({"name", "bandwidth", "latency", "description"});
  for (const auto& [name, l] : cat.links())
    links.add_row({name, sim::human_rate(l.bandwidth_bytes_per_s, "B/s"), sim::human_time(l.latency_s), l.description});
  links.print(std::cout);
  std::cout << "\nNode presets\n";
  sim::Table nodes({"name", "GPUs", "fabric", "intra link", "NICs", "description"});
  for (const auto& [name, n] : cat.nodes())
    nodes.add_row({name, std::to_string(n.gpus_per_node) + " x " + n.gpu, std::string(models::to_string(n.fabric)),
                   n.intra_link, std::to_string(n.nics) + " x " + n.nic_link, n.description});
  nodes.print(std::cout);
  return 0;
}

}  // namespace dpcast::cli
