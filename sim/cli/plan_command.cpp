// dpcast plan: the Pareto front of time to train against cost, and a recommendation.
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "dpcast/sim/plan_report.hpp"
#include "progress.hpp"

namespace dpcast::cli {

int cmd_plan(const PlanArgs& a) {
  auto ps = models::load_plan_scenario(a.scenario);
  auto& plan = ps.plan;
  // Command-line values win over the plan section.
  if (a.tokens > 0 && a.samples > 0) throw Error("dpcast plan: give --tokens or --samples, not both");
  if (a.tokens > 0) {
    if (!ps.base.model.is_sequence_model())
      throw Error("dpcast plan: --tokens: " + ps.base.model.label + " is not a sequence model; give --samples");
    plan.target_tokens = a.tokens, plan.target_samples = 0;
  }
  if (a.samples > 0) plan.target_samples = a.samples, plan.target_tokens = 0;
  if (a.deadline_hours > 0) plan.deadline_s = a.deadline_hours * 3600;
  if (a.budget_usd > 0) plan.budget_usd = a.budget_usd;
  if (a.max_global_batch > 0) plan.max_global_batch = a.max_global_batch;
  sim::PlanOptions options;
  options.confirm_up_to_gpus = a.confirm_up_to;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (const auto& price : a.prices) {
    const auto eq = price.find('=');
    if (eq == std::string::npos) throw Error("dpcast plan: --price: expected GPU=USD, got '" + price + "'");
    const std::string gpu = price.substr(0, eq);
    if (!models::Catalogue::builtin().find_gpu(gpu)) {
      std::vector<std::string> names;
      for (const auto& [n, _] : models::Catalogue::builtin().gpus()) names.push_back(n);
      throw Error("dpcast plan: --price: unknown GPU '" + gpu + "'" + models::suggestion(gpu, names));
    }
    double usd = 0;
    try {
      usd = std::stod(price.substr(eq + 1));
    } catch (const std::exception&) {
      usd = 0;
    }
    if (!(usd > 0))
      throw Error("dpcast plan: --price: expected a positive price in USD per GPU-hour, got '" + price + "'");
    options.prices[gpu] = usd;
  }
  Progress progress;
  options.progress = [&progress](std::size_t done, std::size_t total) {
    progress.tick(done, total);
    return true;
  };
  const auto result = sim::make_plan(ps.base, plan, models::Catalogue::builtin(), options);
  progress.finish();
  emit(a.json ? sim::plan_json(result, plan) : a.csv ? sim::plan_csv(result) : sim::plan_table(result, plan), a.output);
  // Contradictory constraints are an answer, not bad input: exit status 1 tells scripts.
  return result.constraints_met ? 0 : 1;
}

}  // namespace dpcast::cli
