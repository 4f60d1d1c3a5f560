#pragma once
// The cluster-sizing planner: which GPUs, how many, on which network, trained how, to train
// this model on this many tokens (or samples) by a deadline and within a budget?
//
// Every configuration of the plan's space (GPU type x node preset x node count x link x
// topology x micro-batch x accumulation x ZeRO stage) is predicted by the analytical engine;
// those that fit in memory and keep the global batch within its maximum are priced:
//   steps = ceil(target samples / global batch), time = steps x step time,
//   cost  = time x GPUs x price per GPU-hour.
// The Pareto front of (time, cost) is kept; its points up to a GPU count are played again
// on the DES, whose time then counts. The recommendation: the cheapest point that meets the
// deadline (and budget), or the fastest that does at most 1% dearer than it; without a
// deadline, the fastest within budget; without either, the fastest point costing at most 10%
// more than the cheapest. When nothing meets the constraints, the answer says which
// constraint binds and by how much. Each GPU type's cheapest and fastest configuration (meeting
// the constraints) is reported beside the front, so types can be compared at their best.
// (The target does not grow with the global batch: bound it with max_global_batch.)
//
// This is the search; how its answer is written (the sentences, the table, JSON and CSV) is
// in plan_report.hpp.
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct PlanPoint {
  models::Scenario scenario;             // the configuration
  models::RunRecord analytical;          // its prediction (summary)
  std::optional<models::RunRecord> des;  // the DES's, for confirmed points
  double price_per_gpu_hour = 0;
  std::int64_t steps = 0;
  [[nodiscard]] double step_time_s() const { return des ? des->step_time_s : analytical.step_time_s; }
  [[nodiscard]] double time_s() const { return static_cast<double>(steps) * step_time_s(); }
  [[nodiscard]] double cost_usd() const { return time_s() / 3600 * analytical.gpus * price_per_gpu_hour; }
};

struct PlanOptions {
  int confirm_up_to_gpus = 1024;         // DES-confirm front points of at most this many GPUs (0: none)
  int threads = 2;                       // analytical evaluation in parallel
  std::map<std::string, double> prices;  // USD per GPU-hour, overriding the plan and the catalogue
  /// Called now and then with the work done and the work in all: configurations predicted
  /// analytically, then one unit per DES confirmation (added to the total once the front is
  /// known). Returning false stops the plan: make_plan throws PlanCancelled. Called from the
  /// calling thread only.
  std::function<bool(std::size_t done, std::size_t total)> progress;
};

/// make_plan stopped because PlanOptions::progress said so.
struct PlanCancelled : std::runtime_error {
  PlanCancelled() : std::runtime_error("the plan was cancelled") {}
};

/// One GPU type's best configurations: the cheapest and the fastest of those meeting the
/// constraints (when no configuration of any type meets them: of those that fit). None when no
/// configuration of that type qualifies. Analytical, or the DES's where it confirmed the point.
struct PlanGpuBest {
  std::string gpu;
  std::optional<PlanPoint> cheapest;
  std::optional<PlanPoint> fastest;
};

struct PlanResult {
  std::size_t evaluated = 0;  // configurations predicted
  std::size_t out_of_memory = 0;
  std::size_t over_max_batch = 0;
  std::size_t unsupported = 0;             // precision the GPU lacks, tree too small, no price
  std::vector<PlanPoint> front;            // Pareto front of the configurations meeting every constraint
                                           // (when none does: of those that fit), fastest first
  bool constraints_met = false;            // whether some configuration meets deadline and budget
  std::optional<std::size_t> recommended;  // index into front
  std::vector<std::string> why;            // the recommendation and its reasons, one sentence each
  std::vector<std::string> binding;        // when nothing meets the constraints: which binds, by how much
  std::vector<PlanGpuBest> best_per_gpu;   // one per GPU type of the plan, in the plan's order
};

/// Plans over `plan`'s space from `base`. Throws dpcast::Error when nothing can be evaluated
/// (e.g. no price for any GPU).
[[nodiscard]] PlanResult make_plan(const models::Scenario& base, const models::PlanSpec& plan,
                                   const models::Catalogue& catalogue, const PlanOptions& options = {});

/// Which of the plan's constraints a configuration breaks: the check make_plan applies
/// (a constraint the plan does not set is never broken).
struct PlanVerdict {
  bool over_deadline = false;
  bool over_budget = false;
  [[nodiscard]] bool meets() const { return !over_deadline && !over_budget; }
};
/// A time to train and its cost against the plan's deadline and budget.
[[nodiscard]] PlanVerdict plan_verdict(double time_s, double cost_usd, const models::PlanSpec& plan);
/// A front point, by its confirmed time (the DES's when it played the point).
[[nodiscard]] PlanVerdict plan_verdict(const PlanPoint& point, const models::PlanSpec& plan);

}  // namespace dpcast::sim
