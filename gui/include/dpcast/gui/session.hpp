#pragma once
// What one dashboard window works on, without the widgets: the scenario document and its
// validation, the sweep and its results, the detailed prediction of one configuration (the
// timeline), the measured records compared with the sweep, and the cluster-sizing plan of
// the document's plan section (its front, and opening a point of it as the document). The panels and views are
// drawn from it; tests drive it directly or through the window.
//
// Nothing slow runs on the GUI thread. Validation reads the whole sweep as `dpcast predict`
// does (models::parse_scenarios, about 1 ms per configuration, growing with the sweep's
// size), so it runs on a thread of its own, the latest document winning; predictions run on
// the PredictionRunner's thread.
#include <QFutureWatcher>
#include <QObject>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/plan_model.hpp"
#include "dpcast/gui/prediction_runner.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/gui/scenario_document.hpp"
#include "dpcast/gui/timeline_model.hpp"

namespace dpcast::gui {

class Session : public QObject {
  Q_OBJECT

 public:
  explicit Session(QObject* parent = nullptr);
  /// Waits for the validator (predictions: see PredictionRunner).
  ~Session() override;

  // ---- The scenario document.
  [[nodiscard]] const ScenarioDocument& document() const { return document_; }
  /// The validation of the document as it was when last validated (see validating()).
  [[nodiscard]] const Validation& validation() const { return validation_; }
  /// Whether a newer document is being validated (validated() follows).
  [[nodiscard]] bool validating() const { return validating_; }
  /// The file the document was read from or saved to ("" for a new one).
  [[nodiscard]] QString file() const { return QString::fromStdString(document_.file()); }
  [[nodiscard]] bool is_modified() const { return modified_; }

  /// A new scenario (GPT-2 small on DGX H100 nodes).
  void new_document();
  /// Opens a scenario file. On failure the current document stays and the CLI's message
  /// ("x.yaml: cannot open scenario file") comes back.
  [[nodiscard]] std::optional<std::string> open(const QString& path);
  /// Saves the document (see ScenarioDocument::save); the CLI-style message on failure.
  [[nodiscard]] std::optional<std::string> save(const QString& path);

  /// Edits one key (empty: remove it, so its default applies); the document is validated again
  /// and, when it reads, the analytical sweep runs again (after a short pause for typing).
  void set_value(const std::string& key, const QString& value);
  /// The model as `{file: path}`.
  void set_model_file(const QString& path);
  /// Sweeps `key` over `values` (empty: no longer swept).
  void set_sweep_values(const std::string& key, const QStringList& values);

  [[nodiscard]] QStringList recent_files() const;
  /// Whether opening and saving add to the recent files (not for --screenshot runs).
  void set_remembers_recent(bool remember) { remembers_recent_ = remember; }

  // ---- Predictions.
  [[nodiscard]] Engine engine() const { return engine_; }
  /// The sweep's engine. The analytical one re-runs on every change; the DES runs on request.
  void set_engine(Engine engine);
  /// The engine of the timeline's detailed prediction: the DES when this build has it.
  [[nodiscard]] Engine detail_engine() const;
  /// Starts the sweep of the current document now (if it reads).
  void run_sweep();
  void cancel_sweep();
  [[nodiscard]] PredictionRunner& runner() { return runner_; }
  [[nodiscard]] SweepResultsModel* results() { return &results_; }
  [[nodiscard]] ComparisonModel* comparison() { return &comparison_; }
  [[nodiscard]] TimelineModel* timeline() { return &timeline_; }
  /// Whether the document changed since the sweep on show was started.
  [[nodiscard]] bool results_stale() const { return stale_; }

  /// The configuration the timeline shows: a row of the results, or -1 for the document's
  /// own configuration (without its sweep).
  [[nodiscard]] int selected_row() const { return selected_row_; }
  void select_row(int row);
  /// The detailed prediction the timeline is drawn from, once it has come.
  [[nodiscard]] const std::optional<models::RunRecord>& detail_record() const { return detail_record_; }
  /// Ranks the timeline shows (the first few).
  [[nodiscard]] int timeline_ranks() const { return timeline_ranks_; }
  void set_timeline_ranks(int ranks);

  // ---- Measured records.
  /// Adds measured run records from JSON files (one record or an array, sim::load_records).
  /// On failure nothing is added and the CLI's message comes back.
  [[nodiscard]] std::optional<std::string> add_measured(const QStringList& paths);
  void clear_measured();
  [[nodiscard]] const std::vector<models::RunRecord>& measured() const { return measured_; }
  [[nodiscard]] const QStringList& measured_files() const { return measured_files_; }

  // ---- The plan (the document's plan: section, as `dpcast plan` reads and runs it).
  /// How the plan section reads (validation().plan).
  [[nodiscard]] const PlanValidation& plan_validation() const { return validation_.plan; }
  /// Writes a list into the document ("plan.gpus"); empty: removed, so its default applies.
  void set_list(const std::string& key, const QStringList& values);
  /// The plan's target: `plan.target.tokens` or `plan.target.samples` (the other one goes).
  void set_plan_target(bool tokens, const QString& value);
  /// Removes the document's sweep (`dpcast plan` refuses a scenario that sweeps).
  void remove_sweep();
  /// Front points of at most this many GPUs are played again on the DES (`--confirm-up-to`).
  [[nodiscard]] int plan_confirm_up_to() const { return plan_confirm_up_to_; }
  void set_plan_confirm_up_to(int gpus) { plan_confirm_up_to_ = std::max(0, gpus); }
  /// Runs sim::make_plan on the worker when the plan section reads (after validation).
  void run_plan();
  void cancel_plan();
  [[nodiscard]] bool plan_running() const { return runner_.plan_running() || plan_requested_; }
  [[nodiscard]] PlanFrontModel* plan_front() { return &plan_front_; }
  /// The last plan's outcome (also when it failed), none before the first.
  [[nodiscard]] const std::optional<PlanOutcome>& plan_outcome() const { return plan_front_.outcome(); }
  /// Whether the document changed since the plan on show was run (opening one of its points aside).
  [[nodiscard]] bool plan_stale() const { return plan_stale_; }
  /// The front point selected in the plan view (-1: none).
  [[nodiscard]] int plan_selected() const { return plan_selected_; }
  void select_plan_point(int row);
  /// Makes front point `row` the document: its configuration as models::scenario_yaml writes it,
  /// plus this document's plan section. The document is then untitled and modified, so saving
  /// asks for a file and the one it came from stays as it is. False when there is no such point.
  bool open_plan_point(int row);
  /// The front point the document was made from, while it is unedited since (-1: none).
  [[nodiscard]] int opened_plan_point() const { return opened_plan_point_; }

  /// Whether anything is still to come: a pause before a re-run, a sweep, a detailed prediction, a plan.
  [[nodiscard]] bool busy() const;
  /// Runs the event loop until nothing is to come, or `timeout_ms` passes; returns whether idle.
  bool wait_idle(int timeout_ms);

 Q_SIGNALS:
  /// A new or opened document: every field is to be read again.
  void document_replaced();
  /// After every change of the document.
  void validated();
  void modified_changed(bool modified);
  void file_changed(const QString& file);
  void recent_files_changed();
  void engine_changed();
  void sweep_started(int total);
  void sweep_progress(int done, int total);
  void sweep_finished(bool canceled);
  void stale_changed(bool stale);
  void selection_changed(int row);
  /// The detailed prediction (and so the timeline) changed, or failed (detail_message()).
  void detail_changed();
  void measured_changed();
  void plan_started();
  void plan_finished(bool canceled);
  void plan_stale_changed(bool stale);
  void plan_selection_changed(int row);

 public:
  /// Why there is no timeline ("" when there is one).
  [[nodiscard]] const QString& detail_message() const { return detail_message_; }

 private:
  enum class Refresh { None, AfterPause, Now };
  /// After an edit; `plan_only`: of the plan section, which no prediction depends on.
  void changed(bool document_changed, bool plan_only = false);
  void revalidate(Refresh refresh);
  void validation_done();
  void schedule_refresh();
  void refresh();
  void request_detail();
  void show_a_configuration_that_fits();
  void update_comparison();
  void set_modified(bool modified);
  void set_stale(bool stale);
  void set_plan_stale(bool stale);
  void forget_plan();
  void remember_recent(const QString& path);

  ScenarioDocument document_;
  Validation validation_;
  QThreadPool validation_pool_;
  QFutureWatcher<Validation> validator_;
  bool validating_ = false;          // from a validation's start to its result's delivery
  bool validation_pending_ = false;  // the document changed while the validator ran
  Refresh refresh_after_validation_ = Refresh::None;
  bool run_requested_ = false;   // Run was asked for while validating
  bool plan_requested_ = false;  // Run plan was asked for while validating
  bool modified_ = false;
  Engine engine_ = Engine::Analytical;
  PredictionRunner runner_;
  SweepResultsModel results_;
  ComparisonModel comparison_;
  TimelineModel timeline_;
  std::vector<models::Scenario> sweep_configurations_;  // of the sweep on show
  bool stale_ = false;
  int selected_row_ = -1;
  std::optional<models::RunRecord> detail_record_;
  QString detail_message_;
  std::optional<models::Scenario> detail_configuration_;
  int timeline_ranks_ = 4;
  bool remembers_recent_ = true;
  std::vector<models::RunRecord> measured_;
  QStringList measured_files_;
  QTimer refresh_timer_;
  PlanFrontModel plan_front_;
  int plan_confirm_up_to_ = 1024;
  bool plan_stale_ = false;
  int plan_selected_ = -1;
  int opened_plan_point_ = -1;
};

}  // namespace dpcast::gui
