#include "dpcast/gui/plan.hpp"

#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "dpcast/gui/item_roles.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {
QString qs(const std::string& s) {
  return QString::fromStdString(s);
}
}  // namespace

sim::PlanOptions plan_options(int confirm_up_to_gpus) {
  sim::PlanOptions options;  // as plan_command.cpp sets them
  options.confirm_up_to_gpus = std::max(0, confirm_up_to_gpus);
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return options;
}

PlanOutcome run_plan(const models::PlanScenario& input, const sim::PlanOptions& options, const std::string& file) {
  PlanOutcome out;
  out.plan = input.plan;
  out.base = input.base;
  out.file = file;
  QElapsedTimer clock;
  clock.start();
  try {
    out.result = sim::make_plan(input.base, input.plan, models::Catalogue::builtin(), options);
    out.ok = true;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = static_cast<double>(clock.nsecsElapsed()) * 1e-9;
  return out;
}

// The two below say it as sim/src/planner.cpp's duration() and dollars() do (which are not
// public yet): the table, the chart and the planner's sentences use the same figures.
std::string plan_duration(double s) {
  if (s < 60) return sim::human_time(s);
  if (s < 3600) return sim::fixed(s / 60, s < 600 ? 1 : 0) + " min";
  return sim::fixed(s / 3600, s < 36000 ? 1 : 0) + " h";
}

std::string plan_dollars(double usd) {
  char buf[64];
  if (usd >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", usd);
    const std::string digits = buf;
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return "$" + out;
  }
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

std::string plan_point_label(const sim::PlanPoint& point) {
  const auto& a = point.analytical;  // the configuration, as the planner's describe() writes it
  std::string d = std::to_string(a.nodes) + " x " + a.node + " (" + std::to_string(a.gpus) + " " + a.gpu + ") on " +
                  a.network + ", micro-batch " + std::to_string(a.micro_batch);
  if (a.grad_accumulation > 1) d += " x" + std::to_string(a.grad_accumulation) + " accumulation";
  if (a.zero_stage > 0) d += ", ZeRO-" + std::to_string(a.zero_stage);
  return d;
}

PlanVerdict plan_verdict(const sim::PlanPoint& point, const models::PlanSpec& plan) {
  PlanVerdict v;
  v.over_deadline = plan.deadline_s && point.time_s() > *plan.deadline_s;
  v.over_budget = plan.budget_usd && point.cost_usd() > *plan.budget_usd;
  return v;
}

std::string plan_verdict_text(const sim::PlanPoint& point, const models::PlanSpec& plan) {
  const PlanVerdict v = plan_verdict(point, plan);
  if (v.meets()) return plan.deadline_s || plan.budget_usd ? "meets the constraints" : "no deadline or budget";
  std::string text;
  if (v.over_deadline) text = plan_duration(point.time_s() - *plan.deadline_s) + " over the deadline";
  if (v.over_budget)
    text += (text.empty() ? "" : ", ") + plan_dollars(point.cost_usd() - *plan.budget_usd) + " over the budget";
  return text;
}

QString plan_point_tooltip(const PlanOutcome& outcome, std::size_t k) {
  const auto& front = outcome.result.front;
  if (k >= front.size()) return {};
  const sim::PlanPoint& p = front[k];
  const auto& a = p.analytical;
  QString text;
  if (outcome.result.recommended == k) text += "recommended\n";
  text += qs(plan_point_label(p));
  text += QString("\nglobal batch %1 (%2 GPUs x %3 x %4)")
              .arg(a.global_batch)
              .arg(a.gpus)
              .arg(a.micro_batch)
              .arg(a.grad_accumulation);
  text += qs("\ntime to train: " + plan_duration(p.time_s()) + " (" + sim::number(p.time_s()) + " s)");
  text += qs("\ncost: " + plan_dollars(p.cost_usd()) + " (" + sim::number(p.cost_usd()) + " USD at " +
             plan_dollars(p.price_per_gpu_hour) + " per GPU-hour)");
  text += QString("\n%1 steps").arg(p.steps);
  text += "\nstep time, analytical: " + exact_time(a.step_time_s);
  text += "\nstep time, DES: " + (p.des ? exact_time(p.des->step_time_s) : QString("not played (see Confirm on DES)"));
  text += qs("\nMFU " + sim::fixed(100 * a.mfu, 1) + "%, exposed communication " +
             sim::fixed(100 * a.breakdown.exposed_comm_s / a.step_time_s, 1) + "% of the step");
  text +=
      "\nmemory per GPU: " + exact_bytes(a.memory.total_bytes) + " of " + qs(sim::human_bytes(a.memory.capacity_bytes));
  text += "\n" + qs(plan_verdict_text(p, outcome.plan));
  return text;
}

}  // namespace dpcast::gui
