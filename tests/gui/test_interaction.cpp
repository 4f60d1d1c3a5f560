// The dashboard window driven as a user drives it (offscreen): edits redraw the charts, a wrong
// value is marked at its field with the CLI's message, a sweep runs off the GUI thread and
// stops when cancelled, measured records become points and error rows, saving and reopening
// gives the same scenario, and closing asks before unsaved changes are lost.
#include <QApplication>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLogValueAxis>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QUrl>
#include <QXYSeries>
#include <QtTest>

#include <fstream>

#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/main_window.hpp"
#include "dpcast/gui/plan_panel.hpp"
#include "dpcast/gui/scenario_panel.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/sweep_panel.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "dpcast/sim/plan_report.hpp"
#include "dpcast/sim/planner.hpp"
#include "dpcast/sim/units.hpp"
#include "gui_test_support.hpp"

using namespace dpcast;
using namespace dpcast::gui;
using namespace dpcast::gui::test;

namespace {

constexpr int kIdleMs = 60000;

constexpr const char* kSingle = R"(name: interaction
model: gpt2-small
cluster: {node: dgx-h100, nodes: 2}
training: {micro_batch: 8}
)";

void write(const QString& path, const std::string& text) {
  std::ofstream out(path.toStdString());
  out << text;
}

QXYSeries* series_named(QChart* chart, const QString& name) {
  for (QAbstractSeries* s : chart->series())
    if (s->name() == name) return qobject_cast<QXYSeries*>(s);
  return nullptr;
}

// The GPU counts of a chart's series.
QList<double> xs(ChartPanel* panel, const QString& name) {
  QList<double> out;
  if (QXYSeries* s = series_named(panel->chart(), name))
    for (const QPointF& p : s->points()) out << p.x();
  return out;
}

// Replaces a line edit's text as typing does (textEdited for every key).
void type(QLineEdit* edit, const QString& text) {
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Backspace);
  QTest::keyClicks(edit, text);
}

void choose(QComboBox* combo, const QString& value) {
  int index = combo->findData(value);
  if (index < 0) index = combo->findText(value);
  QVERIFY2(index >= 0, qPrintable(value));
  combo->setCurrentIndex(index);
  Q_EMIT combo->activated(index);
}

// Answers the next message box with `button`; *shown says whether one came. A new call
// replaces the previous one if its box never came.
void answer_next_dialog(QMessageBox::StandardButton button, bool* shown) {
  static QPointer<QTimer> previous;
  delete previous.data();
  *shown = false;
  auto* poll = new QTimer;
  previous = poll;
  QObject::connect(poll, &QTimer::timeout, [poll, button, shown] {
    if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
      *shown = true;
      poll->stop();
      poll->deleteLater();
      box->button(button)->click();
    }
  });
  poll->start(10);
  QTimer::singleShot(5000, poll, [poll] {
    poll->stop();
    poll->deleteLater();
  });
}

constexpr const char* kPlanExample = "scenarios/examples/plan-gpt2-xl.yaml";

std::string file_text(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return file.readAll().toStdString();
}

// What `dpcast plan` finds for the example (with the deadline in hours changed when > 0),
// run here with the options the dashboard gives make_plan.
sim::PlanResult expected_plan(int confirm_up_to, double deadline_hours = 0) {
  auto input = models::load_plan_scenario(kPlanExample);
  if (deadline_hours > 0) input.plan.deadline_s = deadline_hours * 3600;
  return sim::make_plan(input.base, input.plan, models::Catalogue::builtin(), plan_options(confirm_up_to));
}

struct Window {
  MainWindow w;
  Window() {
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
  }
  Session* s() { return w.session(); }
  ChartPanel* chart(const QString& id) { return w.view(id)->chart; }
  bool idle() { return s()->wait_idle(kIdleMs); }
  PlanPanel* plan() { return w.plan_panel(); }
  // Opens the example plan and runs it as a user does: the Plan tab, Run plan.
  bool run_example_plan() {
    if (!w.open_scenario(kPlanExample) || !idle()) return false;
    w.show_view("plan");
    QSignalSpy finished(s(), &Session::plan_finished);
    QTest::mouseClick(plan()->run_button(), Qt::LeftButton);
    if (!finished.wait(kIdleMs) || finished.last().at(0).toBool()) return false;
    return idle();
  }
};

}  // namespace

class InteractionTest : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    isolate_settings(dir_.filePath("settings"));
  }

  void changing_gpu_counts_updates_the_series() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/examples/cpu-mlp.yaml"));  // cpu-host: 2 workers per node
    QVERIFY(win.idle());
    ChartPanel* step = win.chart("step-time");
    step->rebuild();
    QCOMPARE(xs(step, "predicted"), (QList<double>{2, 4, 8, 16}));
    // The sweep's node counts.
    type(win.w.sweep_panel()->node_counts(), "1, 3");
    QVERIFY(win.idle());
    QTRY_COMPARE(xs(step, "predicted"), (QList<double>{2, 6}));
    QCOMPARE(xs(win.chart("throughput"), "predicted").size(), 2);
    // No sweep: the scenario's own node count, edited in the scenario panel.
    type(win.w.sweep_panel()->node_counts(), "");
    QVERIFY(win.idle());
    auto* nodes = qobject_cast<QLineEdit*>(win.w.scenario_panel()->editor("cluster.nodes"));
    QVERIFY(nodes->isEnabled());  // no longer swept
    type(nodes, "5");
    QVERIFY(win.idle());
    QTRY_COMPARE(xs(step, "predicted"), (QList<double>{10}));
    QCOMPARE(win.s()->results()->rowCount(), 1);
    // The y values are the predictions (in the axis' unit, ms here).
    const auto& r = win.s()->results()->rows().front().record;
    QCOMPARE(series_named(step->chart(), "predicted")->at(0).y(), r.step_time_s * 1e3);
  }

  void a_series_per_micro_batch() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    QTRY_VERIFY(series_named(win.chart("step-time")->chart(), "micro_batch 16"));
    choose(win.w.sweep_panel()->series(), "NIC link");
    QVERIFY(win.idle());
    type(win.w.sweep_panel()->series_values(), "eth-100g, ib-ndr");
    QVERIFY(win.idle());
    QTRY_VERIFY(series_named(win.chart("step-time")->chart(), "link eth-100g"));
    QVERIFY(series_named(win.chart("scaling")->chart(), "link ib-ndr"));
    QVERIFY(!series_named(win.chart("step-time")->chart(), "micro_batch 16"));
    QCOMPARE(win.s()->document().sweep_values("cluster.network.link"),
             std::optional<std::vector<std::string>>({"eth-100g", "ib-ndr"}));
    QVERIFY(!win.s()->document().sweep_values("training.micro_batch"));
    QCOMPARE(win.s()->results()->rowCount(), 16);
  }

  // A sweep that keeps the GPU count (attention x ZeRO stage) puts its configurations side by
  // side on a category axis, each series in its own colour; a configuration that does not fit
  // says so in the table; the timeline starts on the first configuration that fits, since the
  // document's own (eager attention at 4k) does not.
  void a_sweep_at_one_gpu_count_is_drawn_by_configuration() {
    const QString path = dir_.filePath("one-gpu-count.yaml");
    write(path,
          "model: llama2-7b\ncluster: {node: dgx-a100, nodes: 4}\n"
          "training: {micro_batch: 2, seq_len: 4096, attention: eager}\n"
          "sweep:\n  training.attention: [eager, flash]\n  data_parallel.zero_stage: [0, 3]\n");
    Window win;
    QVERIFY(win.w.open_scenario(path));
    QVERIFY(win.idle());
    ChartPanel* step = win.chart("memory");
    step->rebuild();
    QChart* chart = step->chart();
    auto* x = qobject_cast<QCategoryAxis*>(chart->axes(Qt::Horizontal).value(0));
    QVERIFY2(x, "no category axis");
    const auto series = win.s()->results()->series();
    QCOMPARE(x->categoriesLabels().size(), static_cast<int>(series.size()));
    QCOMPARE(x->categoriesLabels().first(), QString::fromStdString(series.front()));
    QSet<QRgb> colours;
    for (std::size_t k = 0; k < series.size(); ++k) {
      QXYSeries* line = series_named(chart, QString::fromStdString(series[k]));
      QVERIFY(line);
      QCOMPARE(line->at(0).x(), static_cast<double>(k));
      colours.insert(line->color().rgb());
    }
    QCOMPARE(colours.size(), static_cast<int>(series.size()));
    QVERIFY(chart->legend()->toolTip().contains(QString::fromStdString(series.back())));
    // The step time: the one configuration that fits, and a red square on the axis for each
    // of the others.
    ChartPanel* step_time = win.chart("step-time");
    step_time->rebuild();
    QCOMPARE(step_time->chart()->title(), QString("Step time by configuration"));
    QXYSeries* oom = series_named(step_time->chart(), "out of memory");
    QVERIFY(oom);
    QCOMPARE(oom->count(), 3);
    // The table: "out of memory" where a step time would be; the timeline on a fitting row.
    const auto& rows = win.s()->results()->rows();
    int first_fitting = -1;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const QModelIndex cell = win.s()->results()->index(static_cast<int>(i), SweepResultsModel::StepTime);
      if (!rows[i].record.feasible) QCOMPARE(cell.data().toString(), QString("out of memory"));
      if (rows[i].record.feasible && first_fitting < 0) first_fitting = static_cast<int>(i);
    }
    QVERIFY2(!rows.front().record.feasible && first_fitting > 0,
             "the sweep must start with a configuration that does not fit");
    QTRY_COMPARE(win.s()->selected_row(), first_fitting);
    QVERIFY(win.idle());
    QTRY_VERIFY(win.s()->detail_record() && win.s()->detail_record()->feasible);
  }

  // Throughput: a logarithmic axis labelled every factor of 2 over less than four decades,
  // reaching the end of the linear-scaling reference.
  void the_throughput_axis_is_labelled_and_holds_linear_scaling() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    ChartPanel* panel = win.chart("throughput");
    panel->rebuild();
    auto* y = qobject_cast<QLogValueAxis*>(panel->chart()->axes(Qt::Vertical).value(0));
    QVERIFY(y);
    QVERIFY(y->max() / y->min() < 1e4 ? y->base() == 2 : y->base() == 10);
    QXYSeries* ideal = nullptr;
    for (QAbstractSeries* s : panel->chart()->series())
      if (s->name().startsWith("linear scaling")) ideal = qobject_cast<QXYSeries*>(s);
    QVERIFY(ideal);
    QVERIFY(ideal->at(1).y() <= y->max());
  }

  // The status line says where the numbers come from, as dpcast predict's footer does.
  void the_status_line_says_where_the_numbers_come_from() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    const auto& r = win.s()->results()->rows().front().record;
    QVERIFY2(r.provenance.rfind("catalogue defaults", 0) == 0, r.provenance.c_str());
    QTRY_COMPARE(win.w.provenance()->text(), QString("Numbers from %1").arg(QString::fromStdString(r.provenance)));
  }

  void a_wrong_value_is_marked_with_the_cli_message_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");  // the detail, exactly
    QTest::newRow("negative nodes") << "cluster.nodes"
                                    << "-4"
                                    << "expected a positive integer, got -4";
    QTest::newRow("micro-batch abc") << "training.micro_batch"
                                     << "abc"
                                     << "expected a positive integer, got abc";
    QTest::newRow("zero bucket") << "data_parallel.bucket_mb"
                                 << "0"
                                 << "expected a positive number, got 0";
    QTest::newRow("too many GPUs per node") << "cluster.gpus_per_node"
                                            << "99"
                                            << "";
    QTest::newRow("model typo") << "model"
                                << "gpt2-smal"
                                << "unknown model 'gpt2-smal' (did you mean 'gpt2-small'?)";
    QTest::newRow("oversubscription below 1") << "cluster.network.oversubscription"
                                              << "0.5"
                                              << "";
    QTest::newRow("background of the whole uplink")
        << "cluster.network.background"
        << "1"
        << "expected fair or a fraction of the uplinks' bandwidth, at least 0 and below 1, got 1";
  }
  void a_wrong_value_is_marked_with_the_cli_message() {
    QFETCH(QString, key);
    QFETCH(QString, text);
    QFETCH(QString, message);
    const QString path = dir_.filePath("single.yaml");
    write(path, kSingle);
    Window win;
    QVERIFY(win.w.open_scenario(path));
    QVERIFY(win.idle());
    ScenarioPanel* panel = win.w.scenario_panel();
    QWidget* editor = panel->editor(key.toStdString());
    QVERIFY(editor);
    if (auto* edit = qobject_cast<QLineEdit*>(editor))
      type(edit, text);
    else if (auto* combo = qobject_cast<QComboBox*>(editor))
      combo->setEditText(text);
    QVERIFY(win.s()->results_stale());  // at once
    QVERIFY(win.idle());                // validation runs off the GUI thread
    const QString shown = panel->error_text(key.toStdString());
    QVERIFY2(!shown.isEmpty(), "no inline error");
    if (!message.isEmpty()) QCOMPARE(shown, message);
    // The same words as `dpcast predict` on the same file.
    const QString saved = dir_.filePath("single-edited.yaml");
    QVERIFY(win.w.save_to(saved));
    const Run cli = run(DPCAST_CLI, {"predict", saved, "--engine", "analytical"});
    QCOMPARE(cli.code, 2);
    QVERIFY2(cli.err.trimmed().endsWith(key + ": " + shown), qPrintable(cli.err));
    // Every other field is clean; the results are marked out of date; Run is off.
    for (const auto& other : ScenarioPanel::keys())
      if (other != key.toStdString()) QVERIFY(panel->error_text(other).isEmpty());
    QVERIFY(win.s()->results_stale());
    QVERIFY(!win.w.sweep_panel()->run_button()->isEnabled());
    // Fixing it clears the mark.
    if (auto* edit = qobject_cast<QLineEdit*>(editor))
      type(edit, key == "cluster.network.oversubscription" ? "2" : key == "cluster.network.background" ? "0.5" : "1");
    else if (auto* combo = qobject_cast<QComboBox*>(editor))
      combo->setEditText("gpt2-small");
    QVERIFY(win.idle());
    QCOMPARE(panel->error_text(key.toStdString()), QString());
    QVERIFY(win.s()->validation().ok());
  }

  void a_wrong_sweep_value_is_marked_in_the_sweep_panel() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    type(win.w.sweep_panel()->node_counts(), "1, four");
    QVERIFY(win.idle());
    QCOMPARE(win.w.sweep_panel()->error_text(), QString("cluster.nodes: expected a positive integer, got four"));
    QCOMPARE(win.w.scenario_panel()->banner_text(), QString());
    QVERIFY(!win.w.sweep_panel()->run_button()->isEnabled());
    type(win.w.sweep_panel()->node_counts(), "1, 4");
    QVERIFY(win.idle());
    QCOMPARE(win.w.sweep_panel()->error_text(), QString());
  }

  void cancel_stops_the_worker_and_the_window_stays_responsive() {
    if (!des_available()) QSKIP("this build has no DES (SimGrid); an analytical sweep ends before it can be cancelled");
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    SweepPanel* panel = win.w.sweep_panel();
    choose(panel->engine(), QString::number(static_cast<int>(Engine::Des)));
    QCOMPARE(win.s()->engine(), Engine::Des);
    QVERIFY(win.idle());
    QSignalSpy progress(win.s(), &Session::sweep_progress);
    QSignalSpy finished(win.s(), &Session::sweep_finished);
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
    // A zero timer ticks on every pass of the event loop: a 5 ms one could miss a first
    // configuration that a loaded machine's worker still finished sooner (CI, 2026-12-06).
    ticker.start(0);
    QTest::mouseClick(panel->run_button(), Qt::LeftButton);
    // The click returned at once: the 24 DES configurations run on the worker.
    QVERIFY(win.s()->runner().sweep_running());
    QCOMPARE(win.s()->results()->finished_rows(), 0);
    QVERIFY(panel->cancel_button()->isEnabled());
    QVERIFY(progress.wait(30000));
    QVERIFY2(ticks > 0, "the event loop did not run while the first configuration was predicted");
    QTest::mouseClick(panel->cancel_button(), Qt::LeftButton);
    // The click cancels at once (the worker may keep going meanwhile: read it after the click).
    const int at_cancel = win.s()->runner().configurations_started();
    QVERIFY(finished.wait(10000) || !finished.isEmpty());
    QCOMPARE(finished.last().at(0).toBool(), true);  // cancelled
    // Stopped within one configuration: at most one that was about to begin when cancelled.
    QVERIFY(win.s()->runner().configurations_started() <= at_cancel + 1);
    const int done = win.s()->results()->finished_rows();
    QVERIFY2(done < 24, qPrintable(QString("%1 configurations predicted").arg(done)));
    QVERIFY(!win.s()->runner().sweep_running());
    QVERIFY(!panel->cancel_button()->isEnabled());
    QVERIFY(panel->status_text().startsWith("cancelled after"));
    const int after = win.s()->runner().configurations_started();
    QTest::qWait(300);
    QCOMPARE(win.s()->runner().configurations_started(), after);  // and nothing more runs
    // The window goes on: the analytical engine re-runs the whole sweep.
    choose(panel->engine(), QString::number(static_cast<int>(Engine::Analytical)));
    QVERIFY(win.idle());
    QCOMPARE(win.s()->results()->finished_rows(), 24);
  }

  void des_in_the_worker_thread_equals_des_in_the_gui_thread() {
    if (!des_available()) QSKIP("this build has no DES (SimGrid)");
    const auto all = models::load_scenarios("scenarios/quickstart.yaml");
    const std::vector<models::Scenario> some{all[0], all[10], all[23]};  // 8, 64 and 1,024 GPUs
    PredictionRunner runner;
    std::vector<PredictionOutcome> outcomes;
    connect(&runner, &PredictionRunner::sweep_result, [&](const PredictionOutcome& o) { outcomes.push_back(o); });
    QSignalSpy finished(&runner, &PredictionRunner::sweep_finished);
    runner.start_sweep(some, Engine::Des);
    QVERIFY(finished.wait(60000));
    QCOMPARE(outcomes.size(), std::size_t{3});
    Predictor here;
    for (const auto& o : outcomes) {
      QVERIFY2(o.ok, o.error.c_str());
      const auto r = here.predict(some[static_cast<std::size_t>(o.index)], Engine::Des, false);
      QCOMPARE(o.record.engine, std::string("des"));
      QCOMPARE(o.record.step_time_s, r.step_time_s);
      QCOMPARE(o.record.breakdown.exposed_comm_s, r.breakdown.exposed_comm_s);
    }
  }

  void a_measured_record_becomes_a_point_and_an_error_row() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/examples/cpu-mlp.yaml"));
    QVERIFY(win.idle());
    ChartPanel* compare = win.chart("compare");
    compare->rebuild();
    QVERIFY(!series_named(compare->chart(), "measured"));
    QCOMPARE(win.s()->comparison()->rowCount(), 0);
    QVERIFY(win.w.open_records({"tests/cli/records/mlp-measured.json"}));
    QCOMPARE(win.s()->comparison()->rowCount(), 1);  // micro-batch 32 on 2 workers; 64 is not in the sweep
    const auto& pair = win.s()->comparison()->comparison().pairs.front();
    QCOMPARE(pair.measured.step_time_s, 0.1);
    QCOMPARE(win.s()->comparison()->data(win.s()->comparison()->index(0, ComparisonModel::Error), RawRole).toDouble(),
             (pair.predicted.step_time_s - 0.1) / 0.1);
    QTRY_VERIFY(series_named(compare->chart(), "measured"));
    QXYSeries* points = series_named(compare->chart(), "measured");
    QCOMPARE(points->count(), 1);
    QCOMPARE(points->at(0).x(), 2.0);
    QVERIFY(win.w.comparison_summary()->text().contains("micro-batch 64"));
    QVERIFY(win.w.comparison_summary()->text().contains("no prediction of this configuration"));
    // The same file again adds nothing; clearing removes the point.
    QVERIFY(win.w.open_records({"tests/cli/records/mlp-measured.json"}));
    QCOMPARE(win.s()->measured().size(), std::size_t{2});
    win.s()->clear_measured();
    QCOMPARE(win.s()->comparison()->rowCount(), 0);
    QTRY_VERIFY(!series_named(compare->chart(), "measured"));
  }

  void dropped_files_open() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/examples/cpu-mlp.yaml"));
    QVERIFY(win.idle());
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(source_path("tests/cli/records/mlp-measured.json"))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&win.w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&win.w, &drop);
    QCOMPARE(win.s()->comparison()->rowCount(), 1);
    // A scenario dropped opens as the document.
    QMimeData scenario;
    scenario.setUrls({QUrl::fromLocalFile(source_path("scenarios/quickstart.yaml"))});
    QDragEnterEvent enter_scenario(QPoint(10, 10), Qt::CopyAction, &scenario, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&win.w, &enter_scenario);
    QDropEvent drop_scenario(QPointF(10, 10), Qt::CopyAction, &scenario, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&win.w, &drop_scenario);
    QCOMPARE(QFileInfo(win.s()->file()).fileName(), QString("quickstart.yaml"));
  }

  void bad_files_give_a_message_not_a_crash_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("records");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing scenario") << "scenarios/nope.yaml" << false
                                      << "scenarios/nope.yaml: cannot open scenario file";
    QTest::newRow("malformed scenario")
        << "tests/cli/bad/malformed-yaml.yaml" << false
        << "tests/cli/bad/malformed-yaml.yaml:3:9: invalid YAML: end of map flow not found";
    QTest::newRow("not a scenario") << "tests/cli/bad/not-a-map.yaml" << false << "";
    QTest::newRow("not a record") << "tests/cli/bad/not-a-record.json" << true
                                  << "tests/cli/bad/not-a-record.json: kind: missing in run record";
    QTest::newRow("missing records") << "tests/cli/records/nope.json" << true << "";
    QTest::newRow("record beyond double")
        << "tests/cli/bad/number-overflow.json" << true
        << "tests/cli/bad/number-overflow.json: not JSON: [json.exception.out_of_range.406] number overflow parsing "
           "'1e400'";
    QTest::newRow("record nested too deep")
        << "tests/cli/bad/deep-record.json" << true
        << "tests/cli/bad/deep-record.json: nested deeper than 64 levels (the limit)";
    QTest::newRow("folder as records") << "tests/cli/records" << true
                                       << "tests/cli/records: is a directory, not a run record file";
    QTest::newRow("scenario nested too deep")
        << "tests/cli/bad/deep-scenario.yaml" << false
        << "tests/cli/bad/deep-scenario.yaml:4:70: name: nested deeper than 64 levels (the limit)";
    QTest::newRow("predicted, not measured") << "tests/cli/records/mlp-predicted.json" << true
                                             << "tests/cli/records/mlp-predicted.json: no measured run records "
                                                "(kind: measured) in this file";
  }
  void bad_files_give_a_message_not_a_crash() {
    QFETCH(QString, file);
    QFETCH(bool, records);
    QFETCH(QString, message);
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(!(records ? win.w.open_records({file}) : win.w.open_scenario(file)));
    QVERIFY(!win.w.message().isEmpty());
    if (!message.isEmpty()) QCOMPARE(win.w.message(), message);
    QVERIFY(win.w.message().startsWith(file));
    // The document and the window are as they were.
    QCOMPARE(QFileInfo(win.s()->file()).fileName(), QString("quickstart.yaml"));
    QVERIFY(win.s()->validation().ok());
    QVERIFY(win.w.isVisible());
  }

  void save_then_reopen_gives_the_same_scenario() {
    const QString path = dir_.filePath("saved.yaml");
    std::vector<std::string> before;
    {
      Window win;
      QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
      choose(qobject_cast<QComboBox*>(win.w.scenario_panel()->editor("cluster.network.link")), "ib-hdr");
      choose(qobject_cast<QComboBox*>(win.w.scenario_panel()->editor("data_parallel.zero_stage")), "2");
      type(qobject_cast<QLineEdit*>(win.w.scenario_panel()->editor("data_parallel.bucket_mb")), "50");
      type(win.w.sweep_panel()->node_counts(), "1, 2, 8");
      QVERIFY(win.idle());
      QVERIFY(win.s()->validation().ok());
      QVERIFY(win.s()->is_modified());
      QVERIFY(win.w.save_to(path));
      QVERIFY(!win.s()->is_modified());
      for (const auto& c : win.s()->validation().configurations) before.push_back(models::scenario_yaml(c));
      QVERIFY(win.idle());
    }
    Window again;
    QVERIFY(again.w.open_scenario(path));
    QVERIFY(again.idle());
    std::vector<std::string> after;
    for (const auto& c : again.s()->validation().configurations) after.push_back(models::scenario_yaml(c));
    QCOMPARE(after.size(), std::size_t{9});
    QCOMPARE(after, before);
    QCOMPARE(
        qobject_cast<QComboBox*>(again.w.scenario_panel()->editor("cluster.network.link"))->currentData().toString(),
        QString("ib-hdr"));
    QCOMPARE(again.w.sweep_panel()->node_counts()->text(), QString("1, 2, 8"));
    QCOMPARE(again.w.sweep_panel()->series_values()->text(), QString("4, 8, 16"));
    QVERIFY(again.idle());
  }

  void modified_flag_and_close_prompt() {
    const QString path = dir_.filePath("close.yaml");
    write(path, kSingle);
    auto* win = new Window;
    QVERIFY(win->w.open_scenario(path));
    QVERIFY(!win->w.isWindowModified());
    QVERIFY(win->w.windowTitle().startsWith("close.yaml[*]"));
    // Unmodified: closing asks nothing.
    bool shown = false;
    answer_next_dialog(QMessageBox::Cancel, &shown);
    QVERIFY(win->w.close());
    QTest::qWait(50);
    QVERIFY(!shown);
    win->w.show();
    auto* bucket = qobject_cast<QLineEdit*>(win->w.scenario_panel()->editor("data_parallel.bucket_mb"));
    type(bucket, "50");
    QVERIFY(win->w.isWindowModified());
    // Cancel: the window stays, with its changes.
    answer_next_dialog(QMessageBox::Cancel, &shown);
    QVERIFY(!win->w.close());
    QVERIFY(shown);
    QVERIFY(win->w.isVisible());
    QVERIFY(win->w.isWindowModified());
    // Save: written, then closed.
    answer_next_dialog(QMessageBox::Save, &shown);
    QVERIFY(win->w.close());
    QVERIFY(shown);
    QVERIFY(!win->w.isWindowModified());
    QCOMPARE(ScenarioDocument::load(path.toStdString()).value("data_parallel.bucket_mb"),
             std::optional<std::string>("50"));
    // Discard: closed, the file as it was.
    win->w.show();
    type(bucket, "75");
    QVERIFY(win->w.isWindowModified());
    answer_next_dialog(QMessageBox::Discard, &shown);
    QVERIFY(win->w.close());
    QVERIFY(shown);
    QCOMPARE(ScenarioDocument::load(path.toStdString()).value("data_parallel.bucket_mb"),
             std::optional<std::string>("50"));
    // Opening another file asks too.
    win->w.show();
    type(bucket, "80");
    answer_next_dialog(QMessageBox::Cancel, &shown);
    QVERIFY(!win->w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(shown);
    QCOMPARE(win->s()->file(), path);
    answer_next_dialog(QMessageBox::Discard, &shown);
    QVERIFY(win->w.close());
    delete win;
  }

  void recent_files_are_remembered() {
    {
      Window win;
      QVERIFY(win.w.open_scenario("scenarios/examples/cpu-mlp.yaml"));
      QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
      QVERIFY(win.idle());
    }
    Window win;  // a new window reads them from the settings
    const QStringList recent = win.s()->recent_files();
    QVERIFY(recent.size() >= 2);
    QCOMPARE(recent[0], source_path("scenarios/quickstart.yaml"));
    QCOMPARE(recent[1], source_path("scenarios/examples/cpu-mlp.yaml"));
    QMenu* menu = nullptr;
    for (QAction* a : win.w.menuBar()->actions())
      if (a->menu())
        for (QAction* b : a->menu()->actions())
          if (b->menu() && b->text().contains("recent")) menu = b->menu();
    QVERIFY(menu);
    QCOMPARE(menu->actions().first()->text(), recent[0]);
    menu->actions()[1]->trigger();
    QCOMPARE(win.s()->file(), recent[1]);
  }

  void selecting_a_configuration_shows_its_timeline() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    QCOMPARE(win.s()->timeline()->timeline().gpus, 8);  // the scenario's own: 1 node
    QVERIFY(!win.s()->timeline()->timeline().spans.empty());
    auto* table = win.w.view("table")->table;
    table->selectRow(4);  // nodes 2, micro_batch 8 (sweep order)
    QCOMPARE(win.s()->selected_row(), 4);
    QVERIFY(win.idle());
    QCOMPARE(win.s()->timeline()->timeline().gpus, 16);
    QCOMPARE(win.s()->detail_record()->micro_batch, std::int64_t{8});
    win.chart("step-time")->rebuild();
    QXYSeries* mark = series_named(win.chart("step-time")->chart(), "selected");
    QVERIFY(mark);
    QCOMPARE(mark->at(0).x(), 16.0);
    // Fewer ranks on the timeline.
    win.w.timeline_ranks()->setValue(2);
    QCOMPARE(static_cast<int>(win.s()->timeline()->timeline().rank_names.size()), 2);
    // Below the ranks, the links they use (two nodes: the first rank's GPU link and the NICs
    // of node 0), each busy while its collectives run.
    ChartPanel* timeline = win.chart("timeline");
    timeline->rebuild();
    auto* y = qobject_cast<QCategoryAxis*>(timeline->chart()->axes(Qt::Vertical).value(0));
    QVERIFY(y);
    QVERIFY(y->categoriesLabels().contains("node 0 NICs (%)"));
    QVERIFY(y->categoriesLabels().contains("GPU 0 link (%)"));
    QVERIFY(!y->categoriesLabels().contains("GPU 1 link (%)"));
    bool drawn = false;
    for (QAbstractSeries* series : timeline->chart()->series()) drawn = drawn || series->name() == "link utilisation";
    QVERIFY(drawn);
  }

  void hovering_a_point_gives_its_figures_with_units() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    ChartPanel* step = win.chart("step-time");
    step->rebuild();
    QXYSeries* series = series_named(step->chart(), "micro_batch 4");
    QVERIFY(series);
    const auto& row = win.s()->results()->rows().front();  // nodes 1, micro_batch 4
    const QString tip = step->tooltip_at(series, series->at(0));
    QVERIFY2(tip.startsWith("nodes 1, micro_batch 4\n8 GPUs"), qPrintable(tip));
    QVERIFY(tip.contains("step time: " + QString::fromStdString(sim::human_time(row.record.step_time_s))));
    QVERIFY(tip.contains("tokens/s"));
    // A bar of the breakdown and a span of the timeline.
    ChartPanel* timeline = win.chart("timeline");
    timeline->rebuild();
    const auto& spans = win.s()->timeline()->timeline().spans;
    const auto bucket = std::find_if(spans.begin(), spans.end(), [](const TimelineSpan& s) { return s.track == 2; });
    QVERIFY(bucket != spans.end());
    QString span_tip;  // from the communication area (of one rank, one shade) the span is in
    for (QAbstractSeries* s : timeline->chart()->series())
      if (s->name() == "communication" && span_tip.isEmpty())
        span_tip = timeline->tooltip_at(s, QPointF((bucket->start_s + bucket->duration_s / 2) * 1e3, 0));
    QVERIFY2(span_tip.contains(", communication: bucket " + QString::number(bucket->sequence)), qPrintable(span_tip));
    QVERIFY(span_tip.contains("MiB"));
  }

  void the_plan_panel_reads_the_plan_section() {
    Window win;
    QVERIFY(win.w.open_scenario(kPlanExample));
    QVERIFY(win.idle());
    PlanPanel* panel = win.plan();
    QCOMPARE(panel->editor("plan.target")->text(), QString("3.0e+11"));
    QCOMPARE(panel->target_kind()->currentData().toString(), QString("tokens"));
    QCOMPARE(panel->editor("plan.deadline_hours")->text(), QString("72"));
    QCOMPARE(panel->editor("plan.budget_usd")->text(), QString("24000"));
    QCOMPARE(panel->editor("plan.max_global_batch")->text(), QString("1024"));
    QCOMPARE(panel->editor("plan.gpus")->text(), QString("h100-sxm, a100-80gb"));
    QCOMPARE(panel->editor("plan.nodes")->text(), QString("1"));
    QCOMPARE(panel->nodes_max()->text(), QString("64"));
    QCOMPARE(panel->editor("plan.micro_batch")->text(), QString("1, 2, 4, 8, 16"));
    QCOMPARE(panel->editor("plan.zero_stage")->text(), QString("0, 1, 2, 3"));
    // Keys left out show the default the plan resolves them to.
    QCOMPARE(panel->editor("plan.topologies")->text(), QString());
    QCOMPARE(panel->editor("plan.topologies")->placeholderText(), QString("default: fat-tree"));
    QCOMPARE(panel->banner_text(), QString());
    QVERIFY(panel->run_button()->isEnabled());
    // Edits go into the document's plan section, as a list the CLI reads.
    win.w.show_view("plan");
    type(panel->editor("plan.links"), "ib-ndr");
    QVERIFY(win.idle());
    QCOMPARE(win.s()->document().list_values("plan.links"), std::optional<std::vector<std::string>>({"ib-ndr"}));
    QCOMPARE(win.s()->plan_validation().input->plan.links, std::vector<std::string>{"ib-ndr"});
    choose(panel->target_kind(), "samples");
    QVERIFY(win.idle());
    QCOMPARE(win.s()->document().value("plan.target.samples"), std::optional<std::string>("3.0e+11"));
    QVERIFY(!win.s()->document().has("plan.target.tokens"));
    QCOMPARE(win.s()->plan_validation().input->plan.target_samples, 3.0e11);
    // A scenario without a plan section says so; one that sweeps gets the CLI's line and a way out.
    QVERIFY(win.w.save_to(dir_.filePath("plan-edited.yaml")));
    QVERIFY(win.w.open_scenario("scenarios/examples/zero3-single.yaml"));
    QVERIFY(win.idle());
    QVERIFY(panel->banner_text().startsWith("This scenario has no plan section"));
    QVERIFY(!panel->run_button()->isEnabled());
    QVERIFY(!panel->remove_sweep_button()->isVisible());
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    type(panel->editor("plan.target"), "1e9");
    QVERIFY(win.idle());
    QVERIFY2(
        panel->banner_text().endsWith("sweep: dpcast plan searches its own space (the plan section); remove the sweep"),
        qPrintable(panel->banner_text()));
    QVERIFY(panel->remove_sweep_button()->isVisible());
    QVERIFY(!panel->run_button()->isEnabled());
    QTest::mouseClick(panel->remove_sweep_button(), Qt::LeftButton);
    QVERIFY(win.idle());
    QVERIFY(!win.s()->document().has("sweep"));
    QCOMPARE(panel->banner_text(), QString());
    QVERIFY(panel->run_button()->isEnabled());
    QCOMPARE(win.s()->plan_validation().input->plan.target_tokens, 1e9);
  }

  void a_wrong_plan_value_is_marked_with_the_cli_message_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("negative deadline") << "plan.deadline_hours"
                                       << "-3"
                                       << "expected a positive number, got -3";
    QTest::newRow("GPU typo") << "plan.gpus"
                              << "h100-sxm, a100-80g"
                              << "unknown GPU 'a100-80g' (did you mean 'a100-80gb'?)";
    QTest::newRow("ZeRO 4") << "plan.zero_stage"
                            << "0, 4"
                            << "expected an integer from 0 to 3, got 4";
    QTest::newRow("max nodes below min") << "plan.nodes.max"
                                         << "0"
                                         << "expected a positive integer, got 0";
  }
  void a_wrong_plan_value_is_marked_with_the_cli_message() {
    QFETCH(QString, key);
    QFETCH(QString, text);
    QFETCH(QString, message);
    Window win;
    QVERIFY(win.w.open_scenario(kPlanExample));
    QVERIFY(win.idle());
    win.w.show_view("plan");
    PlanPanel* panel = win.plan();
    const std::string field = key == "plan.nodes.max" ? "plan.nodes" : key.toStdString();
    type(key == "plan.nodes.max" ? panel->nodes_max() : panel->editor(field), text);
    QVERIFY(win.idle());
    QCOMPARE(panel->error_text(field), message);
    QVERIFY(!panel->run_button()->isEnabled());
    for (const auto& other : plan_field_keys())
      if (other != field) QCOMPARE(panel->error_text(other), QString());
    QVERIFY(win.s()->validation().ok());  // `dpcast predict` ignores the plan: the other views go on
    // The words of `dpcast plan` on the saved file.
    const QString saved = dir_.filePath("plan-wrong.yaml");
    QVERIFY(win.w.save_to(saved));
    const Run cli = run(DPCAST_CLI, {"plan", saved});
    QCOMPARE(cli.code, 2);
    QVERIFY2(cli.err.trimmed().endsWith(": " + message), qPrintable(cli.err));
    // Fixed, the mark goes.
    type(key == "plan.nodes.max" ? panel->nodes_max() : panel->editor(field), key == "plan.deadline_hours" ? "72"
                                                                              : key == "plan.gpus"         ? "h100-sxm"
                                                                              : key == "plan.zero_stage"   ? "3"
                                                                                                           : "8");
    QVERIFY(win.idle());
    QCOMPARE(panel->error_text(field), QString());
    QVERIFY(panel->run_button()->isEnabled());
  }

 private:
  // running_the_plan_fills_the_front_and_marks_the_recommendation, in its parts (not tests: no slots).

  // Opens the example plan and runs it from the Plan panel: the worker makes it while the event
  // loop runs, the panel shows it busy, then done.
  void run_plan_from_the_panel(Window& win) {
    QVERIFY(win.w.open_scenario(kPlanExample));
    QVERIFY(win.idle());
    QCOMPARE(win.s()->plan_front()->rowCount(), 0);
    win.w.show_view("plan");
    PlanPanel* panel = win.plan();
    QSignalSpy started(win.s(), &Session::plan_started);
    QSignalSpy finished(win.s(), &Session::plan_finished);
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
    ticker.start(1);
    QTest::mouseClick(panel->run_button(), Qt::LeftButton);
    // The click returned at once: make_plan runs on the worker.
    QCOMPARE(started.size(), 1);
    QVERIFY(win.s()->plan_running());
    QVERIFY(!panel->run_button()->isEnabled());
    QVERIFY(panel->cancel_button()->isEnabled());
    QCOMPARE(panel->progress()->maximum(), 0);  // busy: the panel shows no count
    QVERIFY(finished.wait(kIdleMs));
    QVERIFY2(ticks > 0, "the event loop did not run while the plan was made");
    QCOMPARE(finished.last().at(0).toBool(), false);
    QVERIFY(win.idle());
    QVERIFY(!panel->cancel_button()->isEnabled());
    QVERIFY(panel->run_button()->isEnabled());
    QVERIFY2(panel->status_text().startsWith("2240 configurations searched in "), qPrintable(panel->status_text()));
  }

  // The front model is `expected`'s; the table, the reasons and the binding constraint show it.
  void check_plan_front(Window& win, const sim::PlanResult& expected) {
    PlanFrontModel* front = win.s()->plan_front();
    QCOMPARE(front->rowCount(), static_cast<int>(expected.front.size()));
    QVERIFY(expected.recommended);
    const int recommended = static_cast<int>(*expected.recommended);
    QCOMPARE(front->recommended_row(), recommended);
    for (int i = 0; i < front->rowCount(); ++i) {
      QCOMPARE(front->outcome()->result.front[static_cast<std::size_t>(i)].cost_usd(),
               expected.front[static_cast<std::size_t>(i)].cost_usd());
      QCOMPARE(front->data(front->index(i, PlanFrontModel::Recommended)).toString(),
               i == recommended ? QString("recommended") : QString());
    }
    // The table marks the recommended row and starts with it selected.
    QTableView* table = win.w.view("plan")->table;
    QCOMPARE(table->model(), front);
    QCOMPARE(table->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(table->selectionModel()->selectedRows().first().row(), recommended);
    QCOMPARE(win.s()->plan_selected(), recommended);
    QVERIFY(win.w.open_point_button()->isEnabled());
    // The reasons, and no binding constraint.
    QVERIFY(win.w.plan_why()->isVisible());
    for (const auto& why : expected.why) QVERIFY(win.w.plan_why()->text().contains(QString::fromStdString(why)));
    // Then the best per GPU type, one line each.
    const auto best = sim::plan_best_per_gpu_sentences(expected);
    QCOMPARE(best.size(), expected.best_per_gpu.size());
    QVERIFY(win.w.plan_why()->text().contains("Best per GPU type:"));
    for (const auto& b : best) QVERIFY2(win.w.plan_why()->text().contains(QString::fromStdString(b)), b.c_str());
    QVERIFY(!win.w.plan_binding()->isVisible());
  }

  // The chart draws the front, the recommended point and the constraints; hovering and clicking work.
  void check_plan_chart(Window& win, const sim::PlanResult& expected) {
    PlanFrontModel* front = win.s()->plan_front();
    const int recommended = static_cast<int>(*expected.recommended);  // checked by check_plan_front
    QTableView* table = win.w.view("plan")->table;
    // The chart: the front as a line, the recommended point, the deadline and the budget.
    ChartPanel* chart = win.chart("plan");
    chart->rebuild();
    QXYSeries* line = series_named(chart->chart(), "Pareto front");
    QVERIFY(line);
    QCOMPARE(line->count(), front->rowCount());
    QXYSeries* star = series_named(chart->chart(), "recommended");
    QVERIFY(star);
    QCOMPARE(star->count(), 1);
    const auto& r = expected.front[static_cast<std::size_t>(recommended)];
    QCOMPARE(star->at(0).x(), r.time_s() / 3600);
    QCOMPARE(star->at(0).y(), r.cost_usd() * 1e-3);  // thousands of dollars
    QVERIFY(series_named(chart->chart(), "deadline 72 h"));
    QXYSeries* budget = series_named(chart->chart(), "budget $24,000");
    QVERIFY(budget);
    QCOMPARE(budget->at(0).y(), 24.0);
    QXYSeries* meets = series_named(chart->chart(), "meets the constraints");
    QVERIFY(meets);
    QCOMPARE(meets->count(), front->rowCount() - 1);
    QVERIFY(!series_named(chart->chart(), "breaks a constraint"));
    // Hovering the star gives the point's figures with units.
    const QString tip = chart->tooltip_at(star, star->at(0));
    QVERIFY2(tip.startsWith("recommended\n" + QString::fromStdString(plan_point_label(r))), qPrintable(tip));
    QVERIFY(tip.contains("step time, analytical: " + exact_time(r.analytical.step_time_s)));
    QVERIFY(tip.contains(" USD at $"));
    // Clicking a point selects it.
    // (The point is kept by value: rebuilding the chart deletes its series, `points` with them.)
    QXYSeries* points = series_named(chart->chart(), "meets the constraints");
    QVERIFY(points);
    const QPointF fastest = points->at(0);
    Q_EMIT points->clicked(fastest);
    QCOMPARE(win.s()->plan_selected(), 0);  // the fastest
    QCOMPARE(table->selectionModel()->selectedRows().first().row(), 0);
    chart->rebuild();
    QXYSeries* mark = series_named(chart->chart(), "selected");
    QVERIFY(mark);
    QCOMPARE(mark->at(0), fastest);
  }

  // The front saved as CSV and as a picture.
  void check_plan_export(Window& win, const sim::PlanResult& expected) {
    PlanFrontModel* front = win.s()->plan_front();
    // Saved as CSV: `dpcast plan --csv` plus meets_constraints.
    const QString csv = dir_.filePath("plan.csv");
    QVERIFY(win.w.export_csv("plan", csv));
    const QStringList lines = QString::fromStdString(file_text(csv)).trimmed().split('\n');
    QCOMPARE(lines.size(), front->rowCount() + 1);
    QCOMPARE(lines[0], QString::fromStdString(sim::plan_csv(expected)).section('\n', 0, 0) + ",meets_constraints");
    QVERIFY(win.w.export_png("plan", dir_.filePath("plan.png")));
    QVERIFY(QImage(dir_.filePath("plan.png")).width() > 100);
  }

 private Q_SLOTS:
  void running_the_plan_fills_the_front_and_marks_the_recommendation() {
    Window win;
    run_plan_from_the_panel(win);
    if (QTest::currentTestFailed()) return;
    // The front is the planner's, as `dpcast plan` gives it.
    const sim::PlanResult expected = expected_plan(win.s()->plan_confirm_up_to());
    check_plan_front(win, expected);
    if (QTest::currentTestFailed()) return;
    check_plan_chart(win, expected);
    if (QTest::currentTestFailed()) return;
    check_plan_export(win, expected);
  }

  void opening_a_point_makes_it_the_scenario() {
    Window win;
    const std::string on_disk = file_text(source_path(kPlanExample));
    QVERIFY(win.run_example_plan());
    const auto& outcome = *win.s()->plan_outcome();
    QVERIFY(outcome.result.front.size() >= 2);
    // A point that is not the scenario's own: the fastest (16 nodes, micro-batch 8).
    const int row = 0;
    const sim::PlanPoint& point = outcome.result.front[row];
    QVERIFY(point.scenario.cluster.nodes != 1);
    QTableView* table = win.w.view("plan")->table;
    table->selectRow(row);
    QCOMPARE(win.s()->plan_selected(), row);
    QTest::mouseClick(win.w.open_point_button(), Qt::LeftButton);
    // The document is that configuration: untitled and modified, the file it came from untouched.
    const ScenarioDocument& doc = win.s()->document();
    QCOMPARE(win.s()->file(), QString());
    QVERIFY(win.s()->is_modified());
    QVERIFY(win.w.windowTitle().startsWith("untitled.yaml[*]"));
    QVERIFY(win.w.isWindowModified());
    QCOMPARE(file_text(source_path(kPlanExample)), on_disk);
    QCOMPARE(doc.value("cluster.nodes"), std::optional<std::string>(std::to_string(point.scenario.cluster.nodes)));
    QCOMPARE(doc.value("cluster.gpu"), std::optional<std::string>(point.scenario.cluster.gpu));
    QCOMPARE(doc.value("cluster.node"), std::optional<std::string>(point.scenario.cluster.node));
    QCOMPARE(doc.value("training.micro_batch"),
             std::optional<std::string>(std::to_string(point.scenario.training.micro_batch)));
    QCOMPARE(doc.value("data_parallel.zero_stage"),
             std::optional<std::string>(std::to_string(point.scenario.data_parallel.zero_stage)));
    QVERIFY(win.idle());
    QVERIFY(win.s()->validation().ok());
    QCOMPARE(win.s()->validation().configurations.size(), std::size_t{1});
    QCOMPARE(models::scenario_yaml(win.s()->validation().configurations.front()),
             models::scenario_yaml(point.scenario));
    // The other views show it: the scenario panel, and the sweep's one configuration.
    auto* nodes = qobject_cast<QLineEdit*>(win.w.scenario_panel()->editor("cluster.nodes"));
    QCOMPARE(nodes->text(), QString::number(point.scenario.cluster.nodes));
    QCOMPARE(win.s()->results()->rowCount(), 1);
    const auto& predicted = win.s()->results()->rows().front().record;
    QCOMPARE(predicted.gpus, point.analytical.gpus);
    QCOMPARE(predicted.gpu, point.analytical.gpu);
    QCOMPARE(predicted.micro_batch, point.analytical.micro_batch);
    QCOMPARE(predicted.step_time_s, point.analytical.step_time_s);  // the same analytical engine
    // The plan stays, to open another point or plan again.
    QVERIFY(doc.has("plan.target.tokens"));
    QCOMPARE(win.s()->plan_front()->rowCount(), static_cast<int>(outcome.result.front.size()));
    QVERIFY(!win.s()->plan_stale());
    QCOMPARE(win.s()->opened_plan_point(), row);
    QVERIFY(win.plan()->status_text().contains("Front point 1 is open as the scenario"));
    // Another point replaces an unedited one without asking.
    bool asked = false;
    answer_next_dialog(QMessageBox::Cancel, &asked);
    QVERIFY(win.w.open_plan_point(1));
    QTest::qWait(30);
    QVERIFY(!asked);
    QCOMPARE(doc.value("cluster.nodes"),
             std::optional<std::string>(std::to_string(outcome.result.front[1].scenario.cluster.nodes)));
    // An edited one is not lost silently: the unsaved-changes prompt, and Cancel keeps it.
    type(qobject_cast<QLineEdit*>(win.w.scenario_panel()->editor("data_parallel.bucket_mb")), "50");
    QVERIFY(win.s()->plan_stale());
    QCOMPARE(win.s()->opened_plan_point(), -1);
    answer_next_dialog(QMessageBox::Cancel, &asked);
    QVERIFY(!win.w.open_plan_point(0));
    QVERIFY(asked);
    QCOMPARE(doc.value("data_parallel.bucket_mb"), std::optional<std::string>("50"));
    QVERIFY(win.idle());
    answer_next_dialog(QMessageBox::Discard, &asked);
    QVERIFY(win.w.close());
  }

  void too_tight_constraints_show_the_binding_sentence() {
    Window win;
    QVERIFY(win.w.open_scenario(kPlanExample));
    QVERIFY(win.idle());
    win.w.show_view("plan");
    type(win.plan()->editor("plan.deadline_hours"), "1");
    QVERIFY(win.idle());
    QVERIFY(win.s()->plan_validation().ok());
    QSignalSpy finished(win.s(), &Session::plan_finished);
    QTest::mouseClick(win.plan()->run_button(), Qt::LeftButton);
    QVERIFY(finished.wait(kIdleMs));
    QVERIFY(win.idle());
    const sim::PlanResult expected = expected_plan(win.s()->plan_confirm_up_to(), 1);
    QVERIFY(!expected.constraints_met);
    QVERIFY(!expected.binding.empty());
    QLabel* binding = win.w.plan_binding();
    QVERIFY(binding->isVisible());
    QVERIFY(binding->text().startsWith("No configuration meets the constraints:"));
    for (const auto& b : expected.binding)
      QVERIFY2(binding->text().contains(QString::fromStdString(b)), qPrintable(binding->text()));
    QVERIFY(binding->text().contains("the 1.0 h deadline cannot be met: the fastest configuration, "));
    // No recommendation; every point of the front breaks the deadline (some the budget too), and says by how much.
    PlanFrontModel* front = win.s()->plan_front();
    QCOMPARE(front->recommended_row(), -1);
    QCOMPARE(front->rowCount(), static_cast<int>(expected.front.size()));
    for (int i = 0; i < front->rowCount(); ++i)
      QVERIFY(front->data(front->index(i, PlanFrontModel::Constraints)).toString().contains(" over the deadline"));
    ChartPanel* chart = win.chart("plan");
    chart->rebuild();
    QVERIFY(!series_named(chart->chart(), "recommended"));
    QCOMPARE(series_named(chart->chart(), "breaks a constraint")->count(), front->rowCount());
    QVERIFY(!series_named(chart->chart(), "meets the constraints"));
    // As `dpcast plan` says it, exit status 1.
    const QString saved = dir_.filePath("plan-tight.yaml");
    QVERIFY(win.w.save_to(saved));
    const Run cli = run(DPCAST_CLI, {"plan", saved});
    QCOMPARE(cli.code, 1);
    QVERIFY(cli.out.contains(QString::fromStdString(expected.binding.front())));
  }

  void the_plan_can_be_cancelled() {
    Window win;
    QVERIFY(win.w.open_scenario(kPlanExample));
    QVERIFY(win.idle());
    win.w.show_view("plan");
    PlanPanel* panel = win.plan();
    QSignalSpy finished(win.s(), &Session::plan_finished);
    QTest::mouseClick(panel->run_button(), Qt::LeftButton);
    QVERIFY(win.s()->plan_running());
    QTest::mouseClick(panel->cancel_button(), Qt::LeftButton);
    // Reported at once, the window free; make_plan stops at its next progress report.
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.last().at(0).toBool(), true);
    QVERIFY(!win.s()->plan_running());
    QVERIFY(panel->run_button()->isEnabled());
    QVERIFY(!panel->cancel_button()->isEnabled());
    QCOMPARE(panel->status_text(), QString("Cancelled."));
    QTRY_VERIFY_WITH_TIMEOUT(!win.s()->runner().worker_busy(), kIdleMs);
    QTest::qWait(50);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(win.s()->plan_front()->rowCount(), 0);
    QVERIFY(!win.s()->plan_outcome());
    // And the next run goes through.
    QTest::mouseClick(panel->run_button(), Qt::LeftButton);
    QVERIFY(finished.wait(kIdleMs));
    QCOMPARE(finished.last().at(0).toBool(), false);
    QVERIFY(win.s()->plan_front()->rowCount() > 0);
  }

  void a_plan_cancelled_while_waiting_for_the_worker_never_runs() {
    if (!des_available()) QSKIP("this build has no DES (SimGrid); nothing keeps the worker busy long enough");
    const auto sweep = models::load_scenarios("scenarios/quickstart.yaml");
    const auto input = models::load_plan_scenario(kPlanExample);
    PredictionRunner runner;
    QSignalSpy plan_finished(&runner, &PredictionRunner::plan_finished);
    QSignalSpy sweep_finished(&runner, &PredictionRunner::sweep_finished);
    runner.start_sweep(sweep, Engine::Des);  // keeps the one worker thread busy
    runner.start_plan(input, plan_options(0), kPlanExample);
    QVERIFY(runner.plan_running());
    runner.cancel_plan();
    QCOMPARE(plan_finished.size(), 1);
    QCOMPARE(plan_finished.last().at(1).toBool(), true);
    runner.cancel_sweep();
    QVERIFY(sweep_finished.wait(kIdleMs));
    QTRY_VERIFY_WITH_TIMEOUT(!runner.worker_busy(), kIdleMs);
    QCOMPARE(runner.plans_started(), 0);  // it never began
    QCOMPARE(plan_finished.size(), 1);
    // The runner plans on.
    runner.start_plan(input, plan_options(0), kPlanExample);
    QVERIFY(plan_finished.wait(kIdleMs));
    QCOMPARE(runner.plans_started(), 1);
    QCOMPARE(plan_finished.last().at(1).toBool(), false);
    QVERIFY(qvariant_cast<PlanOutcome>(plan_finished.last().at(0)).ok);
  }

  void views_export_png_and_csv() {
    Window win;
    QVERIFY(win.w.open_scenario("scenarios/quickstart.yaml"));
    QVERIFY(win.idle());
    const QString csv = dir_.filePath("results.csv");
    QVERIFY(win.w.export_csv("table", csv));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 25);
    QVERIFY(lines[0].contains("step_time_s"));
    const QString timeline_csv = dir_.filePath("timeline.csv");
    QVERIFY(win.w.export_csv("timeline", timeline_csv));
    for (const auto& v : win.w.views()) {
      if (!v.chart) continue;
      const QString png = dir_.filePath(v.id + ".png");
      QVERIFY(win.w.export_png(v.id, png));
      QImage image(png);
      QVERIFY(!image.isNull());
      QVERIFY(image.width() > 100);
    }
    QVERIFY(!win.w.export_csv("table", dir_.filePath("no/such/dir/x.csv")));
    QVERIFY(win.w.message().contains("no/such/dir/x.csv"));
  }
};

QTEST_MAIN(InteractionTest)
#include "test_interaction.moc"
