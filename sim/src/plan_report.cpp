// The planner's wording: its figures, labels and sentences, and `dpcast plan`'s outputs.
#include "dpcast/sim/plan_report.hpp"

#include <cstdio>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "dpcast/models/record_config.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace {

// 286103 -> "286,103"
std::string grouped(double whole) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", whole);
  std::string digits = buf, out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// " within the $20,000 budget", or nothing without a budget.
std::string within_budget(const models::PlanSpec& plan) {
  return plan.budget_usd ? " within the " + plan_dollars(*plan.budget_usd) + " budget" : "";
}

// One column of the table or the CSV: its name and how a front point writes it.
struct PlanColumn {
  const char* name;
  std::string (*value)(const PlanPoint& point, bool recommended);
};

std::string exposed_percent(const PlanPoint& p) {
  return fixed(100 * p.analytical.breakdown.exposed_comm_s / p.analytical.step_time_s, 1) + "%";
}

// `dpcast plan`'s table: figures as people read them ("431 ms", "34 h", "$15,066").
const PlanColumn kTableColumns[] = {
    {"", [](const PlanPoint&, bool recommended) -> std::string { return recommended ? "*" : ""; }},
    {"GPUs", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.gpus); }},
    {"node", [](const PlanPoint& p, bool) { return p.analytical.node; }},
    {"GPU", [](const PlanPoint& p, bool) { return p.analytical.gpu; }},
    {"network", [](const PlanPoint& p, bool) { return p.analytical.network; }},
    {"micro_batch", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.micro_batch); }},
    {"accumulation", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.grad_accumulation); }},
    {"ZeRO", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.zero_stage); }},
    {"batch", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.global_batch); }},
    {"step", [](const PlanPoint& p, bool) { return human_time(p.analytical.step_time_s); }},
    {"DES step", [](const PlanPoint& p, bool) { return p.des ? human_time(p.des->step_time_s) : "-"; }},
    {"time to train", [](const PlanPoint& p, bool) { return plan_duration(p.time_s()); }},
    {"cost", [](const PlanPoint& p, bool) { return plan_dollars(p.cost_usd()); }},
    {"MFU", [](const PlanPoint& p, bool) { return fixed(100 * p.analytical.mfu, 1) + "%"; }},
    {"exposed comm", [](const PlanPoint& p, bool) { return exposed_percent(p); }},
};

// `dpcast plan --csv`: the table's figures for machines (snake_case names that carry their units,
// numbers in full precision, the step count), so a list of its own and not a copy to merge.
const PlanColumn kCsvColumns[] = {
    {"recommended", [](const PlanPoint&, bool recommended) -> std::string { return recommended ? "true" : "false"; }},
    {"gpus", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.gpus); }},
    {"node", [](const PlanPoint& p, bool) { return p.analytical.node; }},
    {"gpu", [](const PlanPoint& p, bool) { return p.analytical.gpu; }},
    {"network", [](const PlanPoint& p, bool) { return p.analytical.network; }},
    {"micro_batch", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.micro_batch); }},
    {"grad_accumulation", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.grad_accumulation); }},
    {"zero_stage", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.zero_stage); }},
    {"global_batch", [](const PlanPoint& p, bool) { return std::to_string(p.analytical.global_batch); }},
    {"step_time_s", [](const PlanPoint& p, bool) { return number(p.analytical.step_time_s); }},
    {"des_step_time_s", [](const PlanPoint& p, bool) { return p.des ? number(p.des->step_time_s) : ""; }},
    {"steps", [](const PlanPoint& p, bool) { return std::to_string(p.steps); }},
    {"time_to_train_s", [](const PlanPoint& p, bool) { return number(p.time_s()); }},
    {"cost_usd", [](const PlanPoint& p, bool) { return number(p.cost_usd()); }},
    {"mfu", [](const PlanPoint& p, bool) { return number(p.analytical.mfu); }},
    {"exposed_comm_s", [](const PlanPoint& p, bool) { return number(p.analytical.breakdown.exposed_comm_s); }},
};

std::vector<std::string> column_names(std::span<const PlanColumn> columns) {
  std::vector<std::string> names;
  for (const auto& column : columns) names.emplace_back(column.name);
  return names;
}

std::vector<std::string> row(std::span<const PlanColumn> columns, const PlanPoint& point, bool recommended) {
  std::vector<std::string> cells;
  for (const auto& column : columns) cells.push_back(column.value(point, recommended));
  return cells;
}

// "Best per GPU type": each GPU type's cheapest and fastest, in the front table's columns after
// a column saying which it is. The recommended point keeps its star in the first column.
void print_best_per_gpu(std::ostream& out, const PlanResult& result) {
  std::vector<PlanColumn> columns;  // the front's, less its star and its GPU
  for (const auto& column : std::span<const PlanColumn>(kTableColumns).subspan(1))
    if (std::string(column.name) != "GPU") columns.push_back(column);
  std::vector<std::string> names{"GPU type", "best"};
  for (const auto& column : columns) names.emplace_back(column.name);
  Table t(names);
  const PlanPoint* recommended = result.recommended ? &result.front[*result.recommended] : nullptr;
  const auto add = [&](const std::string& gpu, const char* which, const PlanPoint& p) {
    const bool is_recommended = recommended && plan_point_label(*recommended) == plan_point_label(p);
    std::vector<std::string> cells{gpu, std::string(which) + (is_recommended ? " *" : "")};
    for (const auto& column : columns) cells.push_back(column.value(p, false));
    t.add_row(cells);
  };
  for (const auto& best : result.best_per_gpu) {
    if (!best.cheapest) {
      t.add_row({best.gpu, "none qualifies"});
      continue;
    }
    add(best.gpu, "cheapest", *best.cheapest);
    if (plan_point_label(*best.fastest) != plan_point_label(*best.cheapest)) add(best.gpu, "fastest", *best.fastest);
  }
  out << "\nBest per GPU type (" << (result.constraints_met ? "meeting the constraints" : "of those that fit")
      << "):\n";
  t.print(out);
}

models::Json point_json(const PlanPoint& p, bool recommended) {
  models::Json j{{"recommended", recommended},
                 {"time_to_train_s", p.time_s()},
                 {"cost_usd", p.cost_usd()},
                 {"steps", p.steps},
                 {"price_per_gpu_hour_usd", p.price_per_gpu_hour},
                 {"step_time_s", p.step_time_s()},
                 {"analytical", models::to_json(p.analytical, false)},
                 {"scenario_yaml", models::scenario_yaml(p.scenario)}};
  if (p.des) j["des"] = models::to_json(*p.des, false);
  return j;
}

}  // namespace

std::string plan_dollars(double usd) {
  if (usd >= 100) return std::string("$").append(grouped(usd));
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

std::string plan_duration(double s) {
  if (s < 60) return human_time(s);
  if (s < 3600) return fixed(s / 60, s < 600 ? 1 : 0) + " min";
  return fixed(s / 3600, s < 36000 ? 1 : 0) + " h";
}

std::string plan_point_label(const models::Scenario& configuration) {
  const auto& c = configuration.cluster;
  const auto& training = configuration.training;
  std::string d = std::to_string(c.nodes) + " x " + c.node + " (" + std::to_string(c.gpus()) + " " + c.gpu + ") on " +
                  models::network_label(configuration) + ", micro-batch " + std::to_string(training.micro_batch);
  if (training.grad_accumulation > 1) d += " x" + std::to_string(training.grad_accumulation) + " accumulation";
  if (configuration.data_parallel.zero_stage > 0)
    d += ", ZeRO-" + std::to_string(configuration.data_parallel.zero_stage);
  return d;
}

std::string plan_point_label(const PlanPoint& point) {
  return plan_point_label(point.scenario);
}

std::string plan_verdict_text(const PlanPoint& point, const models::PlanSpec& plan) {
  const PlanVerdict v = plan_verdict(point, plan);
  if (v.meets()) return plan.deadline_s || plan.budget_usd ? "meets the constraints" : "no deadline or budget";
  std::string text;
  if (v.over_deadline) text = plan_duration(point.time_s() - *plan.deadline_s) + " over the deadline";
  if (v.over_budget)
    text += (text.empty() ? "" : ", ") + plan_dollars(point.cost_usd() - *plan.budget_usd) + " over the budget";
  return text;
}

std::string plan_table(const PlanResult& result, const models::PlanSpec& plan) {
  std::ostringstream out;
  if (!result.binding.empty()) {
    out << "No configuration meets the constraints:\n";
    for (const auto& b : result.binding) out << "  - " << b << "\n";
    if (!result.front.empty()) out << "\n";
  }
  if (!result.front.empty()) {
    out << "Pareto front (time to train against cost), " << result.evaluated << " configurations searched"
        << (plan.target_tokens > 0 ? ", target " + human_rate(plan.target_tokens, "tokens")
                                   : ", target " + human_rate(plan.target_samples, "samples"))
        << ":\n";
    Table t(column_names(kTableColumns));
    for (std::size_t k = 0; k < result.front.size(); ++k)
      t.add_row(row(kTableColumns, result.front[k], result.recommended == k));
    t.print(out);
  }
  for (const auto& w : result.why) out << w << "\n";
  if (result.best_per_gpu.size() > 1) print_best_per_gpu(out, result);
  return out.str();
}

std::vector<std::string> plan_best_per_gpu_sentences(const PlanResult& result) {
  std::vector<std::string> sentences;
  if (result.best_per_gpu.size() < 2) return sentences;
  const auto said = [](const PlanPoint& p) {
    return plan_point_label(p) + ", " + plan_duration(p.time_s()) + ", " + plan_dollars(p.cost_usd());
  };
  for (const auto& best : result.best_per_gpu) {
    if (!best.cheapest) {
      sentences.push_back(best.gpu + ": none " + (result.constraints_met ? "meets the constraints." : "fits."));
      continue;
    }
    std::string s = best.gpu + ": cheapest " + said(*best.cheapest);
    if (plan_point_label(*best.fastest) != plan_point_label(*best.cheapest)) s += "; fastest " + said(*best.fastest);
    sentences.push_back(s + ".");
  }
  return sentences;
}

std::string plan_json(const PlanResult& result, const models::PlanSpec& plan) {
  models::Json front = models::Json::array();
  for (std::size_t k = 0; k < result.front.size(); ++k)
    front.push_back(point_json(result.front[k], result.recommended == k));
  models::Json best_per_gpu = models::Json::array();
  const auto or_null = [](const std::optional<PlanPoint>& p) { return p ? point_json(*p, false) : models::Json(); };
  for (const auto& best : result.best_per_gpu)
    best_per_gpu.push_back(
        {{"gpu", best.gpu}, {"cheapest", or_null(best.cheapest)}, {"fastest", or_null(best.fastest)}});
  models::Json target = plan.target_tokens > 0 ? models::Json{{"tokens", plan.target_tokens}}
                                               : models::Json{{"samples", plan.target_samples}};
  models::Json out{{"target", target},
                   {"evaluated", result.evaluated},
                   {"out_of_memory", result.out_of_memory},
                   {"over_max_global_batch", result.over_max_batch},
                   {"unsupported", result.unsupported},
                   {"constraints_met", result.constraints_met},
                   {"binding", result.binding},
                   {"why", result.why},
                   {"front", front},
                   {"best_per_gpu", best_per_gpu}};
  return out.dump(2) + "\n";
}

std::string plan_csv(const PlanResult& result) {
  std::string out = csv_line(column_names(kCsvColumns));
  for (std::size_t k = 0; k < result.front.size(); ++k)
    out += csv_line(row(kCsvColumns, result.front[k], result.recommended == k));
  return out;
}

std::string plan_recommendation_sentence(const PlanPoint& r, PlanRule rule, const models::PlanSpec& plan,
                                         double cheapest_usd) {
  std::string reason;
  switch (rule) {
    case PlanRule::CheapestMeetingDeadline:
      reason = "the cheapest that meets the " + plan_duration(*plan.deadline_s) + " deadline" + within_budget(plan);
      break;
    case PlanRule::FastestNearCheapestMeetingDeadline:
      reason = "the fastest that meets the " + plan_duration(*plan.deadline_s) + " deadline" + within_budget(plan) +
               " at most 1% dearer than the cheapest that does (" + plan_dollars(cheapest_usd) + ")";
      break;
    case PlanRule::FastestWithinBudget:
      reason = "the fastest within the " + plan_dollars(*plan.budget_usd) + " budget";
      break;
    case PlanRule::FastestNearCheapest:
      reason = "the fastest costing at most 10% more than the cheapest (" + plan_dollars(cheapest_usd) + ")";
      break;
  }
  return "recommended: " + plan_point_label(r) + ": " + plan_duration(r.time_s()) + " and " +
         plan_dollars(r.cost_usd()) + " (" + grouped(static_cast<double>(r.steps)) + " steps of " +
         human_time(r.step_time_s()) + (r.des ? ", DES-confirmed" : "") + ") — " + reason + ".";
}

std::string plan_scaling_sentence(const PlanScaling& s) {
  const std::string where = s.gpu + " on " + s.link;
  if (s.first_over_gpus > 0 && s.last_within_gpus > 0)
    return "beyond " + std::to_string(s.last_within_gpus) + " GPUs of " + where +
           ", exposed communication exceeds 30% of the step even in the fastest configuration (" +
           fixed(100 * s.over_fraction, 0) + "% at " + std::to_string(s.first_over_gpus) + " GPUs).";
  if (s.first_over_gpus > 0)
    return "exposed communication exceeds 30% of the step from " + std::to_string(s.first_over_gpus) + " GPUs of " +
           where + ".";
  return "exposed communication stays below 30% of the step up to " + std::to_string(s.most_searched_gpus) +
         " GPUs of " + where + ", the most searched that fit the memory and the max global batch.";
}

std::string plan_next_faster_sentence(const PlanPoint& r, const PlanPoint& faster, bool faster_meets_constraints) {
  return "the next faster option, " + plan_point_label(faster) + ", saves " +
         plan_duration(r.time_s() - faster.time_s()) + " for " + plan_dollars(faster.cost_usd() - r.cost_usd()) +
         " more" + (faster_meets_constraints ? "." : ", but breaks a constraint.");
}

std::string plan_other_gpu_sentence(const std::string& gpu, const std::string& label, double cost_usd, double time_s,
                                    double recommended_cost_usd) {
  return "with " + gpu + " the cheapest meeting the constraints, " + label + ", costs " + plan_dollars(cost_usd) +
         " (" + fixed(cost_usd / recommended_cost_usd, 2) + "x) and takes " + plan_duration(time_s) + ".";
}

std::string plan_no_gpu_sentence(const std::string& gpu) {
  return "no " + gpu + " configuration meets the constraints.";
}

std::string plan_searched_sentence(const PlanResult& result) {
  return std::to_string(result.evaluated) + " configurations searched: " + std::to_string(result.out_of_memory) +
         " do not fit in memory, " + std::to_string(result.over_max_batch) + " exceed the max global batch" +
         (result.unsupported ? ", " + std::to_string(result.unsupported) + " cannot run or be priced" : "") + ".";
}

std::string plan_des_misses_constraints_sentence() {
  return "the DES finds every front point slower than the analytical engine did; none meets the constraints";
}

std::string plan_front_ignores_constraints_sentence() {
  return "the front above is of every configuration that fits, ignoring the deadline and budget";
}

std::string plan_memory_binding(const std::string& smallest_need, double memory_ratio) {
  return "nothing fits in memory: the smallest need, " + smallest_need + ", is " + fixed(memory_ratio, 2) +
         "x the GPU's memory; allow ZeRO stages, smaller micro-batches or GPUs with more memory";
}

std::string plan_max_batch_binding(std::int64_t max_global_batch, std::size_t ruled_out, int fewest_gpus) {
  return "the max global batch of " + std::to_string(max_global_batch) + " rules out " + std::to_string(ruled_out) +
         " configurations (the smallest cluster has " + std::to_string(fewest_gpus) +
         " GPUs, so its smallest global batch is " + std::to_string(fewest_gpus) + ")";
}

std::string plan_deadline_binding(double deadline_s, const std::string& fastest, double fastest_time_s) {
  return "the " + plan_duration(deadline_s) + " deadline cannot be met: the fastest configuration, " + fastest +
         ", takes " + plan_duration(fastest_time_s) + ", " + plan_duration(fastest_time_s - deadline_s) + " over";
}

std::string plan_budget_binding(double budget_usd, const std::string& cheapest, double cheapest_usd) {
  return "the " + plan_dollars(budget_usd) + " budget is below the cheapest configuration, " + cheapest + ", at " +
         plan_dollars(cheapest_usd) + " (" + plan_dollars(cheapest_usd - budget_usd) + " short)";
}

std::string plan_conflict_binding(double deadline_s, double budget_usd, double cost_for_deadline_usd,
                                  double time_in_budget_s) {
  return "no configuration meets both: meeting the " + plan_duration(deadline_s) + " deadline costs at least " +
         plan_dollars(cost_for_deadline_usd) + ", " + plan_dollars(cost_for_deadline_usd - budget_usd) +
         " over the budget; within the " + plan_dollars(budget_usd) + " budget the fastest takes " +
         plan_duration(time_in_budget_s) + ", " + plan_duration(time_in_budget_s - deadline_s) + " over the deadline";
}

}  // namespace dpcast::sim
