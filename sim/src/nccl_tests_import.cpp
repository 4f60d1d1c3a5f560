// dpcast calibrate --nccl-tests: see nccl_tests_import.hpp.
#include "dpcast/sim/nccl_tests_import.hpp"

#include <algorithm>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace {

struct Topology {
  int nodes = 1;
  int gpus_per_node = 1;
  std::string from;  // how it was found, for the report
};

Topology topology_of(const AllreduceLog& log, const std::string& file, const NcclTestsImport& how,
                     const models::NodePreset& preset) {
  if (log.ranks > 0 && how.ranks > 0 && log.ranks != how.ranks)
    throw Error("dpcast calibrate: " + file + ": the log's rank lines say " + std::to_string(log.ranks) +
                " ranks, --ranks says " + std::to_string(how.ranks));
  int ranks = log.ranks > 0 ? log.ranks : how.ranks;
  if (ranks == 0 && how.nodes > 0 && how.gpus_per_node > 0) ranks = how.nodes * how.gpus_per_node;
  if (ranks == 0)
    throw Error("dpcast calibrate: " + file +
                ": the log has no rank lines (\"#  Rank  0 ... on HOST device 0\"), so it does not say how many "
                "ranks ran; give --ranks, or --nodes and --gpus-per-node");
  if (ranks < 2) throw Error("dpcast calibrate: " + file + ": one rank has no collective to measure");
  Topology t;
  if (how.nodes > 0) {
    t.nodes = how.nodes;
    t.from = "--nodes";
  } else if (!log.hosts.empty() && log.ranks > 0) {
    t.nodes = static_cast<int>(log.hosts.size());
    t.from = "the log's rank lines";
  } else if (how.gpus_per_node > 0) {
    t.nodes = std::max(1, ranks / how.gpus_per_node);
    t.from = "--gpus-per-node";
  } else {
    t.nodes = ranks <= preset.gpus_per_node ? 1 : ranks / preset.gpus_per_node;
    t.from = "the node preset's " + std::to_string(preset.gpus_per_node) + " GPUs per node";
  }
  t.gpus_per_node = how.gpus_per_node > 0 ? how.gpus_per_node : ranks / t.nodes;
  if (t.nodes * t.gpus_per_node != ranks)
    throw Error("dpcast calibrate: " + file + ": " + std::to_string(ranks) + " ranks do not fill " +
                std::to_string(t.nodes) + " nodes of " + std::to_string(t.gpus_per_node) +
                " GPUs (--nodes, --gpus-per-node)");
  if (t.gpus_per_node > preset.gpus_per_node)
    throw Error("dpcast calibrate: " + file + ": " + std::to_string(t.gpus_per_node) + " ranks per node, but " +
                preset.name + " has " + std::to_string(preset.gpus_per_node) + " GPUs");
  return t;
}

models::CollectiveOp op_of(const AllreduceLog& log, const NcclTestsImport& how) {
  if (how.op.empty()) return log.op.value_or(models::CollectiveOp::AllReduce);
  std::string name = how.op;
  std::replace(name.begin(), name.end(), '_', '-');
  if (const auto op = models::enum_from_name<models::CollectiveOp>(name)) return *op;
  throw Error("dpcast calibrate: --op: expected all-reduce, all-gather, reduce-scatter, broadcast or reduce, got '" +
              how.op + "'");
}

models::Scenario scenario_of(const NcclTestsImport& how, const Topology& t, const std::string& file,
                             const models::Catalogue& catalogue) {
  std::ostringstream text;
  text << "name: nccl-tests\nmodel: mlp\ncluster:\n  node: " << how.node << "\n  nodes: " << t.nodes
       << "\n  gpus_per_node: " << t.gpus_per_node << "\n";
  if (!how.link.empty()) text << "  network: {link: " << how.link << "}\n";
  auto s = models::parse_scenarios(text.str(), file, catalogue).front();
  if (s.communication_library() != models::CommLibrary::Nccl)
    throw Error("dpcast calibrate: " + file + ": nccl-tests runs NCCL, and " + s.cluster.gpu_entry->name + " on " +
                how.node + " has no NCCL (no compute_capability in the catalogue)");
  return s;
}

std::string report(const std::string& file, models::CollectiveOp op, const models::Scenario& s, const Topology& t,
                   const models::EfficiencyCurve& curve, const AllreduceLog& log) {
  const auto& c = s.cluster;
  const auto& [largest, ratio] = curve.points.back();
  double measured_s = 0;  // the log's mean time at its largest size
  int repeats = 0;
  for (const auto& x : log.samples)
    if (x.size == largest) {
      measured_s += x.seconds;
      ++repeats;
    }
  measured_s /= repeats;
  const double busbw = largest / measured_s * bus_bandwidth_factor(op, c.gpus());
  const bool across = c.nodes > 1;
  std::ostringstream line;
  line << "nccl-tests " << file << ": " << models::to_string(op) << " on " << c.gpus() << " ranks (" << c.nodes << " x "
       << c.gpus_per_node << " " << c.gpu_entry->name << " on " << c.node << ", nodes from " << t.from << "), "
       << log.samples.size() << " sizes; link " << (across ? c.nic_link->name : c.intra_link->name)
       << (across ? " (the NICs, " + std::to_string(c.nics) + " per node)" : std::string(" (inside the node)"))
       << ": measured / dpcast's NCCL time " << fixed(ratio, 2) << " at " << human_bytes(largest) << " (busbw "
       << fixed(busbw / 1e9, 1) << " GB/s measured, " << fixed(busbw * ratio / 1e9, 1) << " modelled), "
       << ratio_range(curve) << "; NCCL's collectives " << (across ? "across nodes" : "inside a node")
       << " on this link now take the measured curve";
  return line.str();
}

}  // namespace

Calibration calibrate_from_nccl_tests(const AllreduceLog& log, const std::string& file, const NcclTestsImport& how,
                                      const models::Catalogue& catalogue) {
  if (how.node.empty())
    throw Error("dpcast calibrate: --nccl-tests needs --node, the node preset " + file +
                " ran on (dgx-a100, p5-48xlarge, ...): NCCL's model takes its GPUs, links and NICs from it");
  const auto& preset = catalogue.node(how.node);
  const Topology t = topology_of(log, file, how, preset);
  const auto op = op_of(log, how);
  const auto s = scenario_of(how, t, file, catalogue);
  const auto path = NetworkPath::from(s);
  const auto curve = measured_over_model(
      log.samples, [&](double bytes) { return choose_collective(models::Collective::Auto, op, bytes, path).time_s; });
  const models::Link& bound = s.cluster.nodes > 1 ? *s.cluster.nic_link : *s.cluster.intra_link;
  Calibration c;
  models::Link link = catalogue.link(bound.name);
  link.nccl_time_ratio = curve;
  c.profile.links[link.name] = link;
  c.profile.source = "nccl-tests " + file;
  c.report.push_back(report(file, op, s, t, curve, log));
  return c;
}

}  // namespace dpcast::sim
