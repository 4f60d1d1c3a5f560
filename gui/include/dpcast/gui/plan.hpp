#pragma once
// The cluster-sizing plan as the dashboard runs it: sim::make_plan, exactly as `dpcast plan`
// calls it, and what the plan view needs to show its answer. No planning logic lives here:
// the front, the recommendation, its reasons and the binding constraints are the planner's.
#include <QString>

#include <cstddef>
#include <string>

#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/planner.hpp"

namespace dpcast::gui {

/// One run of the planner, or the error that stopped it.
struct PlanOutcome {
  bool ok = false;
  sim::PlanResult result;
  models::PlanSpec plan;  // what was searched, under which constraints
  models::Scenario base;  // the scenario it was planned from
  std::string file;       // that scenario's file ("untitled.yaml" for a new one)
  std::string error;      // when !ok: the CLI's message (dpcast::Error::what())
  double seconds = 0;     // how long make_plan took
};

/// The options `dpcast plan` gives make_plan: every core, DES confirmation up to
/// `confirm_up_to_gpus` GPUs (the CLI's --confirm-up-to, 1024 by default).
[[nodiscard]] sim::PlanOptions plan_options(int confirm_up_to_gpus);

/// Runs sim::make_plan; an error (nothing can be priced, a model that cannot be built) is
/// caught into the outcome.
[[nodiscard]] PlanOutcome run_plan(const models::PlanScenario& input, const sim::PlanOptions& options,
                                   const std::string& file);

// ---- How the plan view says it (as `dpcast plan` prints it).

/// "41.3 h", "12 min", "950 ms": a time to train.
[[nodiscard]] std::string plan_duration(double seconds);
/// "$20,000", "$12.50".
[[nodiscard]] std::string plan_dollars(double usd);
/// "8 x dgx-h100 (64 h100-sxm) on fat-tree ib-ndr 1:1, micro-batch 4 x2 accumulation, ZeRO-1".
[[nodiscard]] std::string plan_point_label(const sim::PlanPoint& point);

/// Whether a front point keeps the plan's deadline and budget (by its confirmed time).
struct PlanVerdict {
  bool over_deadline = false;
  bool over_budget = false;
  [[nodiscard]] bool meets() const { return !over_deadline && !over_budget; }
};
[[nodiscard]] PlanVerdict plan_verdict(const sim::PlanPoint& point, const models::PlanSpec& plan);
/// "meets the constraints", "2.5 h over the deadline", "$1,200 over the budget".
[[nodiscard]] std::string plan_verdict_text(const sim::PlanPoint& point, const models::PlanSpec& plan);

/// Tooltip of front point `k`: the configuration, time and cost exact with units, the step
/// time of both engines, and how it stands against the constraints.
[[nodiscard]] QString plan_point_tooltip(const PlanOutcome& outcome, std::size_t k);

}  // namespace dpcast::gui
