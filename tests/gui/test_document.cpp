// The scenario document: edits key by key, the sweep section, text kept as written until the
// first change; and validation, whose messages must be exactly those of `dpcast predict` (and,
// for the plan section, of `dpcast plan`).
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "dpcast/gui/scenario_document.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "gui_test_support.hpp"

using dpcast::gui::ScenarioDocument;
using dpcast::gui::validate;
using namespace dpcast::gui::test;

namespace {
// A document holding `value` (YAML) at a dotted key, to copy from.
ScenarioDocument holding(const std::string& key, const std::string& value) {
  std::string text, rest = key;
  int depth = 0;
  for (std::size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1), ++depth)
    text += std::string(2 * depth, ' ') + rest.substr(0, dot) + ":\n";
  text += std::string(2 * depth, ' ') + rest + ": " + value + "\n";
  return ScenarioDocument::from_text(text, "patch.yaml");
}

std::string read(const QString& path) {
  std::ifstream in(path.toStdString());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

class DocumentTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void untouched_file_is_kept_verbatim() {
    const QString path = source_path("scenarios/quickstart.yaml");
    const ScenarioDocument doc = ScenarioDocument::load(path.toStdString());
    QCOMPARE(doc.text(), read(path));  // comments and all
    QCOMPARE(doc.value("cluster.node"), std::optional<std::string>("dgx-h100"));
    QCOMPARE(doc.value("cluster.network.link"), std::optional<std::string>("ib-ndr"));
    QVERIFY(!doc.value("cluster.gpu"));
    const auto sweep = doc.sweep();
    QCOMPARE(sweep.size(), std::size_t{2});
    QCOMPARE(sweep[0].key, std::string("cluster.nodes"));
    QCOMPARE(sweep[0].values, (std::vector<std::string>{"1", "2", "4", "8", "16", "32", "64", "128"}));
    QCOMPARE(sweep[1].key, std::string("training.micro_batch"));
  }

  void edits_write_keys_and_remove_empty_sections() {
    ScenarioDocument doc = ScenarioDocument::from_text("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "m.yaml");
    QVERIFY(doc.set_value("training.micro_batch", "32"));
    QVERIFY(!doc.set_value("training.micro_batch", "32"));  // no change
    QCOMPARE(doc.value("training.micro_batch"), std::optional<std::string>("32"));
    QVERIFY(doc.set_value("cluster.network.link", "eth-25g"));
    QVERIFY(doc.remove("cluster.network.link"));
    QVERIFY(!doc.has("cluster.network"));                // the section it left empty goes too
    QVERIFY(doc.set_value("training.micro_batch", ""));  // empty: the default applies
    QVERIFY(!doc.has("training"));
    QVERIFY(doc.set_single_entry_map("model", "file", "models/x.yaml"));
    QCOMPARE(doc.value("model.file"), std::optional<std::string>("models/x.yaml"));
    QVERIFY(!doc.value("model"));
    QVERIFY(doc.set_value("model", "gpt2-small"));  // a zoo name replaces the map
    QCOMPARE(doc.value("model"), std::optional<std::string>("gpt2-small"));
  }

  void sweep_values_round_trip() {
    ScenarioDocument doc = ScenarioDocument::from_text("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "m.yaml");
    QVERIFY(doc.set_sweep_values("cluster.nodes", {"1", "2", "4"}));
    QVERIFY(doc.set_sweep_values("cluster.network.link", {"eth-10g", "eth-25g"}));
    const ScenarioDocument again = ScenarioDocument::from_text(doc.text(), "m.yaml");
    QCOMPARE(again.sweep_values("cluster.nodes"), std::optional<std::vector<std::string>>({"1", "2", "4"}));
    QCOMPARE(again.sweep_values("cluster.network.link"),
             std::optional<std::vector<std::string>>({"eth-10g", "eth-25g"}));
    const auto v = validate(again);
    QVERIFY2(v.ok(), v.error ? v.error->message.c_str() : "");
    QCOMPARE(v.configurations.size(), std::size_t{6});
    QVERIFY(doc.set_sweep_values("cluster.nodes", {}));
    QVERIFY(doc.set_sweep_values("cluster.network.link", {}));
    QVERIFY(!doc.has("sweep"));
    QCOMPARE(validate(doc).configurations.size(), std::size_t{1});
  }

  void copies_do_not_share_the_tree() {
    ScenarioDocument a = ScenarioDocument::from_text("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "m.yaml");
    ScenarioDocument b = a;
    QVERIFY(b.set_value("cluster.nodes", "4"));
    QCOMPARE(a.value("cluster.nodes"), std::optional<std::string>("1"));
    QCOMPARE(b.value("cluster.nodes"), std::optional<std::string>("4"));
  }

  void base_is_the_document_without_its_sweep() {
    const auto v = validate(ScenarioDocument::load(source_path("scenarios/quickstart.yaml").toStdString()));
    QVERIFY(v.ok());
    QCOMPARE(v.configurations.size(), std::size_t{24});
    QVERIFY(v.base);
    QCOMPARE(v.base->cluster.nodes, 1);
    QCOMPARE(v.base->training.micro_batch, std::int64_t{8});
    QVERIFY(v.base->sweep_point.empty());
  }

  void unreadable_files_give_the_cli_message_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << "scenarios/no-such.yaml"
                             << "scenarios/no-such.yaml: cannot open scenario file";
    QTest::newRow("directory") << "scenarios"
                               << "scenarios: is a directory, not a scenario file";
    QTest::newRow("malformed") << "tests/cli/bad/malformed-yaml.yaml"
                               << "tests/cli/bad/malformed-yaml.yaml:3:9: invalid YAML: end of map flow not found";
  }
  void unreadable_files_give_the_cli_message() {
    QFETCH(QString, file);
    QFETCH(QString, message);
    try {
      (void)ScenarioDocument::load(file.toStdString());
      QFAIL("no error");
    } catch (const dpcast::Error& e) {
      QCOMPARE(QString::fromStdString(e.what()), message);
    }
    // dpcast predict says the same.
    const Run cli = run(DPCAST_CLI, {"predict", file});
    QCOMPARE(cli.code, 2);
    QCOMPARE(cli.err.trimmed(), message);
  }

  // A wrong value: validation's message is the line `dpcast predict` prints for the same file,
  // its key says which field, and in_sweep whether it is written in the sweep section.
  void wrong_values_give_the_cli_message_data() {
    QTest::addColumn<QString>("edits");  // key=value;key=value ("sweep:" keys edit the sweep)
    QTest::addColumn<QString>("field");  // the scenario panel's field, "" for none
    QTest::addColumn<bool>("in_sweep");
    QTest::newRow("negative nodes") << "cluster.nodes=-4"
                                    << "cluster.nodes" << false;
    QTest::newRow("micro-batch not a number") << "training.micro_batch=abc"
                                              << "training.micro_batch" << false;
    QTest::newRow("zero bucket") << "data_parallel.bucket_mb=0"
                                 << "data_parallel.bucket_mb" << false;
    QTest::newRow("precision typo") << "training.precision=bf17"
                                    << "training.precision" << false;
    QTest::newRow("model typo") << "model=gpt2-smal"
                                << "model" << false;
    QTest::newRow("node typo") << "cluster.node=dgx-h10"
                               << "cluster.node" << false;
    QTest::newRow("too many GPUs per node") << "cluster.gpus_per_node=9"
                                            << "cluster.gpus_per_node" << false;
    QTest::newRow("ZeRO 5") << "data_parallel.zero_stage=5"
                            << "data_parallel.zero_stage" << false;
    QTest::newRow("oversubscribed single switch")
        << "cluster.network.topology=single-switch;cluster.network.oversubscription=2"
        << "cluster.network.oversubscription" << false;
    QTest::newRow("placement typo") << "cluster.placement=scattered"
                                    << "cluster.placement" << false;
    QTest::newRow("all the background") << "cluster.network.background=1"
                                        << "cluster.network.background" << false;
    QTest::newRow("ZeRO with a parameter server")
        << "data_parallel.collective=parameter-server;data_parallel.zero_stage=1"
        << "data_parallel.zero_stage" << false;
    QTest::newRow("seq_len of an MLP") << "model=mlp;training.seq_len=128"
                                       << "training.seq_len" << false;
    QTest::newRow("bf16 on a V100") << "cluster.gpu=v100;training.precision=bf16"
                                    << "training.precision" << false;
    QTest::newRow("node count in the sweep") << "sweep:cluster.nodes=1,four"
                                             << "" << true;
    QTest::newRow("link in the sweep") << "sweep:cluster.network.link=ib-ndr,ib-nd"
                                       << "" << true;
    QTest::newRow("unknown sweep key") << "sweep:training.micro_bat=4,8"
                                       << "" << true;
  }
  void wrong_values_give_the_cli_message() {
    QFETCH(QString, edits);
    QFETCH(QString, field);
    QFETCH(bool, in_sweep);
    QTemporaryDir dir;
    ScenarioDocument doc =
        ScenarioDocument::load(source_path("scenarios/quickstart.yaml").toStdString()).without_sweep();
    for (const QString& edit : edits.split(';')) {
      const QString key = edit.section('=', 0, 0), value = edit.section('=', 1);
      if (key.startsWith("sweep:")) {
        std::vector<std::string> values;
        for (const QString& v : value.split(',')) values.push_back(v.toStdString());
        doc.set_sweep_values(key.mid(6).toStdString(), values);
      } else {
        doc.set_value(key.toStdString(), value.toStdString());
      }
    }
    const QString path = dir.filePath("edited.yaml");
    doc.save(path.toStdString());
    const auto v = validate(doc);
    QVERIFY(v.error);
    const Run cli = run(DPCAST_CLI, {"predict", path, "--engine", "analytical"});
    QCOMPARE(cli.code, 2);
    QCOMPARE(QString::fromStdString(v.error->message), cli.err.trimmed());
    QVERIFY(cli.err.contains(QString::fromStdString(v.error->detail)));
    QCOMPARE(v.error->in_sweep, in_sweep);
    QCOMPARE(QString::fromStdString(dpcast::gui::scenario_field_for(*v.error, doc.error_file())), field);
  }

  void saved_document_reads_back_to_the_same_configurations() {
    QTemporaryDir dir;
    ScenarioDocument doc = ScenarioDocument::load(source_path("scenarios/quickstart.yaml").toStdString());
    doc.set_value("cluster.network.link", "ib-hdr");
    doc.set_value("data_parallel.zero_stage", "1");
    doc.set_sweep_values("cluster.nodes", {"1", "4", "16"});
    const QString path = dir.filePath("saved.yaml");
    doc.save(path.toStdString());
    const auto before = validate(doc);
    const auto after = validate(ScenarioDocument::load(path.toStdString()));
    QVERIFY(before.ok() && after.ok());
    QCOMPARE(after.configurations.size(), std::size_t{9});
    for (std::size_t i = 0; i < after.configurations.size(); ++i) {
      QCOMPARE(dpcast::models::scenario_yaml(after.configurations[i]),
               dpcast::models::scenario_yaml(before.configurations[i]));
      QCOMPARE(after.configurations[i].sweep_point, before.configurations[i].sweep_point);
    }
    // And dpcast predict runs the saved file.
    const Run cli = run(DPCAST_CLI, {"predict", path, "--engine", "analytical", "--csv"});
    QCOMPARE(cli.code, 0);
    QCOMPARE(cli.out.trimmed().split('\n').size(), 10);
  }

  void lists_and_sections() {
    ScenarioDocument doc = ScenarioDocument::from_text("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "m.yaml");
    QVERIFY(doc.set_list("plan.gpus", {"h100-sxm", "a100-80gb"}));
    QVERIFY(!doc.set_list("plan.gpus", {"h100-sxm", "a100-80gb"}));  // no change
    QCOMPARE(doc.list_values("plan.gpus"), std::optional<std::vector<std::string>>({"h100-sxm", "a100-80gb"}));
    QVERIFY(!doc.list_values("cluster.nodes"));  // a scalar, not a list
    QVERIFY(doc.text().find("gpus: [h100-sxm, a100-80gb]") != std::string::npos);
    // A map written where a list was replaces it (a node range instead of a node list).
    QVERIFY(doc.set_list("plan.nodes", {"2", "6"}));
    QVERIFY(doc.set_value("plan.nodes.max", "8"));
    QVERIFY(!doc.list_values("plan.nodes"));
    QCOMPARE(doc.value("plan.nodes.max"), std::optional<std::string>("8"));
    const auto entries = doc.entries("plan");
    QCOMPARE(entries.size(), std::size_t{2});
    QCOMPARE(entries[0], (std::pair<std::string, std::string>{"gpus", "[h100-sxm, a100-80gb]"}));
    QCOMPARE(entries[1], (std::pair<std::string, std::string>{"nodes", "{max: 8}"}));
    // A section copied from another document, which keeps its own.
    ScenarioDocument other = ScenarioDocument::from_text("model: mlp\ncluster: {node: cpu-host, nodes: 2}\n", "o.yaml");
    QVERIFY(other.copy_key("plan", doc));
    QVERIFY(doc.set_list("plan.gpus", {}));  // empty: removed
    QVERIFY(!doc.has("plan.gpus"));
    QCOMPARE(other.list_values("plan.gpus"), std::optional<std::vector<std::string>>({"h100-sxm", "a100-80gb"}));
    QCOMPARE(other.value("cluster.nodes"), std::optional<std::string>("2"));
    QVERIFY(other.copy_key("plan", ScenarioDocument::from_text("model: mlp\n", "n.yaml")));  // none there: removed
    QVERIFY(!other.has("plan"));
  }

  void the_example_plan_reads() {
    const auto doc = ScenarioDocument::load(source_path("scenarios/examples/plan-gpt2-xl.yaml").toStdString());
    const auto v = validate(doc);
    QVERIFY(v.ok());
    QVERIFY(v.plan.has_plan);
    QVERIFY2(v.plan.ok(), v.plan.error ? v.plan.error->message.c_str() : "");
    const auto& plan = v.plan.input->plan;
    QCOMPARE(plan.target_tokens, 3.0e11);
    QCOMPARE(plan.deadline_s, std::optional<double>(72 * 3600.0));
    QCOMPARE(plan.budget_usd, std::optional<double>(24000));
    QCOMPARE(plan.nodes, (std::vector<int>{1, 2, 4, 8, 16, 32, 64}));
    QCOMPARE(plan.zero_stages, (std::vector<int>{0, 1, 2, 3}));
    // A document without a plan section has none, and no error for it.
    const auto quickstart = validate(ScenarioDocument::load(source_path("scenarios/quickstart.yaml").toStdString()));
    QVERIFY(!quickstart.plan.has_plan);
    QVERIFY(!quickstart.plan.error);
  }

  // A wrong plan value: the message is the line `dpcast plan` prints for the same file, and its
  // key says which field of the plan panel shows it. `dpcast predict` ignores the plan section.
  void wrong_plan_values_give_the_cli_message_data() {
    QTest::addColumn<QString>("key");    // written into the example's plan section ("sweep": a sweep)
    QTest::addColumn<QString>("value");  // YAML
    QTest::addColumn<QString>("field");  // the plan panel's field, "" for its banner
    QTest::addColumn<QString>("detail");
    QTest::newRow("negative deadline") << "plan.deadline_hours"
                                       << "-3"
                                       << "plan.deadline_hours"
                                       << "expected a positive number, got -3";
    QTest::newRow("budget not a number") << "plan.budget_usd"
                                         << "lots"
                                         << "plan.budget_usd"
                                         << "expected a positive number, got lots";
    QTest::newRow("max global batch 0") << "plan.max_global_batch"
                                        << "0"
                                        << "plan.max_global_batch"
                                        << "expected a positive integer, got 0";
    QTest::newRow("GPU typo") << "plan.gpus"
                              << "[h100-sxm, a100-80g]"
                              << "plan.gpus"
                              << "unknown GPU 'a100-80g' (did you mean 'a100-80gb'?)";
    QTest::newRow("empty link list") << "plan.links"
                                     << "[]"
                                     << "plan.links"
                                     << "expected a non-empty list";
    QTest::newRow("max below min") << "plan.nodes"
                                   << "{min: 8, max: 4}"
                                   << "plan.nodes"
                                   << "max 4 is below min 8";
    QTest::newRow("node list item") << "plan.nodes"
                                    << "[2, -6]"
                                    << "plan.nodes"
                                    << "expected a positive integer, got -6";
    QTest::newRow("ZeRO 4") << "plan.zero_stage"
                            << "[0, 4]"
                            << "plan.zero_stage"
                            << "expected an integer from 0 to 3, got 4";
    QTest::newRow("micro-batch 0") << "plan.micro_batch"
                                   << "[0, 1]"
                                   << "plan.micro_batch"
                                   << "expected a positive integer, got 0";
    QTest::newRow("topology typo") << "plan.topologies"
                                   << "[fat-tre]"
                                   << "plan.topologies"
                                   << "";
    QTest::newRow("tokens and samples") << "plan.target"
                                        << "{tokens: 1.0e+9, samples: 5}"
                                        << "plan.target"
                                        << "give tokens or samples, not both";
    QTest::newRow("no target") << "plan.target"
                               << "{}"
                               << "plan.target"
                               << "needs tokens or samples";
    QTest::newRow("unknown plan key") << "plan.deadline"
                                      << "12"
                                      << ""
                                      << "unknown key (did you mean 'deadline_hours'?)";
    QTest::newRow("price of an unknown GPU") << "plan.prices"
                                             << "{h100: 2}"
                                             << ""
                                             << "";
    QTest::newRow("a sweep") << "sweep"
                             << "{cluster.nodes: [1, 2]}"
                             << ""
                             << "dpcast plan searches its own space (the plan section); remove the sweep";
  }
  void wrong_plan_values_give_the_cli_message() {
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, field);
    QFETCH(QString, detail);
    QTemporaryDir dir;
    const std::string example = read(source_path("scenarios/examples/plan-gpt2-xl.yaml"));
    ScenarioDocument doc = ScenarioDocument::from_text(example, "x.yaml");
    QVERIFY(doc.copy_key(key.toStdString(), holding(key.toStdString(), value.toStdString())));
    const QString path = dir.filePath("edited.yaml");
    doc.save(path.toStdString());
    const auto v = validate(ScenarioDocument::load(path.toStdString()));
    QVERIFY(v.plan.has_plan);
    QVERIFY(v.plan.error);
    QVERIFY(!v.plan.ok());
    const Run cli = run(DPCAST_CLI, {"plan", path, "--confirm-up-to", "0"});
    QCOMPARE(cli.code, 2);
    QCOMPARE(QString::fromStdString(v.plan.error->message), cli.err.trimmed());
    if (!detail.isEmpty()) QCOMPARE(QString::fromStdString(v.plan.error->detail), detail);
    QCOMPARE(QString::fromStdString(dpcast::gui::plan_field_for(*v.plan.error, path.toStdString())), field);
    // `dpcast predict` reads the rest of the scenario: only a sweep with a plan is a problem
    // for plan alone, and the scenario itself still reads.
    QVERIFY2(v.ok(), v.error ? v.error->message.c_str() : "");
  }

  void sweep_point_labels() {
    QCOMPARE(dpcast::gui::sweep_point_label({{"cluster.nodes", "2"}, {"training.micro_batch", "8"}}),
             std::string("nodes 2, micro_batch 8"));
    QCOMPARE(dpcast::gui::sweep_point_label({{"cluster.nodes", "2"}, {"training.micro_batch", "8"}}, true),
             std::string("micro_batch 8"));
    QCOMPARE(dpcast::gui::sweep_point_label({{"cluster.gpus", "16"}}, true), std::string());
  }
};

QTEST_GUILESS_MAIN(DocumentTest)
#include "test_document.moc"
