#include "dpcast/models/plan_spec.hpp"

#include <algorithm>

#include "dpcast/models/input_file.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
namespace {

std::vector<std::string> names_of_gpus(const Catalogue& c) {
  std::vector<std::string> out;
  for (const auto& [n, _] : c.gpus()) out.push_back(n);
  return out;
}

// A list of catalogue names, each checked (with a did-you-mean at the entry).
template <typename Find>
std::vector<std::string> name_list(const YamlValue& v, Find find, const std::vector<std::string>& known,
                                   const char* what) {
  std::vector<std::string> out;
  const auto items = v.as_list();
  if (items.empty()) v.fail("expected a non-empty list");
  for (const auto& item : items) {
    const std::string name = item.as_string();
    if (!find(name)) item.fail("unknown " + std::string(what) + " '" + name + "'" + suggestion(name, known));
    out.push_back(name);
  }
  return out;
}

template <typename T>
std::vector<T> int_list(const YamlValue& v, std::int64_t lo, std::int64_t hi) {
  std::vector<T> out;
  const auto items = v.as_list();
  if (items.empty()) v.fail("expected a non-empty list");
  for (const auto& item : items) out.push_back(static_cast<T>(item.as_int_in(lo, hi)));
  return out;
}

}  // namespace

std::vector<int> node_range(int low, int high) {
  std::vector<int> out;
  for (std::int64_t n = 1; n <= high; n *= 2)
    if (n >= low) out.push_back(static_cast<int>(n));
  if (out.empty() || out.back() != high) out.push_back(high);
  return out;
}

namespace {

// Remembers where a key was written, for errors found after parsing.
void note(PlanSpec& p, const std::optional<YamlValue>& v) {
  if (v) p.locations[v->path()] = v->where();
}

// target: {tokens: N} or {samples: N}.
void read_target(MapReader& r, const Scenario& base, PlanSpec& p) {
  MapReader target = r.map("target");
  if (!r.has("target")) r.fail("needs target: {tokens: N} or {samples: N}");
  target.declare({"tokens", "samples"});
  auto tokens = target.optional("tokens");
  auto samples = target.optional("samples");
  note(p, tokens);
  note(p, samples);
  if (tokens && samples) samples->fail("give tokens or samples, not both");
  if (!tokens && !samples) target.fail("needs tokens or samples");
  if (tokens) {
    p.target_tokens = tokens->as_positive_number();
    if (!base.model.is_sequence_model()) tokens->fail(base.model.label + " is not a sequence model: give samples");
  }
  if (samples) p.target_samples = samples->as_positive_number();
  target.finish();
}

// deadline_hours, budget_usd and max_global_batch, each optional.
void read_constraints(MapReader& r, PlanSpec& p) {
  if (auto v = r.optional("deadline_hours")) note(p, v), p.deadline_s = v->as_positive_number() * 3600;
  if (auto v = r.optional("budget_usd")) note(p, v), p.budget_usd = v->as_positive_number();
  if (auto v = r.optional("max_global_batch")) note(p, v), p.max_global_batch = v->as_int_in(1, 1'000'000'000'000);
}

// gpus and node_presets; either defaults from the other, both from the scenario's node.
void read_gpus_and_presets(MapReader& r, const Scenario& base, const Catalogue& cat, PlanSpec& p) {
  if (auto v = r.optional("gpus"))
    p.gpus = name_list(
        *v, [&](const std::string& n) { return cat.find_gpu(n) != nullptr; }, names_of_gpus(cat), "GPU");
  if (auto v = r.optional("node_presets")) {
    std::vector<std::string> known;
    for (const auto& [n, _] : cat.nodes()) known.push_back(n);
    p.node_presets = name_list(
        *v, [&](const std::string& n) { return cat.find_node(n) != nullptr; }, known, "node preset");
  }
  if (p.gpus.empty() && p.node_presets.empty()) p.node_presets = {base.cluster.node};
  if (p.node_presets.empty()) {
    for (const auto& [name, preset] : cat.nodes())
      if (std::find(p.gpus.begin(), p.gpus.end(), preset.gpu) != p.gpus.end()) p.node_presets.push_back(name);
    if (p.node_presets.empty())
      r.required("gpus").fail("no node preset of the catalogue has these GPUs; give node_presets");
  }
  if (p.gpus.empty())
    for (const auto& n : p.node_presets) {
      const std::string g = n == base.cluster.node ? base.cluster.gpu : cat.node(n).gpu;
      if (std::find(p.gpus.begin(), p.gpus.end(), g) == p.gpus.end()) p.gpus.push_back(g);
    }
}

// Node counts: {min, max} (powers of two and max) or a list.
std::vector<int> node_counts(const YamlValue& v) {
  if (!v.node().IsMap()) return int_list<int>(v, 1, 1'000'000);
  MapReader range(v);
  const int low = static_cast<int>(range.int_in("min", 1, 1'000'000, 1));
  const YamlValue high_value = range.required("max");
  const int high = static_cast<int>(high_value.as_int_in(1, 1'000'000));
  if (high < low) high_value.fail("max " + std::to_string(high) + " is below min " + std::to_string(low));
  range.finish();
  return node_range(low, high);
}

// nodes: counts for every preset (default 1 to the scenario's nodes), or a map from preset to
// counts ("8 H100 nodes or 16 A100 nodes"); a preset the map leaves out keeps the default.
void read_nodes(MapReader& r, const Scenario& base, PlanSpec& p) {
  p.nodes = node_range(1, std::max(1, base.cluster.nodes));
  auto v = r.optional("nodes");
  if (!v) return;
  note(p, v);
  const bool by_preset = v->node().IsMap() && !v->node()["min"] && !v->node()["max"];
  if (!by_preset) {
    p.nodes = node_counts(*v);
    return;
  }
  MapReader presets(*v);
  for (const auto& entry : v->node()) {
    const std::string name = entry.first.Scalar();
    if (std::find(p.node_presets.begin(), p.node_presets.end(), name) == p.node_presets.end()) {
      std::string plan_presets;
      for (const auto& n : p.node_presets) plan_presets += (plan_presets.empty() ? "" : ", ") + n;
      throw Error(
          location_of(v->file(), entry.first), v->path() + "." + name,
          "not a node preset of this plan" + suggestion(name, p.node_presets) + "; its node_presets: " + plan_presets);
    }
    p.nodes_by_preset[name] = node_counts(presets.required(name));
  }
  presets.finish();
}

// links and topologies (left out: the scenario's).
void read_network_choices(MapReader& r, const Scenario& base, const Catalogue& cat, PlanSpec& p) {
  if (auto v = r.optional("links")) {
    std::vector<std::string> known;
    for (const auto& [n, _] : cat.links()) known.push_back(n);
    p.links = name_list(
        *v, [&](const std::string& n) { return cat.find_link(n) != nullptr; }, known, "link");
  }
  if (auto v = r.optional("topologies")) {
    const auto items = v->as_list();
    if (items.empty()) v->fail("expected a non-empty list");
    for (const auto& item : items) p.topologies.push_back(item.as_enum<Topology>());
  } else {
    p.topologies = {base.cluster.network.topology};
  }
}

// micro_batch, grad_accumulation and zero_stage lists (default: the scenario's value).
void read_training_choices(MapReader& r, const Scenario& base, PlanSpec& p) {
  if (auto v = r.optional("micro_batch"))
    p.micro_batches = int_list<std::int64_t>(*v, 1, 1'000'000'000);
  else
    p.micro_batches = {base.training.micro_batch};
  if (auto v = r.optional("grad_accumulation"))
    p.grad_accumulations = int_list<std::int64_t>(*v, 1, 1'000'000'000);
  else
    p.grad_accumulations = {base.training.grad_accumulation};
  if (auto v = r.optional("zero_stage")) {
    p.zero_stages = int_list<int>(*v, 0, 3);
    if (base.data_parallel.collective == Collective::ParameterServer)
      for (int z : p.zero_stages)
        if (z > 0) v->fail("ZeRO does not combine with the scenario's parameter server");
  } else {
    p.zero_stages = {base.data_parallel.zero_stage};
  }
}

// prices: {gpu: USD per GPU-hour}, each key a catalogue GPU.
void read_prices(MapReader& r, const std::string& file, const Catalogue& cat, PlanSpec& p) {
  auto v = r.optional("prices");
  if (!v) return;
  MapReader prices(*v);
  for (const auto& entry : v->node()) {
    const std::string name = entry.first.as<std::string>();
    if (!cat.find_gpu(name))
      throw Error(location_of(file, entry.first), v->path() + "." + name,
                  "unknown GPU '" + name + "'" + suggestion(name, names_of_gpus(cat)));
    p.prices[name] = prices.required(name).as_positive_number();
  }
}

// The space is counted before the planner builds it: a few lists of thousands multiply fast.
void check_space_size(const MapReader& r, const PlanSpec& p) {
  double clusters = 0;
  for (const auto& preset : p.node_presets) clusters += static_cast<double>(p.nodes_for(preset).size());
  const double size = clusters * static_cast<double>(p.links.empty() ? 1 : p.links.size()) *
                      static_cast<double>(p.topologies.size()) * static_cast<double>(p.micro_batches.size()) *
                      static_cast<double>(p.grad_accumulations.size()) * static_cast<double>(p.zero_stages.size());
  if (size > static_cast<double>(kMaxPlanConfigurations))
    r.fail("a space of " + std::to_string(static_cast<long long>(size)) + " configurations, more than the " +
           std::to_string(kMaxPlanConfigurations) + " dpcast plan searches (the limit): shorten its lists");
}

}  // namespace

PlanScenario parse_plan_scenario(const std::string& text, const std::string& file, const Catalogue& cat) {
  const YAML::Node root = load_yaml_text(text, file);
  if (root.IsMap() && root["sweep"].IsDefined())
    throw Error(location_of(file, root["sweep"]), "sweep",
                "dpcast plan searches its own space (the plan section); remove the sweep");
  PlanScenario out{parse_scenarios(text, file, cat).front(), {}};
  const Scenario& base = out.base;
  PlanSpec& p = out.plan;
  MapReader top(file, root, "");
  if (!top.has("plan")) top.fail("needs a plan section (target, constraints, what to search); see scenarios/README.md");
  MapReader r = top.map("plan");
  r.declare({"target", "deadline_hours", "budget_usd", "max_global_batch", "gpus", "node_presets", "nodes", "links",
             "topologies", "micro_batch", "grad_accumulation", "zero_stage", "prices"});
  read_target(r, base, p);
  read_constraints(r, p);
  read_gpus_and_presets(r, base, cat, p);
  read_nodes(r, base, p);
  read_network_choices(r, base, cat, p);
  read_training_choices(r, base, p);
  read_prices(r, file, cat, p);
  r.finish();
  check_space_size(r, p);
  return out;
}

PlanScenario load_plan_scenario(const std::string& path, const Catalogue& cat) {
  return parse_plan_scenario(read_input_file(path, "scenario file"), path, cat);
}

}  // namespace dpcast::models
