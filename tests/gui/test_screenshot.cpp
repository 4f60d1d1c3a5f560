// `dpcast-gui --screenshot DIR SCENARIO [RECORDS...]`: one PNG per view, none of them blank
// (the plan view for a scenario with a plan section, else a note why not); bad input is one
// line on stderr and exit status 2, as the CLI reports it.
#include <QDir>
#include <QImage>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "gui_test_support.hpp"

using namespace dpcast::gui::test;

namespace {

const QStringList kViews{"step-time", "throughput", "scaling", "breakdown", "memory",
                         "timeline",  "compare",    "table",   "window"};

// Distinct colours on a grid of samples, and the share of the most common one.
struct Colours {
  int distinct = 0;
  double most_common_share = 1;
};

Colours colours(const QImage& image) {
  QHash<QRgb, int> counts;
  int samples = 0;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      ++counts[image.pixel(x, y)];
      ++samples;
    }
  int most = 0;
  for (int c : counts) most = std::max(most, c);
  return {static_cast<int>(counts.size()), samples ? static_cast<double>(most) / samples : 1.0};
}

}  // namespace

class ScreenshotTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void every_view_is_written_and_not_blank_data() {
    QTest::addColumn<QStringList>("files");
    QTest::addColumn<QString>("plan_note");  // "": the plan view is written
    QTest::newRow("quickstart") << QStringList{"scenarios/quickstart.yaml"}
                                << "dpcast-gui: plan.png not written: scenarios/quickstart.yaml has no plan section";
    QTest::newRow("CPU MLP with measured records")
        << QStringList{"scenarios/examples/cpu-mlp.yaml", "tests/cli/records/mlp-measured.json"}
        << "dpcast-gui: plan.png not written: scenarios/examples/cpu-mlp.yaml has no plan section";
    QTest::newRow("ZeRO stages, some out of memory")
        << QStringList{"scenarios/examples/zero-stages.yaml"}
        << "dpcast-gui: plan.png not written: scenarios/examples/zero-stages.yaml has no plan section";
    QTest::newRow("a plan") << QStringList{"scenarios/examples/plan-gpt2-xl.yaml"} << "";
  }
  void every_view_is_written_and_not_blank() {
    QFETCH(QStringList, files);
    QFETCH(QString, plan_note);
    QTemporaryDir dir;
    const QString out = dir.filePath("shots");
    const Run r = run(DPCAST_GUI_EXE, QStringList{"--screenshot", out} + files);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QStringList written = QDir(out).entryList({"*.png"}, QDir::Files, QDir::Name);
    QStringList views = kViews;
    if (plan_note.isEmpty()) views << "plan";
    QStringList expected;
    for (const QString& v : views) expected << v + ".png";
    expected.sort();
    QCOMPARE(written, expected);
    QCOMPARE(r.err.contains(plan_note), true);
    QCOMPARE(r.err.contains("plan.png not written"), !plan_note.isEmpty());
    for (const QString& v : views) {
      const QImage image(QDir(out).filePath(v + ".png"));
      QVERIFY2(!image.isNull(), qPrintable(v));
      QVERIFY(image.width() >= 400 && image.height() >= 300);
      const Colours c = colours(image);
      QVERIFY2(c.distinct > 20, qPrintable(QString("%1: %2 colours").arg(v).arg(c.distinct)));
      QVERIFY2(c.most_common_share < 0.97, qPrintable(QString("%1: %2 of one colour").arg(v).arg(c.most_common_share)));
    }
    // stdout names the files written.
    QCOMPARE(r.out.trimmed().split('\n').size(), views.size());
  }

  void bad_input_exits_2_with_one_line_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");  // "" : the message `dpcast predict` gives for the first file
    QTest::newRow("missing scenario") << QStringList{"--screenshot", "SHOTS", "scenarios/nope.yaml"}
                                      << "scenarios/nope.yaml: cannot open scenario file";
    QTest::newRow("malformed scenario") << QStringList{"--screenshot", "SHOTS", "tests/cli/bad/malformed-yaml.yaml"}
                                        << "";
    QTest::newRow("negative nodes") << QStringList{"--screenshot", "SHOTS", "tests/cli/bad/negative-nodes.yaml"} << "";
    QTest::newRow("bad sweep value") << QStringList{"--screenshot", "SHOTS", "tests/cli/bad/bad-sweep-value.yaml"}
                                     << "";
    QTest::newRow("not a record") << QStringList{"--screenshot", "SHOTS", "scenarios/quickstart.yaml",
                                                 "tests/cli/bad/not-a-record.json"}
                                  << "tests/cli/bad/not-a-record.json: kind: missing in run record";
    QTest::newRow("no scenario") << QStringList{"--screenshot", "SHOTS"}
                                 << "dpcast-gui: --screenshot needs a scenario file (see dpcast-gui --help)";
    QTest::newRow("directory not writable")
        << QStringList{"--screenshot", "/proc/dpcast-shots", "scenarios/quickstart.yaml"}
        << "/proc/dpcast-shots: cannot create the directory";
    QTest::newRow("unknown option") << QStringList{"--bogus"}
                                    << "dpcast-gui: Unknown option 'bogus'. (see dpcast-gui --help)";
  }
  void bad_input_exits_2_with_one_line() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QTemporaryDir dir;
    arguments.replaceInStrings("SHOTS", dir.filePath("shots"));
    const Run r = run(DPCAST_GUI_EXE, arguments);
    QCOMPARE(r.code, 2);
    if (message.isEmpty()) {
      const Run cli = run(DPCAST_CLI, {"predict", arguments[2], "--engine", "analytical"});
      QCOMPARE(cli.code, 2);
      message = cli.err.trimmed();
    }
    // One line (Qt's own warnings aside), the CLI's.
    QStringList lines;
    for (const QString& line : r.err.split('\n', Qt::SkipEmptyParts))
      if (!line.startsWith("QStandardPaths:") && !line.startsWith("This plugin does not support")) lines << line;
    QCOMPARE(lines, QStringList{message});
    QVERIFY(!QDir(dir.filePath("shots")).exists() || QDir(dir.filePath("shots")).entryList({"*.png"}).isEmpty());
  }
};

QTEST_GUILESS_MAIN(ScreenshotTest)
#include "test_screenshot.moc"
