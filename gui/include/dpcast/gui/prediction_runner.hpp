#pragma once
// Runs predictions off the GUI thread: a sweep (one configuration after another, with progress,
// cancellable between configurations), the detailed prediction of one configuration (for
// the timeline) and the cluster-sizing plan (sim::make_plan), on one worker thread of its own.
//
// One thread on purpose: the DES forks a child process per configuration and reads its answer
// from a pipe until end-of-file. Two DES predictions forking from two threads at once would
// each leak their pipe's write end into the other's child, so each would wait for both
// children. Predictions run one at a time instead; the GUI thread never forks and never waits.
#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dpcast/gui/plan.hpp"
#include "dpcast/gui/prediction.hpp"

namespace dpcast::gui {

class PredictionRunner : public QObject {
  Q_OBJECT

 public:
  explicit PredictionRunner(QObject* parent = nullptr);
  /// Cancels what is running and waits for it: at most one configuration.
  ~PredictionRunner() override;

  /// Predicts `configurations` in order on the worker thread (summaries, no per-layer detail),
  /// replacing a sweep in progress (which stops after its current configuration).
  void start_sweep(std::vector<models::Scenario> configurations, Engine engine);
  /// Stops the sweep after the configuration being predicted; sweep_finished(true) follows.
  void cancel_sweep();
  /// Whether a sweep has been started and its end not yet reported.
  [[nodiscard]] bool sweep_running() const { return sweep_active_; }

  /// Predicts one configuration with per-layer and per-bucket detail. A request made while
  /// one is running replaces any request still waiting (the latest wins).
  void start_detail(models::Scenario configuration, Engine engine);
  [[nodiscard]] bool detail_running() const { return detail_active_ || pending_detail_.has_value(); }

  /// Runs sim::make_plan on the worker (after what is queued there); plan_started() and
  /// plan_finished() frame it.
  void start_plan(models::PlanScenario input, sim::PlanOptions options, std::string file);
  /// Abandons the plan: plan_finished(canceled) comes at once. A plan still waiting for the
  /// worker never runs; one already running stops at its next progress report.
  void cancel_plan();
  /// Whether a plan has been started and its end (or cancellation) not yet reported.
  [[nodiscard]] bool plan_running() const { return plan_active_; }
  /// Plans the worker has begun (for tests: a plan cancelled while waiting never begins).
  [[nodiscard]] int plans_started() const { return plans_started_->load(); }
  /// Whether the worker thread is computing, reported or not (a cancelled plan still running).
  [[nodiscard]] bool worker_busy() const { return pool_.activeThreadCount() > 0; }

  [[nodiscard]] bool busy() const { return sweep_running() || detail_running() || plan_running(); }
  /// Configurations the worker has begun predicting since this runner was made (for tests of
  /// cancellation: after cancel_sweep() at most the one in progress is added).
  [[nodiscard]] int configurations_started() const { return started_->load(); }

 Q_SIGNALS:
  void sweep_started(int total);
  void sweep_result(const dpcast::gui::PredictionOutcome& outcome);
  void sweep_progress(int done, int total);
  void sweep_finished(bool canceled);
  void detail_finished(const dpcast::gui::PredictionOutcome& outcome, const dpcast::models::Scenario& configuration);
  void plan_started();
  /// The plan's outcome; when `canceled`, an empty outcome.
  void plan_finished(const dpcast::gui::PlanOutcome& outcome, bool canceled);

 private:
  void launch_detail();

  QThreadPool pool_;
  QFutureWatcher<PredictionOutcome> sweep_;
  QFutureWatcher<PredictionOutcome> detail_;
  QFutureWatcher<PlanOutcome> plan_;
  std::shared_ptr<std::atomic<int>> started_ = std::make_shared<std::atomic<int>>(0);
  int total_ = 0;
  bool sweep_active_ = false;
  bool detail_active_ = false;
  bool plan_active_ = false;
  std::shared_ptr<std::atomic<int>> plans_started_ = std::make_shared<std::atomic<int>>(0);
  std::optional<std::pair<models::Scenario, Engine>> pending_detail_;
  std::optional<models::Scenario> detail_configuration_;
};

}  // namespace dpcast::gui
