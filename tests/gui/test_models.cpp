// Every item model of the dashboard under QAbstractItemModelTester, with data-driven rows;
// CSV export and tooltips with units.
#include <QAbstractItemModelTester>
#include <QtTest>

#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/prediction.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/gui/scenario_document.hpp"
#include "dpcast/gui/timeline_model.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/compare.hpp"
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
        QVERIFY(!model.data(model.index(i, SweepResultsModel::StepTime)).isValid());
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
    const QStringList lines = csv_lines(model);
    QCOMPARE(lines.size(), events + 1);
    QCOMPARE(lines[0], QString("rank,track,category,name,start_s,duration_s,detail"));
    QVERIFY(model.data(model.index(0, TimelineModel::Start), Qt::ToolTipRole).toString().contains(" s)"));
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
