#pragma once
// What `dpcast plan` searches and under which constraints: the `plan:` section of a scenario
// (the rest of the scenario gives the model and the defaults of every other setting).
//
//   plan:
//     target: {tokens: 3.0e+11}         # or {samples: N}: what to train on
//     deadline_hours: 72                # optional constraints
//     budget_usd: 50000
//     max_global_batch: 2048            # samples per optimizer step
//     gpus: [h100-sxm, a100-80gb]       # allowed GPU types (default: the scenario's)
//     node_presets: [dgx-h100, dgx-a100]  # allowed presets (default: those of the allowed GPUs)
//     nodes: {min: 1, max: 128}         # powers of two and max; or a list [2, 6, 12]; or by
//                                       # preset: {dgx-h100: [8], dgx-a100: {min: 8, max: 16}}
//     links: [ib-ndr, eth-400g]         # NIC links (default: the scenario's)
//     topologies: [fat-tree]            # default: the scenario's
//     micro_batch: [1, 2, 4, 8]         # default: the scenario's
//     grad_accumulation: [1, 2, 4]      # default: the scenario's
//     zero_stage: [0, 1, 2, 3]          # default: the scenario's
//     prices: {h100-sxm: 2.49}          # USD per GPU-hour, overriding the catalogue
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

struct PlanSpec {
  double target_samples = 0;  // one of the two is set
  double target_tokens = 0;
  std::optional<double> deadline_s;
  std::optional<double> budget_usd;
  std::optional<std::int64_t> max_global_batch;
  std::vector<std::string> gpus;
  std::vector<std::string> node_presets;
  std::vector<int> nodes;
  std::map<std::string, std::vector<int>> nodes_by_preset;  // `nodes` by preset: these replace `nodes` for them
  std::vector<std::string> links;
  std::vector<Topology> topologies;
  std::vector<std::int64_t> micro_batches;
  std::vector<std::int64_t> grad_accumulations;
  std::vector<int> zero_stages;
  std::map<std::string, double> prices;             // GPU name -> USD per GPU-hour
  std::map<std::string, SourceLocation> locations;  // where each key was written

  /// The node counts searched on `preset`.
  [[nodiscard]] const std::vector<int>& nodes_for(const std::string& preset) const {
    const auto it = nodes_by_preset.find(preset);
    return it == nodes_by_preset.end() ? nodes : it->second;
  }
};

/// The most configurations (node presets x node counts x links x topologies x micro-batches x
/// accumulations x ZeRO stages) a plan may search: each is predicted analytically (224,000
/// take under a second).
inline constexpr std::size_t kMaxPlanConfigurations = 1'000'000;

/// A scenario with a plan section: the base configuration (which must not sweep) and the plan.
struct PlanScenario {
  Scenario base;
  PlanSpec plan;
};

/// Reads the scenario and its `plan:` section; lists left out default to the base scenario's
/// value. Throws dpcast::Error at the file, line and key.
[[nodiscard]] PlanScenario load_plan_scenario(const std::string& path,
                                              const Catalogue& catalogue = Catalogue::builtin());
[[nodiscard]] PlanScenario parse_plan_scenario(const std::string& text, const std::string& file,
                                               const Catalogue& catalogue = Catalogue::builtin());

/// Powers of two from `low` to `high`, and `high` itself.
[[nodiscard]] std::vector<int> node_range(int low, int high);

}  // namespace dpcast::models
