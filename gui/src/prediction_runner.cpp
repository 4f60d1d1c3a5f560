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
}

PredictionRunner::~PredictionRunner() {
  pending_detail_.reset();
  sweep_.cancel();
  detail_.cancel();
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
      &pool_, [configuration = std::move(configuration), engine](QPromise<PredictionOutcome>& promise) {
        if (promise.isCanceled()) return;
        promise.addResult(Predictor{}.outcome(configuration, engine, true, 0));
      }));
}

}  // namespace dpcast::gui
