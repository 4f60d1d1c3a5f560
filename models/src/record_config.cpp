#include "dpcast/models/record_config.hpp"

#include "dpcast/models/scenario_yaml.hpp"

#include <cmath>
#include <cstdio>

namespace dpcast::models {

namespace {
std::string ratio(double r) {
  char text[32];
  std::snprintf(text, sizeof text, r == std::floor(r) ? "%.0f:1" : "%.1f:1", r);
  return text;
}
}  // namespace

std::string network_label(const Scenario& s) {
  const auto& n = s.cluster.network;
  std::string label(to_string(n.topology));
  if (n.topology != Topology::SingleSwitch && n.levels == 3) label += " 3-level";
  label.append(" ").append(n.link);
  // A fat-tree always states its oversubscription; a rail-optimized network when it has one.
  if (n.topology == Topology::FatTree || (n.topology == Topology::RailOptimized && n.oversubscription != 1))
    label.append(" ").append(ratio(n.oversubscription));
  if (n.levels == 3 && n.pod_oversubscription != 1) label.append(" pods ").append(ratio(n.pod_oversubscription));
  // Where the job sits and what else uses the uplinks, when not the defaults.
  const auto& c = s.cluster;
  if (c.placement == Placement::Spread) label += ", spread";
  if (c.placement == Placement::Random) label += ", random placement (seed " + std::to_string(c.placement_seed) + ")";
  if (n.leaves > 0 && c.placement != Placement::Contiguous) label += " over " + std::to_string(n.leaves) + " leaves";
  if (n.background) label += ", " + std::to_string(static_cast<int>(std::lround(100 * *n.background))) + "% background";
  if (n.sharp) label += ", SHARP";
  return label;
}

RunRecord configured_record(const Scenario& s, const ModelGraph& graph, bool with_scenario_yaml) {
  RunRecord r;
  r.scenario_name = s.name;
  r.scenario_file = s.file;
  if (with_scenario_yaml) r.scenario_yaml = scenario_yaml(s);
  r.sweep_point = s.sweep_point;
  r.model = s.model.label;
  r.gpu = s.cluster.gpu_entry ? s.cluster.gpu_entry->name : s.cluster.gpu;
  r.node = s.cluster.node;
  r.network = network_label(s);
  r.nodes = s.cluster.nodes;
  r.gpus_per_node = s.cluster.gpus_per_node;
  r.gpus = s.cluster.gpus();
  r.micro_batch = s.training.micro_batch;
  r.seq_len = s.seq_len();
  r.grad_accumulation = s.training.grad_accumulation;
  r.global_batch = r.gpus * r.micro_batch * r.grad_accumulation;
  r.precision = std::string(to_string(s.training.precision));
  r.optimizer = std::string(to_string(s.training.optimizer));
  r.zero_stage = s.data_parallel.zero_stage;
  r.bucket_bytes = s.data_parallel.bucket_bytes();
  r.params = graph.total_params();
  return r;
}

}  // namespace dpcast::models
