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
