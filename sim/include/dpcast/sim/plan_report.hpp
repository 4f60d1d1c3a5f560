#pragma once
// How the planner says its answer: times to train and costs, a configuration's label, the
// sentences of PlanResult::why and ::binding, and `dpcast plan`'s table, JSON and CSV.
// The search that finds the answer is in planner.hpp; the dashboard's plan view says it with
// these same functions.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/planner.hpp"

namespace dpcast::sim {

/// "41.3 h", "12 min", "950 ms": a time to train, as the planner's sentences say it.
[[nodiscard]] std::string plan_duration(double seconds);
/// "$20,000", "$12.50".
[[nodiscard]] std::string plan_dollars(double usd);
/// "8 x dgx-h100 (64 h100-sxm) on fat-tree ib-ndr 1:1, micro-batch 4 x2 accumulation, ZeRO-1":
/// a configuration of the plan's space, as the planner's sentences name it.
[[nodiscard]] std::string plan_point_label(const models::Scenario& configuration);
/// A front point's configuration, named as above.
[[nodiscard]] std::string plan_point_label(const PlanPoint& point);
/// plan_verdict in words: "meets the constraints", "no deadline or budget", "2.5 h over the
/// deadline", "$1,200 over the budget" (or both, comma-separated).
[[nodiscard]] std::string plan_verdict_text(const PlanPoint& point, const models::PlanSpec& plan);

/// `dpcast plan`: the binding constraints, the front as a table (the recommendation starred),
/// then the reasons.
[[nodiscard]] std::string plan_table(const PlanResult& result, const models::PlanSpec& plan);
/// The best per GPU type in sentences, one per type, for the dashboard: "h100-sxm: cheapest
/// <configuration>, 38 h, $16,605; fastest <configuration>, 11 h, $19,622." or "a100-80gb: none
/// meets the constraints." Nothing when the plan has one GPU type.
[[nodiscard]] std::vector<std::string> plan_best_per_gpu_sentences(const PlanResult& result);
/// `dpcast plan --json`: the counts, binding and why, and each front point with both records
/// and its scenario YAML.
[[nodiscard]] std::string plan_json(const PlanResult& result, const models::PlanSpec& plan);
/// `dpcast plan --csv`: one row per front point.
[[nodiscard]] std::string plan_csv(const PlanResult& result);

// ---- The sentences make_plan writes into PlanResult::why, in the order it writes them.

/// The rule the recommendation was picked by (see planner.hpp's header comment).
enum class PlanRule {
  CheapestMeetingDeadline,             // the cheapest meeting the deadline (and budget)
  FastestNearCheapestMeetingDeadline,  // ... unless a faster one is at most 1% dearer
  FastestWithinBudget,                 // a budget and no deadline
  FastestNearCheapest,                 // neither: the fastest at most 10% dearer than the cheapest
};
/// "recommended: <configuration>: 34 h and $15,066 (286,103 steps of 431 ms, DES-confirmed) —
/// <the rule>." `cheapest_usd` is the cost the rule compares with (unused by the rules that
/// compare with none).
[[nodiscard]] std::string plan_recommendation_sentence(const PlanPoint& recommended, PlanRule rule,
                                                       const models::PlanSpec& plan, double cheapest_usd);

/// How far one kind of hardware scales: at each GPU count searched its fastest configuration,
/// and whether exposed communication stays within 30% of its step.
struct PlanScaling {
  std::string gpu;
  std::string link;
  int last_within_gpus = 0;    // the most GPUs within the limit below first_over_gpus (0: none)
  int first_over_gpus = 0;     // the fewest GPUs over it (0: none)
  double over_fraction = 0;    // the exposed share of the step at first_over_gpus
  int most_searched_gpus = 0;  // the most GPUs searched
};
/// "beyond 64 GPUs of h100-sxm on ib-ndr, exposed communication exceeds 30% of the step ...".
[[nodiscard]] std::string plan_scaling_sentence(const PlanScaling& scaling);
/// "the next faster option, <configuration>, saves 2.0 h for $310 more."
[[nodiscard]] std::string plan_next_faster_sentence(const PlanPoint& recommended, const PlanPoint& faster,
                                                    bool faster_meets_constraints);
/// "with a100-80gb the cheapest meeting the constraints, 8 x dgx-a100 (64 a100-80gb) on ...,
/// micro-batch 4, ZeRO-3, costs $17,000 (1.13x) and takes 60 h." (`label`: plan_point_label)
[[nodiscard]] std::string plan_other_gpu_sentence(const std::string& gpu, const std::string& label, double cost_usd,
                                                  double time_s, double recommended_cost_usd);
/// "no a100-80gb configuration meets the constraints."
[[nodiscard]] std::string plan_no_gpu_sentence(const std::string& gpu);
/// "2,560 configurations searched: 900 do not fit in memory, 300 exceed the max global batch."
[[nodiscard]] std::string plan_searched_sentence(const PlanResult& result);
/// Why there is no recommendation though some configuration met the constraints analytically.
[[nodiscard]] std::string plan_des_misses_constraints_sentence();
/// Why the front is of configurations that break the constraints.
[[nodiscard]] std::string plan_front_ignores_constraints_sentence();

// ---- The sentences make_plan writes into PlanResult::binding.

/// Nothing fits in memory: the configuration that needs the least, `memory_ratio` times its
/// GPU's memory.
[[nodiscard]] std::string plan_memory_binding(const std::string& smallest_need, double memory_ratio);
/// The max global batch rules out `ruled_out` configurations; the smallest cluster has
/// `fewest_gpus`.
[[nodiscard]] std::string plan_max_batch_binding(std::int64_t max_global_batch, std::size_t ruled_out, int fewest_gpus);
/// The deadline cannot be met: the fastest configuration takes `fastest_time_s`.
[[nodiscard]] std::string plan_deadline_binding(double deadline_s, const std::string& fastest, double fastest_time_s);
/// The budget cannot be met: the cheapest configuration costs `cheapest_usd`.
[[nodiscard]] std::string plan_budget_binding(double budget_usd, const std::string& cheapest, double cheapest_usd);
/// Each can be met alone, not both: what meeting the deadline costs, and how long the fastest
/// within budget takes.
[[nodiscard]] std::string plan_conflict_binding(double deadline_s, double budget_usd, double cost_for_deadline_usd,
                                                double time_in_budget_s);

}  // namespace dpcast::sim
