// dpcast collective: one collective over a range of sizes, printed as nccl-tests prints it
// (size, count, type, redop, time, algbw, busbw) plus the algorithm and protocol chosen per
// row, so that it diffs line by line against an all_reduce_perf log.
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/units.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

namespace dpcast::cli {
namespace {

using models::CollectiveOp;

// nccl-tests' size arguments: a number with an optional K, M or G (powers of 1024).
double parse_size(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw Error(option + ": expected a size such as 8, 64K, 1M or 8G, got '" + text + "'");
  }
  std::string unit = text.substr(used);
  double scale = 1;
  if (unit == "K" || unit == "k")
    scale = 1024.0;
  else if (unit == "M" || unit == "m")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g")
    scale = 1024.0 * 1024 * 1024;
  else if (!unit.empty())
    throw Error(option + ": unknown unit '" + unit + "' in '" + text + "' (K, M or G)");
  if (!(value > 0)) throw Error(option + ": a size must be positive, got '" + text + "'");
  return std::floor(value * scale);
}

std::vector<double> sizes_of(const CollectiveArgs& a) {
  const double begin = parse_size("-b", a.begin), end = parse_size("-e", a.end);
  if (end < begin) throw Error("-e: the last size (" + a.end + ") is below the first (" + a.begin + ")");
  if (!(a.factor > 1)) throw Error("-f: the size factor must be above 1, got " + std::to_string(a.factor));
  std::vector<double> out;
  for (double s = begin; s <= end * (1 + 1e-12); s = std::floor(s * a.factor)) out.push_back(s);
  return out;
}

// GPUs per node for `gpus` GPUs on nodes of `node_gpus`: all on one node when they fit.
int gpus_per_node(int gpus, int node_gpus) {
  const int per_node = std::min(gpus, node_gpus);
  if (gpus % per_node != 0)
    throw Error("--gpus: " + std::to_string(gpus) + " GPUs do not fill nodes of " + std::to_string(per_node) +
                " (--gpus-per-node)");
  return per_node;
}

// The scenario text for `gpus` GPUs of a node preset (the collective needs no model, but a
// scenario has one: the smallest of the zoo).
std::string scenario_text(const CollectiveArgs& a, int gpus) {
  const auto& node = models::Catalogue::builtin().node(a.node);
  const int per_node =
      a.gpus_per_node > 0 ? gpus_per_node(gpus, a.gpus_per_node) : gpus_per_node(gpus, node.gpus_per_node);
  std::ostringstream text;
  text << "name: collective\nmodel: mlp\ncluster:\n  node: " << a.node << "\n  nodes: " << gpus / per_node
       << "\n  gpus_per_node: " << per_node << "\n";
  if (!a.link.empty()) text << "  network:\n    link: " << a.link << "\n";
  text << "data_parallel:\n  collective: " << a.algorithm << "\n";
  if (!a.library.empty()) text << "  library: " << a.library << "\n";
  return text.str();
}

// --nccl-algorithm, --nccl-protocol and the network options, as scenario keys (they override
// a scenario's).
std::vector<models::KeyOverride> option_overrides(const CollectiveArgs& a) {
  std::vector<models::KeyOverride> out;
  for (const auto& [option, key, value] :
       {std::tuple{"--nccl-algorithm", "data_parallel.nccl_algorithm", a.nccl_algorithm},
        std::tuple{"--nccl-protocol", "data_parallel.nccl_protocol", a.nccl_protocol},
        std::tuple{"--topology", "cluster.network.topology", a.topology},
        std::tuple{"--oversubscription", "cluster.network.oversubscription", a.oversubscription},
        std::tuple{"--nodes-per-leaf", "cluster.network.nodes_per_leaf", a.nodes_per_leaf}})
    if (!value.empty()) out.push_back({key, models::YamlValue(option, YAML::Node(value), key)});
  if (a.sharp) out.push_back({"cluster.network.sharp", models::YamlValue("--sharp", YAML::Node(true), "--sharp")});
  return out;
}

models::Scenario scenario_for(const CollectiveArgs& a, int gpus, const models::Catalogue& catalogue) {
  if (a.scenario.empty())
    return models::parse_scenario_with(scenario_text(a, gpus), "dpcast collective", option_overrides(a), catalogue);
  // A scenario's cluster, with its GPU count set.
  const auto base = models::load_scenario_with(a.scenario, {}, catalogue);
  const int per_node = gpus_per_node(gpus, base.cluster.gpus_per_node);
  auto value = [](const std::string& path, int n) {
    return models::YamlValue("--gpus", YAML::Load(std::to_string(n)), path);
  };
  auto overrides = option_overrides(a);
  overrides.push_back({"cluster.nodes", value("cluster.nodes", gpus / per_node)});
  overrides.push_back({"cluster.gpus_per_node", value("cluster.gpus_per_node", per_node)});
  return models::load_scenario_with(a.scenario, overrides, catalogue);
}

// One row, in nccl-tests' terms (count: 4-byte floats per rank's buffer, see count_of).
struct Row {
  double bytes = 0;
  double count = 0;
  double time_us = 0;
  double algbw_GBps = 0;
  double busbw_GBps = 0;
  std::string algorithm;
};

// nccl-tests' count column: elements per rank's buffer (the all-gather's input, the
// reduce-scatter's output), 4-byte floats.
double count_of(CollectiveOp op, double bytes, int gpus) {
  const bool per_rank = op == CollectiveOp::AllGather || op == CollectiveOp::ReduceScatter;
  return std::floor(bytes / 4 / (per_rank ? gpus : 1));
}

double timed(const CollectiveArgs& a, const models::Scenario& s, const sim::CollectiveChoice& choice, CollectiveOp op,
             double bytes) {
  if (a.engine == "analytical") return choice.time_s;
#ifdef DPCAST_HAVE_DES
  return sim::DesEngine{}.collective_time(s, choice, op, bytes);
#else
  (void)s, (void)op, (void)bytes;
  throw Error("--engine: 'des' is not available in this build (needs SimGrid)");
#endif
}

std::vector<Row> rows_for(const CollectiveArgs& a, const models::Scenario& s, CollectiveOp op,
                          const std::vector<double>& sizes) {
  const sim::NetworkPath path = sim::NetworkPath::from(s);
  const int gpus = s.cluster.gpus();
  std::vector<Row> rows;
  for (double bytes : sizes) {
    const auto choice = sim::choose_collective(s.data_parallel.collective, op, bytes, path);
    const double seconds = timed(a, s, choice, op, bytes);
    Row r;
    r.bytes = bytes;
    r.count = count_of(op, bytes, gpus);
    r.time_us = seconds * 1e6;
    r.algbw_GBps = bytes / seconds / 1e9;
    r.busbw_GBps = r.algbw_GBps * sim::bus_bandwidth_factor(op, gpus);
    r.algorithm = choice.label();
    if (choice.nccl) r.algorithm += ", " + std::to_string(choice.nccl->channels) + " channels";
    rows.push_back(r);
  }
  return rows;
}

// ", NCCL_ALGO=ring, NCCL_PROTO=Simple" where the scenario restricts NCCL's choice.
std::string nccl_restriction(const models::DataParallelSpec& d) {
  std::string out;
  if (d.nccl_algorithm) out += ", NCCL_ALGO=" + std::string(models::to_string(*d.nccl_algorithm));
  if (d.nccl_protocol) out += ", NCCL_PROTO=" + std::string(models::to_string(*d.nccl_protocol));
  return out;
}

std::string cluster_line(const models::Scenario& s) {
  const auto& c = s.cluster;
  return std::to_string(c.gpus()) + " GPUs (" + std::to_string(c.nodes) + " x " + std::to_string(c.gpus_per_node) +
         " " + c.gpu_entry->name + " on " + c.node + ", " + std::to_string(c.nics) + " x " + c.nic_link->name +
         (c.nodes > 1 ? ", " + models::network_label(s) : std::string()) + "), library " +
         std::string(models::to_string(s.communication_library())) + ", collective " +
         std::string(models::to_string(s.data_parallel.collective)) + nccl_restriction(s.data_parallel);
}

void table(std::ostream& out, const CollectiveArgs& a, CollectiveOp op, const models::Scenario& s,
           const std::vector<Row>& rows) {
  const bool reduces = op != CollectiveOp::AllGather && op != CollectiveOp::Broadcast;
  out << "# dpcast collective: " << models::to_string(op) << " on " << cluster_line(s) << ", engine " << a.engine
      << "\n#\n";
  out << "#" << std::setw(11) << "size" << std::setw(13) << "count" << std::setw(7) << "type" << std::setw(7) << "redop"
      << std::setw(11) << "time" << std::setw(8) << "algbw" << std::setw(8) << "busbw"
      << "  algorithm\n";
  out << "#" << std::setw(11) << "(B)" << std::setw(13) << "(elements)" << std::setw(25) << "(us)" << std::setw(8)
      << "(GB/s)" << std::setw(8) << "(GB/s)\n";
  for (const auto& r : rows) {
    out << std::setw(12) << std::fixed << std::setprecision(0) << r.bytes << std::setw(13) << r.count << std::setw(7)
        << "float" << std::setw(7) << (reduces ? "sum" : "none") << std::setw(11) << std::setprecision(1) << r.time_us
        << std::setw(8) << std::setprecision(2) << r.algbw_GBps << std::setw(8) << r.busbw_GBps << "  " << r.algorithm
        << "\n";
  }
  out.unsetf(std::ios::floatfield);
}

}  // namespace

int cmd_collective(const CollectiveArgs& a) {
  std::string op_name = a.op;  // all_reduce as nccl-tests names its binaries, or all-reduce
  for (auto& ch : op_name)
    if (ch == '_') ch = '-';
  const auto op = models::enum_from_name<CollectiveOp>(op_name);
  if (!op)
    throw Error("--op: unknown collective '" + a.op + "'" +
                models::suggestion(a.op, models::enum_names<CollectiveOp>()));
  if (a.engine != "analytical" && a.engine != "des")
    throw Error("--engine: unknown engine '" + a.engine + "' (engines: analytical, des)");
  if (a.gpus.empty()) throw Error("--gpus: name at least one GPU count");
  if (a.scenario.empty() && a.node.empty()) throw Error("dpcast collective: name a --node preset or a scenario file");
  const auto sizes = sizes_of(a);
  // A calibrated profile (dpcast calibrate --nccl-tests) replaces the catalogue's figures.
  const models::Catalogue catalogue =
      a.profile.empty() ? models::Catalogue::builtin()
                        : models::apply_profile(models::Catalogue::builtin(), models::load_profile(a.profile));
  std::ostringstream text;
  nlohmann::json all = nlohmann::json::array();
  if (a.csv) text << "gpus,nodes,size_bytes,count,time_us,algbw_GBps,busbw_GBps,algorithm\n";
  for (int gpus : a.gpus) {
    if (gpus < 2) throw Error("--gpus: a collective needs at least 2 GPUs, got " + std::to_string(gpus));
    const auto s = scenario_for(a, gpus, catalogue);
    const auto rows = rows_for(a, s, *op, sizes);
    if (a.json) {
      nlohmann::json j{{"op", models::to_string(*op)}, {"gpus", gpus},       {"nodes", s.cluster.nodes},
                       {"cluster", cluster_line(s)},   {"engine", a.engine}, {"rows", nlohmann::json::array()}};
      for (const auto& r : rows)
        j["rows"].push_back({{"size_bytes", r.bytes},
                             {"count", r.count},
                             {"time_us", r.time_us},
                             {"algbw_GBps", r.algbw_GBps},
                             {"busbw_GBps", r.busbw_GBps},
                             {"algorithm", r.algorithm}});
      all.push_back(j);
    } else if (a.csv) {
      for (const auto& r : rows)
        text << gpus << "," << s.cluster.nodes << "," << static_cast<std::int64_t>(r.bytes) << ","
             << static_cast<std::int64_t>(r.count) << "," << r.time_us << "," << r.algbw_GBps << "," << r.busbw_GBps
             << ",\"" << r.algorithm << "\"\n";
    } else {
      if (gpus != a.gpus.front()) text << "\n";
      table(text, a, *op, s, rows);
    }
  }
  emit(a.json ? all.dump(2) + "\n" : text.str(), a.output);
  return 0;
}

}  // namespace dpcast::cli
