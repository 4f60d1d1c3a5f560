// Every item model of the dashboard under QAbstractItemModelTester, with data-driven rows;
// CSV export and tooltips with units.
#include <QAbstractItemModelTester>
#include <QtTest>

#include <algorithm>
#include <set>

#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/plan_model.hpp"
#include "dpcast/gui/prediction.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/gui/scenario_document.hpp"
#include "dpcast/gui/timeline_model.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/planner.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/trace.hpp"
#include "dpcast/sim/units.hpp"
#include "gui_test_support.hpp"

using namespace dpcast;
using namespace dpcast::gui;
using namespace dpcast::gui::test;

namespace {

// A sweep predicted as the dashboard's worker predicts it.
std::vector<ResultRow> predicted_rows(const QString& scenario, Engine engine = Engine::Analytical) {
  const auto configurations = models::load_scenarios(scenario.toStdString());
  Predictor predictor;
  std::vector<ResultRow> rows;
  for (std::size_t i = 0; i < configurations.size(); ++i) {
    ResultRow row = pending_row(configurations[i], static_cast<int>(i));
    const PredictionOutcome outcome = predictor.outcome(configurations[i], engine, false, static_cast<int>(i));
    row.state = outcome.ok ? ResultRow::State::Done : ResultRow::State::Failed;
    row.record = outcome.record;
    row.error = outcome.error;
    rows.push_back(row);
  }
  return rows;
}

QStringList csv_lines(const QAbstractItemModel& model) {
  return QString::fromStdString(model_csv(model)).trimmed().split('\n');
}

}  // namespace

class ModelsTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void results_model_data() {
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("series");
    QTest::addColumn<int>("out_of_memory");
    QTest::newRow("quickstart: nodes x micro-batch") << "scenarios/quickstart.yaml" << 24 << 3 << 0;
    QTest::newRow("link sweep") << "scenarios/examples/link-sweep.yaml" << 6 << 6 << 0;
    QTest::newRow("ZeRO stages x nodes, some out of memory") << "scenarios/examples/zero-stages.yaml" << 8 << 4 << 4;
    QTest::newRow("CPU MLP, nodes only") << "scenarios/examples/cpu-mlp.yaml" << 4 << 1 << 0;
    QTest::newRow("one configuration") << "scenarios/examples/zero3-single.yaml" << 1 << 1 << 0;
  }
  void results_model() {
    QFETCH(QString, scenario);
    QFETCH(int, rows);
    QFETCH(int, series);
    QFETCH(int, out_of_memory);
    SweepResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto all = predicted_rows(scenario);
    // As the worker fills it: all pending, then one result at a time.
    const auto configurations = models::load_scenarios(scenario.toStdString());
    std::vector<ResultRow> pending;
    for (std::size_t i = 0; i < configurations.size(); ++i)
      pending.push_back(pending_row(configurations[i], static_cast<int>(i)));
    model.reset(pending);
    QCOMPARE(model.rowCount(), rows);
    QCOMPARE(model.finished_rows(), 0);
    QCOMPARE(model.data(model.index(0, SweepResultsModel::Status)).toString(), QString("pending"));
    QVERIFY(!model.data(model.index(0, SweepResultsModel::StepTime)).isValid());
    for (const auto& r : all) model.set_outcome({r.index, r.state == ResultRow::State::Done, r.record, r.error});
    QCOMPARE(model.finished_rows(), rows);
    QCOMPARE(static_cast<int>(model.series().size()), series);
    int oom = 0;
    for (int i = 0; i < rows; ++i) {
      const auto& r = model.rows()[static_cast<std::size_t>(i)];
      QCOMPARE(model.data(model.index(i, SweepResultsModel::Gpus), RawRole).toInt(), r.record.gpus);
      const QString status = model.data(model.index(i, SweepResultsModel::Status)).toString();
      if (!r.record.feasible) {
        ++oom;
        QVERIFY(status.startsWith("out of memory: needs "));
        // Says so where its step time would be (not a blank); its CSV cell stays empty.
        QCOMPARE(model.data(model.index(i, SweepResultsModel::StepTime)).toString(), QString("out of memory"));
        QCOMPARE(model.data(model.index(i, SweepResultsModel::StepTime), RawRole).toString(), QString());
        QVERIFY(model.data(model.index(i, SweepResultsModel::Memory), RawRole).toDouble() >
                model.data(model.index(i, SweepResultsModel::Capacity), RawRole).toDouble());
      } else {
        QCOMPARE(status, QString("ok"));
        QCOMPARE(model.data(model.index(i, SweepResultsModel::StepTime), RawRole).toDouble(), r.record.step_time_s);
        QCOMPARE(model.data(model.index(i, SweepResultsModel::StepTime)).toString(),
                 QString::fromStdString(sim::human_time(r.record.step_time_s)));
      }
    }
    QCOMPARE(oom, out_of_memory);
    // CSV: the CLI's column names, SI values, one line per configuration.
    const QStringList lines = csv_lines(model);
    QCOMPARE(lines.size(), rows + 1);
    QVERIFY(lines[0].startsWith("sweep_point,gpus,nodes,micro_batch,global_batch,step_time_s,"));
    QVERIFY(lines[0].contains("memory_total_bytes"));
  }

  void tooltips_give_exact_values_with_units() {
    const auto rows = predicted_rows("scenarios/quickstart.yaml");
    const QString tip = record_tooltip(rows[0]);
    const auto& r = rows[0].record;
    QVERIFY2(tip.contains(QString::fromStdString("step time: " + sim::human_time(r.step_time_s) + " (" +
                                                 sim::number(r.step_time_s) + " s)")),
             qPrintable(tip));
    QVERIFY(tip.contains("tokens/s"));
    QVERIFY(tip.contains("GiB"));
    QVERIFY(tip.contains("nodes 1, micro_batch 4"));
  }

  void comparison_model_data() {
    QTest::addColumn<QStringList>("files");
    QTest::addColumn<int>("pairs");
    QTest::addColumn<double>("mape");
    QTest::newRow("predicted and measured MLP")
        << QStringList{"tests/cli/records/mlp-predicted.json", "tests/cli/records/mlp-measured.json"} << 2 << 0.10;
    QTest::newRow("measured only") << QStringList{"tests/cli/records/mlp-measured.json"} << 0 << 0.0;
    QTest::newRow("predicted only") << QStringList{"tests/cli/records/mlp-predicted.json"} << 0 << 0.0;
  }
  void comparison_model() {
    QFETCH(QStringList, files);
    QFETCH(int, pairs);
    QFETCH(double, mape);
    std::vector<models::RunRecord> records;
    for (const auto& f : files) {
      auto r = sim::load_records(f.toStdString());
      records.insert(records.end(), r.begin(), r.end());
    }
    ComparisonModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.set_comparison(sim::compare_records(records));
    QCOMPARE(model.rowCount(), pairs);
    QVERIFY(std::abs(model.comparison().mape() - mape) < 1e-9);
    for (int i = 0; i < pairs; ++i) {
      const auto& pair = model.comparison().pairs[static_cast<std::size_t>(i)];
      QCOMPARE(model.data(model.index(i, ComparisonModel::Error), RawRole).toDouble(), pair.error());
      QCOMPARE(model.data(model.index(i, ComparisonModel::Measured), RawRole).toDouble(), pair.measured.step_time_s);
      QVERIFY(model.data(model.index(i, ComparisonModel::Error)).toString().endsWith("%"));
    }
    const QStringList lines = csv_lines(model);
    QCOMPARE(lines.size(), pairs + 1);
    QVERIFY(lines[0].contains("predicted_step_time_s,measured_step_time_s,measured_p10_s,measured_p90_s,error"));
  }

  // What a measured record lacks (a step time alone: no spread, no breakdown) shows as "—".
  void comparison_model_shows_a_dash_for_what_a_record_lacks() {
    auto records = sim::load_records("tests/cli/records/mlp-predicted.json");
    models::RunRecord measured = records.front();
    measured.kind = "measured";
    measured.step_time_spread_s = {0, 0};
    measured.breakdown = {};
    records = {records.front(), measured};
    ComparisonModel model;
    model.set_comparison(sim::compare_records(records));
    QCOMPARE(model.rowCount(), 1);
    for (int column : {int(ComparisonModel::MeasuredP10), int(ComparisonModel::MeasuredForward)})
      QCOMPARE(model.data(model.index(0, column)).toString(), QString::fromUtf8("\u2014"));
    QCOMPARE(model.data(model.index(0, ComparisonModel::MeasuredForward), RawRole).toDouble(), 0.0);
  }

  void timeline_model_data() {
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("engine");
    QTest::addColumn<int>("ranks");
    QTest::newRow("quickstart, analytical, 1 rank") << "scenarios/quickstart.yaml" << int(Engine::Analytical) << 1;
    QTest::newRow("quickstart, analytical, 4 ranks") << "scenarios/quickstart.yaml" << int(Engine::Analytical) << 4;
    QTest::newRow("grad accumulation, 2 ranks")
        << "scenarios/examples/grad-accumulation.yaml" << int(Engine::Analytical) << 2;
    QTest::newRow("stragglers, 8 ranks") << "scenarios/examples/stragglers-trace.yaml" << int(Engine::Analytical) << 8;
    if (des_available())
      QTest::newRow("quickstart, DES, 4 ranks") << "scenarios/quickstart.yaml" << int(Engine::Des) << 4;
  }
  void timeline_model() {
    QFETCH(QString, scenario);
    QFETCH(int, engine);
    QFETCH(int, ranks);
    const auto configuration = models::load_scenarios(scenario.toStdString()).front();
    Predictor predictor;
    const auto record = predictor.predict(configuration, static_cast<Engine>(engine), true);
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.set_timeline(timeline_of(record, configuration, ranks));
    // The spans are the Chrome trace's complete events, as `dpcast predict --trace` writes them.
    const auto trace = sim::chrome_trace(record, configuration, ranks);
    int events = 0;
    for (const auto& e : trace["traceEvents"]) events += e["ph"] == "X";
    QCOMPARE(model.rowCount(), events);
    const Timeline& t = model.timeline();
    QCOMPARE(static_cast<int>(t.rank_names.size()), std::min(ranks, record.gpus));
    QCOMPARE(t.step_time_s, record.step_time_s);
    int buckets = 0;
    for (const auto& s : t.spans) {
      QVERIFY(s.rank >= 0 && s.rank < ranks);
      QVERIFY(s.duration_s >= 0);
      QVERIFY(s.start_s + s.duration_s <= record.step_time_s * (1 + 1e-9) + 1e-12);
      if (s.track == 2) {
        ++buckets;
        QCOMPARE(QString::fromStdString(s.category), QString("communication"));
      }
    }
    QCOMPARE(buckets, static_cast<int>(record.buckets.size()) * std::min(ranks, record.gpus));
    // The links' counters: one track per counter name of the trace, its points in time order,
    // each value a utilisation from 0 to 100%.
    std::set<std::string> counters;
    for (const auto& e : trace["traceEvents"])
      if (e["ph"] == "C") counters.insert(e["name"].get<std::string>());
    QCOMPARE(t.links.size(), counters.size());
    QCOMPARE(t.links.empty(), record.gpus < 2);
    for (const auto& link : t.links) {
      QVERIFY(counters.count(link.name));
      QVERIFY(std::is_sorted(link.points.begin(), link.points.end()));
      for (const auto& [time, percent] : link.points) QVERIFY(percent >= 0 && percent <= 100);
    }
    const QStringList lines = csv_lines(model);
    QCOMPARE(lines.size(), events + 1);
    QCOMPARE(lines[0], QString("rank,track,category,name,start_s,duration_s,detail"));
    QVERIFY(model.data(model.index(0, TimelineModel::Start), Qt::ToolTipRole).toString().contains(" s)"));
  }

 private:
  // plan_front_model's checks of each row against the planner: its CSV line, the figures of
  // `dpcast plan`'s table, the constraints, the DES step and the tooltip. `confirmed` counts the
  // points the DES confirmed.
  void check_plan_front_rows(const PlanFrontModel& model, const sim::PlanResult& result, const models::PlanSpec& plan,
                             bool met, int& confirmed) {
    // CSV: `dpcast plan --csv`'s lines, each with whether the point meets the constraints.
    const QStringList ours = csv_lines(model);
    const QStringList theirs = QString::fromStdString(sim::plan_csv(result)).trimmed().split('\n');
    QCOMPARE(ours.size(), theirs.size());
    QCOMPARE(ours[0], theirs[0] + ",meets_constraints");
    // The figures in the table are those `dpcast plan` prints.
    const QString table = QString::fromStdString(sim::plan_table(result, plan));
    for (int i = 0; i < model.rowCount(); ++i) {
      const auto& p = result.front[static_cast<std::size_t>(i)];
      const bool meets = (!plan.deadline_s || p.time_s() <= *plan.deadline_s) &&
                         (!plan.budget_usd || p.cost_usd() <= *plan.budget_usd);
      QCOMPARE(ours[i + 1], theirs[i + 1] + (meets ? ",true" : ",false"));
      QCOMPARE(meets, met);  // the front is of the points that meet them, or (none does) of all that fit
      const QString time = model.data(model.index(i, PlanFrontModel::TimeToTrain)).toString();
      const QString cost = model.data(model.index(i, PlanFrontModel::Cost)).toString();
      QVERIFY2(table.contains(QRegularExpression("  " + QRegularExpression::escape(time) + "  +" +
                                                 QRegularExpression::escape(cost) + "  ")),
               qPrintable(time + " " + cost + "\n" + table));
      QCOMPARE(model.data(model.index(i, PlanFrontModel::TimeToTrain), RawRole).toDouble(), p.time_s());
      QCOMPARE(model.data(model.index(i, PlanFrontModel::Cost), RawRole).toDouble(), p.cost_usd());
      QCOMPARE(model.data(model.index(i, PlanFrontModel::Gpus), RawRole).toInt(), p.analytical.gpus);
      QCOMPARE(model.data(model.index(i, PlanFrontModel::Recommended)).toString(),
               model.recommended_row() == i ? QString("recommended") : QString());
      QCOMPARE(model.data(model.index(i, PlanFrontModel::Recommended), Qt::FontRole).isValid(),
               model.recommended_row() == i);
      const QString constraints = model.data(model.index(i, PlanFrontModel::Constraints)).toString();
      QVERIFY2(meets ? constraints == "meets the constraints" || constraints == "no deadline or budget"
                     : constraints.contains(" over the "),
               qPrintable(constraints));
      // DES step: the DES's when confirmed.
      const QVariant des = model.data(model.index(i, PlanFrontModel::DesStepTime), RawRole);
      if (p.des) {
        ++confirmed;
        QCOMPARE(des.toDouble(), p.des->step_time_s);
      } else {
        QCOMPARE(model.data(model.index(i, PlanFrontModel::DesStepTime)).toString(), QString("-"));
      }
      // The tooltip: configuration, time and cost exactly with units, both step times.
      const QString tip = model.data(model.index(i, PlanFrontModel::Cost), Qt::ToolTipRole).toString();
      QVERIFY2(tip.contains(QString::fromStdString(plan_point_label(p))), qPrintable(tip));
      QVERIFY2(tip.contains("time to train: " + time + " (" + QString::fromStdString(sim::number(p.time_s())) + " s)"),
               qPrintable(tip));
      QVERIFY2(tip.contains("cost: " + cost + " (" + QString::fromStdString(sim::number(p.cost_usd())) + " USD"),
               qPrintable(tip));
      QVERIFY(tip.contains("step time, analytical: " + exact_time(p.analytical.step_time_s)));
      QVERIFY(tip.contains("step time, DES: " + (p.des ? exact_time(p.des->step_time_s) : QString("not played"))));
    }
  }

 private Q_SLOTS:
  // The plan's front: what sim::make_plan returns, row for row; its CSV is `dpcast plan --csv`
  // plus meets_constraints; the figures are those the planner prints.
  void plan_front_model_data() {
    QTest::addColumn<double>("deadline_hours");  // 0: as the example has it; -1: none
    QTest::addColumn<double>("budget_usd");      // 0: as the example has it; -1: none
    QTest::addColumn<int>("confirm_up_to");
    QTest::addColumn<bool>("met");
    QTest::newRow("the example (72 h, $24,000)") << 0.0 << 0.0 << 0 << true;
    QTest::newRow("a 1 h deadline: nothing meets it") << 1.0 << 0.0 << 0 << false;
    QTest::newRow("a $100 budget: nothing meets it") << 0.0 << 100.0 << 0 << false;
    QTest::newRow("no deadline, no budget") << -1.0 << -1.0 << 0 << true;
    if (des_available()) QTest::newRow("the example, DES-confirmed") << 0.0 << 0.0 << 1024 << true;
  }
  void plan_front_model() {
    QFETCH(double, deadline_hours);
    QFETCH(double, budget_usd);
    QFETCH(int, confirm_up_to);
    QFETCH(bool, met);
    const QString path = "scenarios/examples/plan-gpt2-xl.yaml";
    models::PlanScenario input = models::load_plan_scenario(path.toStdString());
    if (deadline_hours > 0) input.plan.deadline_s = deadline_hours * 3600;
    if (deadline_hours < 0) input.plan.deadline_s.reset();
    if (budget_usd > 0) input.plan.budget_usd = budget_usd;
    if (budget_usd < 0) input.plan.budget_usd.reset();
    const PlanOutcome outcome = run_plan(input, plan_options(confirm_up_to), path.toStdString());
    QVERIFY2(outcome.ok, outcome.error.c_str());
    const auto& result = outcome.result;
    QCOMPARE(result.constraints_met, met);
    QVERIFY(!result.front.empty());

    PlanFrontModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.set_outcome(outcome);
    QCOMPARE(model.rowCount(), static_cast<int>(result.front.size()));
    QCOMPARE(model.recommended_row(), result.recommended ? static_cast<int>(*result.recommended) : -1);
    QCOMPARE(result.recommended.has_value(), met);

    int confirmed = 0;
    check_plan_front_rows(model, result, input.plan, met, confirmed);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(confirmed > 0, confirm_up_to > 0 && des_available());
    // The labels say what the planner's sentences say.
    if (result.recommended)
      QVERIFY(result.why.front().find("recommended: " + plan_point_label(result.front[*result.recommended]) + ": ") ==
              0);
    model.set_outcome(std::nullopt);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.recommended_row(), -1);
  }

  void plan_figures_read_as_the_planner_writes_them() {
    QCOMPARE(plan_duration(42), std::string("42.0 s"));
    QCOMPARE(plan_duration(90), std::string("1.5 min"));
    QCOMPARE(plan_duration(4 * 3600 + 0.9 * 3600), std::string("4.9 h"));
    QCOMPARE(plan_duration(68.4 * 3600), std::string("68 h"));
    QCOMPARE(plan_dollars(20000), std::string("$20,000"));
    QCOMPARE(plan_dollars(1234567.4), std::string("$1,234,567"));
    QCOMPARE(plan_dollars(7.571), std::string("$7.57"));
  }

  void csv_quotes_cells() {
    ResultRow row;
    row.point = "model {zoo: mlp, widths: [8, 16]}";
    row.state = ResultRow::State::Failed;
    row.error = "x.yaml: \"bad\"";
    SweepResultsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset({row});
    const QString csv = QString::fromStdString(model_csv(model));
    QVERIFY2(csv.contains("\"model {zoo: mlp, widths: [8, 16]}\""), qPrintable(csv));
    QVERIFY(csv.contains("\"x.yaml: \"\"bad\"\"\""));
  }
};

QTEST_GUILESS_MAIN(ModelsTest)
#include "test_models.moc"
