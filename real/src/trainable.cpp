#include "dpcast/real/trainable.hpp"

#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "dpcast/real/graph_plan.hpp"
#include "dpcast/real/synthetic_data.hpp"

namespace dpcast::real {
namespace {
std::vector<std::string> split(const std::string& dotted) {
  std::vector<std::string> parts;
  std::stringstream in(dotted);
  for (std::string p; std::getline(in, p, '.');) parts.push_back(p);
  return parts;
}
}  // namespace

SourceLocation locate(const models::Scenario& s, const std::string& key) {
  if (s.locations.count(key)) return s.where(key);
  SourceLocation best{s.file, 0, 0};
  if (s.file.empty()) return best;
  try {
    YAML::Node node = models::load_yaml_file(s.file);
    for (const std::string& part : split(key)) {
      if (!node.IsMap() || !node[part]) break;
      node.reset(node[part]);
      best = models::location_of(s.file, node);
    }
  } catch (const std::exception&) {
    // The file parsed before; if it cannot be read again the file name alone will do.
  }
  return best;
}

models::Scenario choose_configuration(const std::vector<models::Scenario>& all, std::optional<int> config) {
  if (all.empty()) throw Error("the scenario has no configuration");
  const int last = static_cast<int>(all.size()) - 1;
  if (config) {
    if (*config < 0 || *config > last)
      throw Error("--config: " + std::to_string(*config) + " is out of range (0.." + std::to_string(last) + ")");
    return all[static_cast<std::size_t>(*config)];
  }
  if (all.size() > 1)
    throw Error(locate(all.front(), "sweep"), "sweep",
                std::to_string(all.size()) + " configurations; dpcast-train trains one: choose it with --config 0.." +
                    std::to_string(last));
  return all.front();
}

void check_trainable(const models::Scenario& s, const std::string& backend) {
  const auto& t = s.training;
  const auto& d = s.data_parallel;
  if (backend == "cpu" && t.precision != models::Precision::Fp32) {
    const bool written = s.locations.count("training.precision") > 0;
    throw Error(locate(s, "training.precision"), "training.precision",
                "the CPU backend trains in fp32, got " + std::string(models::to_string(t.precision)) +
                    (written ? "" : " (" + s.cluster.gpu + "'s default); set precision: fp32"));
  }
  if (d.zero_stage != 0)
    throw Error(locate(s, "data_parallel.zero_stage"), "data_parallel.zero_stage",
                "the real backend runs ZeRO stage 0 only (every rank keeps all parameters), got " +
                    std::to_string(d.zero_stage));
  if (d.collective != models::Collective::Auto)
    throw Error(locate(s, "data_parallel.collective"), "data_parallel.collective",
                std::string("the real backend all-reduces with ") + (backend == "cuda" ? "NCCL" : "MPI") +
                    ", which chooses its own algorithm: use auto, not " + std::string(models::to_string(d.collective)));
  // Unwritten, the key means whatever the backend does; written, it must be what it does.
  if (d.gradient_copies != models::GradientCopies::None && s.locations.count("data_parallel.gradient_copies") > 0)
    throw Error(locate(s, "data_parallel.gradient_copies"), "data_parallel.gradient_copies",
                "the real backend all-reduces each bucket's gradients in place and copies none: write none or leave "
                "the key out, not " +
                    std::string(models::to_string(d.gradient_copies)));
  if (t.compute_noise.enabled())
    throw Error(locate(s, "training.compute_noise"), "training.compute_noise",
                "simulates stragglers for predictions; a measured run has its own (remove it)");
  if (t.attention != models::AttentionKernel::Eager)
    throw Error(locate(s, "training.attention"), "training.attention",
                "the real backend runs eager attention, not flash");
  if (t.dropout > 0)
    throw Error(locate(s, "training.dropout"), "training.dropout",
                "the real backend trains without dropout (remove it)");
  if (t.activation_checkpointing)
    throw Error(locate(s, "training.activation_checkpointing"), "training.activation_checkpointing",
                "the real backend keeps every activation; set it to false");
}

void check_world_size(const models::Scenario& s, int ranks, const std::string& unit, const std::string& start) {
  const int workers = s.cluster.gpus();
  if (workers == ranks) return;
  throw Error(locate(s, "cluster"), "cluster",
              "'" + s.name + "' trains on " + std::to_string(workers) + " worker" + (workers == 1 ? "" : "s") + " (" +
                  std::to_string(s.cluster.nodes) + " node" + (s.cluster.nodes == 1 ? "" : "s") + " x " +
                  std::to_string(s.cluster.gpus_per_node) + ") but runs on " + std::to_string(ranks) + " " + unit +
                  (ranks == 1 ? "" : "s") + "; start it with " + start + " " + std::to_string(workers));
}

models::ModelGraph trainable_graph(const models::Scenario& s) {
  try {
    models::ModelGraph graph = s.model.build(s.seq_len());
    const GraphPlan plan(graph);
    (void)SyntheticData(plan, 0);  // data the backend can make for it
    return graph;
  } catch (const Error& e) {
    if (!e.where().file.empty()) throw;
    throw Error(s.where("model"), "model", e.detail());
  }
}

}  // namespace dpcast::real
