#include "dpcast/gui/prediction_runner.hpp"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

namespace dpcast::gui {

PredictionRunner::PredictionRunner(QObject* parent) : QObject(parent) {
  pool_.setMaxThreadCount(1);
  pool_.setExpiryTimeout(-1);  // keep the worker thread for the next sweep
  connect(&sweep_, &QFutureWatcher<PredictionOutcome>::resultReadyAt, this,
          [this](int i) { Q_EMIT sweep_result(sweep_.resultAt(i)); });
  connect(&sweep_, &QFutureWatcher<PredictionOutcome>::progressValueChanged, this,
          [this](int done) { Q_EMIT sweep_progress(done, total_); });
  connect(&sweep_, &QFutureWatcher<PredictionOutcome>::finished, this, [this] {
    sweep_active_ = false;
    Q_EMIT sweep_finished(sweep_.isCanceled());
  });
  connect(&detail_, &QFutureWatcher<PredictionOutcome>::finished, this, [this] {
    detail_active_ = false;
    const bool superseded = detail_.isCanceled() || pending_detail_.has_value();
    if (!superseded && detail_.future().resultCount() > 0 && detail_configuration_)
      Q_EMIT detail_finished(detail_.result(), *detail_configuration_);
    if (pending_detail_) launch_detail();
  });
  connect(&plan_, &QFutureWatcher<PlanOutcome>::finished, this, [this] {
    if (!plan_active_) return;  // cancelled: already reported
    plan_active_ = false;
    if (plan_.isCanceled() || plan_.future().resultCount() == 0)
      Q_EMIT plan_finished(PlanOutcome{}, true);
    else
      Q_EMIT plan_finished(plan_.result(), false);
  });
}

PredictionRunner::~PredictionRunner() {
  pending_detail_.reset();
  sweep_.cancel();
  detail_.cancel();
  plan_.cancel();
  pool_.waitForDone();
}

void PredictionRunner::start_sweep(std::vector<models::Scenario> configurations, Engine engine) {
  sweep_.cancel();  // a sweep in progress stops after its current configuration
  total_ = static_cast<int>(configurations.size());
  sweep_active_ = true;
  Q_EMIT sweep_started(total_);
  auto started = started_;
  sweep_.setFuture(QtConcurrent::run(
      &pool_, [configurations = std::move(configurations), engine, started](QPromise<PredictionOutcome>& promise) {
        promise.setProgressRange(0, static_cast<int>(configurations.size()));
        Predictor predictor;
        for (std::size_t i = 0; i < configurations.size(); ++i) {
          if (promise.isCanceled()) return;
          started->fetch_add(1);
          promise.addResult(predictor.outcome(configurations[i], engine, false, static_cast<int>(i)));
          promise.setProgressValue(static_cast<int>(i + 1));
        }
      }));
}

void PredictionRunner::cancel_sweep() {
  if (sweep_active_) sweep_.cancel();
}

void PredictionRunner::start_plan(models::PlanScenario input, sim::PlanOptions options, std::string file) {
  plan_.cancel();  // a plan still waiting does not run; one running is dropped
  plan_active_ = true;
  Q_EMIT plan_started();
  auto started = plans_started_;
  plan_.setFuture(QtConcurrent::run(&pool_, [input = std::move(input), options = std::move(options),
                                             file = std::move(file), started](QPromise<PlanOutcome>& promise) mutable {
    if (promise.isCanceled()) return;
    started->fetch_add(1);
    // A cancelled plan stops within a few hundred configurations (make_plan throws, the
    // outcome is dropped) instead of finishing on the worker.
    options.progress = [&promise](std::size_t, std::size_t) { return !promise.isCanceled(); };
    promise.addResult(run_plan(input, options, file));
  }));
}

void PredictionRunner::cancel_plan() {
  if (!plan_active_) return;
  plan_.cancel();
  plan_active_ = false;
  Q_EMIT plan_finished(PlanOutcome{}, true);
}

void PredictionRunner::start_detail(models::Scenario configuration, Engine engine) {
  pending_detail_.emplace(std::move(configuration), engine);
  if (detail_active_) {
    detail_.cancel();  // not started yet: skipped; started: its answer is dropped
    return;
  }
  launch_detail();
}

void PredictionRunner::launch_detail() {
  auto [configuration, engine] = std::move(*pending_detail_);
  pending_detail_.reset();
  detail_configuration_ = configuration;
  detail_active_ = true;
  detail_.setFuture(QtConcurrent::run(
      &pool_, [configuration = std::move(configuration), engine = engine](QPromise<PredictionOutcome>& promise) {
        if (promise.isCanceled()) return;
        promise.addResult(Predictor{}.outcome(configuration, engine, true, 0));
      }));
}

}  // namespace dpcast::gui
