#include "dpcast/gui/session.hpp"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QSettings>
#include <QtConcurrent/QtConcurrentRun>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/memory_remedies.hpp"
#include "dpcast/sim/predictor.hpp"
#include "dpcast/sim/report.hpp"

namespace dpcast::gui {
namespace {
constexpr int kRecentFiles = 8;
constexpr int kTypingPauseMs = 150;
const char* const kRecentKey = "recentFiles";
}  // namespace

Session::Session(QObject* parent) : QObject(parent) {
  validation_pool_.setMaxThreadCount(1);
  validation_pool_.setExpiryTimeout(-1);
  connect(&validator_, &QFutureWatcher<Validation>::finished, this, &Session::validation_done);
  refresh_timer_.setSingleShot(true);
  refresh_timer_.setInterval(kTypingPauseMs);
  connect(&refresh_timer_, &QTimer::timeout, this, &Session::refresh);

  connect(&runner_, &PredictionRunner::sweep_started, this, &Session::sweep_started);
  connect(&runner_, &PredictionRunner::sweep_progress, this, &Session::sweep_progress);
  connect(&runner_, &PredictionRunner::sweep_result, this,
          [this](const PredictionOutcome& outcome) { results_.set_outcome(outcome); });
  connect(&runner_, &PredictionRunner::sweep_finished, this, [this](bool canceled) {
    update_comparison();
    Q_EMIT sweep_finished(canceled);
    show_a_configuration_that_fits();
  });
  connect(&runner_, &PredictionRunner::detail_finished, this,
          [this](const PredictionOutcome& outcome, const models::Scenario& configuration) {
            detail_configuration_ = configuration;
            if (outcome.ok) {
              detail_record_ = outcome.record;
            } else {
              detail_record_.reset();
              detail_message_ = QString::fromStdString(outcome.error);
            }
            set_timeline_ranks(timeline_ranks_);  // draws the timeline of the new record
            show_a_configuration_that_fits();
          });

  connect(&runner_, &PredictionRunner::plan_started, this, &Session::plan_started);
  connect(&runner_, &PredictionRunner::plan_finished, this, [this](const PlanOutcome& outcome, bool canceled) {
    if (!canceled) {
      plan_front_.set_outcome(outcome);
      opened_plan_point_ = -1;
      plan_selected_ = -2;  // so that the selection below is announced
      select_plan_point(plan_front_.recommended_row());
    }
    Q_EMIT plan_finished(canceled);
  });

  revalidate(Refresh::Now);
}

Session::~Session() {
  validation_pending_ = false;
  validation_pool_.waitForDone();
}

void Session::new_document() {
  forget_plan();
  document_ = ScenarioDocument();
  set_modified(false);
  Q_EMIT file_changed(file());
  Q_EMIT document_replaced();
  revalidate(Refresh::Now);
}

std::optional<std::string> Session::open(const QString& path) {
  try {
    document_ = ScenarioDocument::load(path.toStdString());
  } catch (const Error& e) {
    return std::string(e.what());
  }
  forget_plan();
  set_modified(false);
  remember_recent(path);
  Q_EMIT file_changed(file());
  Q_EMIT document_replaced();
  revalidate(Refresh::Now);
  return std::nullopt;
}

std::optional<std::string> Session::save(const QString& path) {
  try {
    document_.save(path.toStdString());
  } catch (const Error& e) {
    return std::string(e.what());
  }
  set_modified(false);
  remember_recent(path);
  Q_EMIT file_changed(file());
  revalidate(Refresh::None);  // messages now name the file, and relative model files resolve from its folder
  return std::nullopt;
}

namespace {
// `dpcast predict` ignores the plan section: an edit there changes no prediction.
bool in_plan(const std::string& key) {
  return key == "plan" || key.rfind("plan.", 0) == 0;
}
}  // namespace

void Session::set_value(const std::string& key, const QString& value) {
  changed(document_.set_value(key, value.trimmed().toStdString()), in_plan(key));
}

void Session::set_model_file(const QString& path) {
  if (path.trimmed().isEmpty()) return;
  changed(document_.set_single_entry_map("model", "file", path.trimmed().toStdString()));
}

void Session::set_sweep_values(const std::string& key, const QStringList& values) {
  std::vector<std::string> list;
  for (const auto& v : values)
    if (!v.trimmed().isEmpty()) list.push_back(v.trimmed().toStdString());
  changed(document_.set_sweep_values(key, list));
}

void Session::set_list(const std::string& key, const QStringList& values) {
  std::vector<std::string> list;
  for (const auto& v : values)
    if (!v.trimmed().isEmpty()) list.push_back(v.trimmed().toStdString());
  changed(document_.set_list(key, list), in_plan(key));
}

void Session::set_plan_target(bool tokens, const QString& value) {
  const std::string kind = tokens ? "tokens" : "samples";
  const std::string other = tokens ? "samples" : "tokens";
  bool change = document_.remove("plan.target." + other);
  change = document_.set_value("plan.target." + kind, value.trimmed().toStdString()) || change;
  changed(change, true);
}

void Session::remove_sweep() {
  changed(document_.remove("sweep"));
}

void Session::changed(bool document_changed, bool plan_only) {
  if (!document_changed) return;
  set_modified(true);
  opened_plan_point_ = -1;
  if (plan_front_.outcome()) set_plan_stale(true);  // until the plan runs again
  if (plan_only) {
    revalidate(Refresh::None);  // the predictions on show are still those of this document
    return;
  }
  set_stale(true);  // until the sweep runs again
  revalidate(Refresh::AfterPause);
}

void Session::revalidate(Refresh refresh) {
  refresh_after_validation_ = std::max(refresh_after_validation_, refresh);
  if (validating_) {
    validation_pending_ = true;  // validated again when this one ends: the latest document wins
    return;
  }
  validating_ = true;
  validator_.setFuture(QtConcurrent::run(&validation_pool_, [document = document_]() {
    try {
      return validate(document);
    } catch (const std::exception& e) {  // validate() reports dpcast::Error itself
      Validation v;
      v.error = ValidationError{document.error_file() + ": " + e.what(), e.what(), "", document.error_file(), 0, false};
      return v;
    }
  }));
}

void Session::validation_done() {
  validating_ = false;
  if (validation_pending_) {
    validation_pending_ = false;
    revalidate(Refresh::None);
    return;
  }
  validation_ = validator_.result();
  Q_EMIT validated();
  const Refresh refresh = std::exchange(refresh_after_validation_, Refresh::None);
  if (plan_requested_) {
    plan_requested_ = false;
    run_plan();
  }
  if (run_requested_) {
    run_requested_ = false;
    run_sweep();
  } else if (refresh == Refresh::Now) {
    this->refresh();
  } else if (refresh == Refresh::AfterPause) {
    schedule_refresh();
  }
}

void Session::schedule_refresh() {
  refresh_timer_.start();
}

void Session::refresh() {
  refresh_timer_.stop();
  if (!validation_.ok()) {
    set_stale(true);
    return;
  }
  if (engine_ == Engine::Analytical) {
    run_sweep();  // also asks for the timeline of the document's configuration
  } else {
    set_stale(true);
    selected_row_ = -1;
    Q_EMIT selection_changed(-1);
    request_detail();
  }
}

QStringList Session::recent_files() const {
  return QSettings().value(kRecentKey).toStringList();
}

void Session::remember_recent(const QString& path) {
  if (!remembers_recent_) return;
  QStringList files = recent_files();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  files.removeAll(absolute);
  files.prepend(absolute);
  while (files.size() > kRecentFiles) files.removeLast();
  QSettings().setValue(kRecentKey, files);
  Q_EMIT recent_files_changed();
}

void Session::set_engine(Engine engine) {
  if (engine == engine_) return;
  engine_ = engine;
  Q_EMIT engine_changed();
  if (engine_ == Engine::Analytical)
    schedule_refresh();
  else
    set_stale(true);
}

Engine Session::detail_engine() const {
  return des_available() ? Engine::Des : Engine::Analytical;
}

void Session::run_sweep() {
  refresh_timer_.stop();
  if (validating()) {
    run_requested_ = true;  // when the document on show has been read
    return;
  }
  if (!validation_.ok()) return;
  sweep_configurations_ = validation_.configurations;
  std::vector<ResultRow> rows;
  for (std::size_t i = 0; i < sweep_configurations_.size(); ++i)
    rows.push_back(pending_row(sweep_configurations_[i], static_cast<int>(i)));
  results_.reset(std::move(rows));
  set_stale(false);
  runner_.start_sweep(sweep_configurations_, engine_);
  selected_row_ = -1;
  Q_EMIT selection_changed(-1);
  request_detail();
}

void Session::cancel_sweep() {
  runner_.cancel_sweep();
}

void Session::select_row(int row) {
  if (row < -1 || row >= static_cast<int>(sweep_configurations_.size())) row = -1;
  if (row == selected_row_) return;
  selected_row_ = row;
  Q_EMIT selection_changed(row);
  request_detail();
}

// With no row chosen, the timeline shows the document's own configuration; when that does not
// fit in memory, the first configuration of the (current) sweep that does, selected.
void Session::show_a_configuration_that_fits() {
  if (selected_row_ >= 0 || !detail_record_ || detail_record_->feasible || stale_) return;
  const auto& rows = results_.rows();
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].state == ResultRow::State::Done && rows[i].record.feasible) {
      select_row(static_cast<int>(i));
      return;
    }
}

void Session::request_detail() {
  std::optional<models::Scenario> configuration;
  if (selected_row_ >= 0)
    configuration = sweep_configurations_[static_cast<std::size_t>(selected_row_)];
  else if (validation_.ok())
    configuration = validation_.base;
  if (!configuration) return;
  // The detail view plays a configuration on the DES, unless it is beyond what the DES plays
  // in bounded time.
  runner_.start_detail(*configuration,
                       sim::beyond_the_des(*configuration).empty() ? detail_engine() : Engine::Analytical);
}

void Session::set_timeline_ranks(int ranks) {
  timeline_ranks_ = std::max(1, ranks);
  Timeline t;
  if (detail_record_) {
    const auto& r = *detail_record_;
    const std::string label = record_configuration(r).toStdString();
    if (!r.feasible) {
      const std::string remedies = sim::memory_remedies(*detail_configuration_);
      t.message =
          label + " does not fit in memory: " + sim::out_of_memory_text(r) + (remedies.empty() ? "" : "; " + remedies);
    } else {
      try {
        t = timeline_of(r, *detail_configuration_, timeline_ranks_);
      } catch (const Error& e) {
        t.message = e.what();
      }
    }
    t.label = label;
    t.engine = r.engine;
    t.gpus = r.gpus;
  } else {
    t.message = detail_message_.toStdString();
  }
  detail_message_ = QString::fromStdString(t.message);
  timeline_.set_timeline(std::move(t));
  Q_EMIT detail_changed();
}

std::optional<std::string> Session::add_measured(const QStringList& paths) {
  std::vector<models::RunRecord> added;
  QStringList files;
  for (const auto& path : paths) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (measured_files_.contains(absolute) || files.contains(absolute)) continue;
    std::vector<models::RunRecord> records;
    try {
      records = sim::load_records(path.toStdString());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    bool any = false;
    for (auto& r : records)
      if (r.kind == "measured") {
        added.push_back(std::move(r));
        any = true;
      }
    if (!any) return path.toStdString() + ": no measured run records (kind: measured) in this file";
    files.push_back(absolute);
  }
  measured_.insert(measured_.end(), added.begin(), added.end());
  measured_files_ += files;
  update_comparison();
  Q_EMIT measured_changed();
  return std::nullopt;
}

void Session::clear_measured() {
  measured_.clear();
  measured_files_.clear();
  update_comparison();
  Q_EMIT measured_changed();
}

void Session::update_comparison() {
  std::vector<models::RunRecord> records;
  for (const auto& row : results_.rows())
    if (row.state == ResultRow::State::Done) records.push_back(row.record);
  records.insert(records.end(), measured_.begin(), measured_.end());
  comparison_.set_comparison(sim::compare_records(records));
}

void Session::set_modified(bool modified) {
  if (modified == modified_) return;
  modified_ = modified;
  Q_EMIT modified_changed(modified);
}

void Session::set_stale(bool stale) {
  if (stale == stale_) return;
  stale_ = stale;
  Q_EMIT stale_changed(stale);
}

bool Session::busy() const {
  return validating() || refresh_timer_.isActive() || runner_.busy() || plan_requested_;
}

void Session::run_plan() {
  if (validating()) {
    plan_requested_ = true;  // when the document on show has been read
    return;
  }
  if (!validation_.plan.ok()) return;
  set_plan_stale(false);
  runner_.start_plan(*validation_.plan.input, plan_options(plan_confirm_up_to_), document_.error_file());
}

void Session::cancel_plan() {
  if (plan_requested_) {
    plan_requested_ = false;
    Q_EMIT plan_finished(true);
  }
  runner_.cancel_plan();
}

void Session::forget_plan() {
  cancel_plan();
  plan_front_.set_outcome(std::nullopt);
  opened_plan_point_ = -1;
  set_plan_stale(false);
  select_plan_point(-1);
}

void Session::select_plan_point(int row) {
  if (row < -1 || row >= plan_front_.rowCount()) row = -1;
  if (row == plan_selected_) return;
  plan_selected_ = row;
  Q_EMIT plan_selection_changed(row);
}

bool Session::open_plan_point(int row) {
  const auto& outcome = plan_front_.outcome();
  if (!outcome || row < 0 || row >= static_cast<int>(outcome->result.front.size())) return false;
  const sim::PlanPoint& point = outcome->result.front[static_cast<std::size_t>(row)];
  ScenarioDocument doc;
  try {
    doc = ScenarioDocument::from_text(models::scenario_yaml(point.scenario), "");
  } catch (const Error&) {
    return false;  // scenario_yaml writes what the reader reads; tests hold it to that
  }
  doc.copy_key("plan", document_);  // the plan stays, to plan again or open another point
  document_ = std::move(doc);
  set_modified(true);
  set_stale(true);
  Q_EMIT file_changed(file());
  Q_EMIT document_replaced();
  revalidate(Refresh::Now);
  opened_plan_point_ = row;
  set_plan_stale(false);  // the plan on show is the one this document comes from
  select_plan_point(row);
  return true;
}

void Session::set_plan_stale(bool stale) {
  if (stale == plan_stale_) return;
  plan_stale_ = stale;
  Q_EMIT plan_stale_changed(stale);
}

bool Session::wait_idle(int timeout_ms) {
  QElapsedTimer clock;
  clock.start();
  while (clock.elapsed() < timeout_ms) {
    if (!busy()) {
      QCoreApplication::processEvents();  // what idleness itself posted (a chart to redraw)
      if (!busy()) return true;
    }
    QEventLoop loop;
    QTimer::singleShot(20, &loop, &QEventLoop::quit);
    loop.exec();
  }
  return !busy();
}

}  // namespace dpcast::gui
