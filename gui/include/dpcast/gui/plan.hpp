#pragma once
// The cluster-sizing plan as the dashboard runs it: sim::make_plan, exactly as `dpcast plan`
// calls it, and what the plan view needs to show its answer. No planning logic lives here:
// the front, the recommendation, its reasons and the binding constraints are the planner's.
#include <QString>

#include <cstddef>
#include <string>

#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/plan_report.hpp"
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

// ---- How the plan view says it: with the planner's own words (sim/plan_report.hpp) and its
// constraint check (sim::plan_verdict).

/// Times to train and costs, as `dpcast plan` says them.
using sim::plan_dollars;
using sim::plan_duration;
/// "8 x dgx-h100 (64 h100-sxm) on fat-tree ib-ndr 1:1, micro-batch 4 x2 accumulation, ZeRO-1".
using sim::plan_point_label;
/// Whether a front point keeps the plan's deadline and budget (by its confirmed time), and
/// in words: "meets the constraints", "2.5 h over the deadline", "$1,200 over the budget".
using sim::plan_verdict;
using sim::plan_verdict_text;
using sim::PlanVerdict;

/// Tooltip of front point `k`: the configuration, time and cost exact with units, the step
/// time of both engines, and how it stands against the constraints.
[[nodiscard]] QString plan_point_tooltip(const PlanOutcome& outcome, std::size_t k);

}  // namespace dpcast::gui
