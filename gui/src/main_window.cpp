#include "dpcast/gui/main_window.hpp"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/plan_panel.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/scenario_panel.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/sweep_panel.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

QTableView* table_view(QAbstractItemModel* model) {
  auto* table = new QTableView;
  table->setModel(model);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setAlternatingRowColors(true);
  table->verticalHeader()->hide();
  table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->horizontalHeader()->setStretchLastSection(true);
  return table;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new Session(this)) {
  setAcceptDrops(true);
  resize(1400, 900);

  auto* splitter = new QSplitter;
  splitter->setChildrenCollapsible(false);
  auto* left = new QWidget;
  auto* left_box = new QVBoxLayout(left);
  left_box->setContentsMargins(0, 0, 0, 0);
  scenario_panel_ = new ScenarioPanel(session_);
  sweep_panel_ = new SweepPanel(session_);
  left_box->addWidget(sweep_panel_);
  left_box->addWidget(scenario_panel_);
  auto* scroll = new QScrollArea;
  scroll->setWidget(left);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(390);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  splitter->addWidget(scroll);

  auto* right = new QWidget;
  auto* right_box = new QVBoxLayout(right);
  right_box->setContentsMargins(0, 0, 0, 0);
  banner_frame_ = new QWidget;
  banner_frame_->setObjectName("message-banner");
  banner_frame_->setStyleSheet(error_banner_style(banner_frame_->objectName()));
  auto* banner_box = new QHBoxLayout(banner_frame_);
  banner_ = new QLabel;
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_->setStyleSheet(banner_text_style());
  auto* dismiss = new QToolButton;
  dismiss->setText("x");
  dismiss->setToolTip(tr("Dismiss"));
  banner_box->addWidget(banner_, 1);
  banner_box->addWidget(dismiss);
  banner_frame_->hide();
  connect(dismiss, &QToolButton::clicked, this, [this] { show_message({}); });
  right_box->addWidget(banner_frame_);
  tabs_ = new QTabWidget;
  right_box->addWidget(tabs_);
  splitter->addWidget(right);
  splitter->setStretchFactor(1, 1);
  setCentralWidget(splitter);

  build_views();
  build_menus();

  connect(session_, &Session::modified_changed, this, &MainWindow::update_title);
  connect(session_, &Session::file_changed, this, &MainWindow::update_title);
  connect(session_, &Session::recent_files_changed, this, &MainWindow::rebuild_recent_menu);
  connect(session_, &Session::measured_changed, this, &MainWindow::update_comparison_summary);
  connect(session_, &Session::sweep_finished, this, &MainWindow::update_comparison_summary);
  connect(session_, &Session::detail_changed, this, &MainWindow::update_explanation);
  connect(session_, &Session::sweep_finished, this, [this](bool canceled) {
    statusBar()->showMessage(canceled ? tr("Sweep cancelled") : tr("Sweep done"), 4000);
    update_provenance();
  });
  provenance_ = new QLabel;
  provenance_->setObjectName("provenance");
  provenance_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statusBar()->addPermanentWidget(provenance_, 1);
  connect(session_, &Session::selection_changed, this, [this](int row) {
    for (const auto& v : views_)
      if (v.chart && v.chart->kind() != ChartKind::Plan) v.chart->set_highlight(row);
    syncing_selection_ = true;
    if (row < 0)
      results_table_->clearSelection();
    else
      results_table_->selectRow(results_proxy_->mapFromSource(session_->results()->index(row, 0)).row());
    syncing_selection_ = false;
  });
  connect(session_, &Session::plan_selection_changed, this, [this](int row) {
    if (const View* v = view("plan")) v->chart->set_highlight(row);
    syncing_selection_ = true;
    if (row < 0)
      plan_table_->clearSelection();
    else
      plan_table_->selectRow(row);
    syncing_selection_ = false;
    open_point_->setEnabled(row >= 0);
  });
  connect(session_, &Session::plan_finished, this, [this](bool canceled) {
    update_plan_explanation();
    if (canceled) statusBar()->showMessage(tr("Plan cancelled"), 4000);
  });
  connect(session_, &Session::document_replaced, this, &MainWindow::update_plan_explanation);
  update_title();
  rebuild_recent_menu();
  update_comparison_summary();
  update_explanation();
  update_plan_explanation();
}

void MainWindow::build_views() {
  Session* s = session_;
  const ChartPanel::Sources sources{s->results(), s->comparison(), s->timeline(), s->plan_front()};
  auto add = [this](const QString& id, const QString& title, QWidget* widget, ChartPanel* chart, QTableView* table,
                    const QAbstractItemModel* model) {
    views_.push_back({id, title, widget, chart, table, model});
    tabs_->addTab(widget, title);
    if (chart && chart->kind() == ChartKind::Plan)
      connect(chart, &ChartPanel::point_clicked, session_, &Session::select_plan_point);
    else if (chart)
      connect(chart, &ChartPanel::point_clicked, session_, &Session::select_row);
  };
  // A view: a row of buttons above a chart (and maybe more below it).
  auto page = [this](ChartPanel* chart, const QString& id, QWidget* below, QList<QWidget*> extra,
                     int below_stretch = 1) {
    auto* widget = new QWidget;
    auto* box = new QVBoxLayout(widget);
    auto* row = new QHBoxLayout;
    for (QWidget* w : extra) row->addWidget(w);
    row->addStretch(1);
    auto* png = new QPushButton(tr("Save PNG..."));
    png->setToolTip(tr("Save this chart as a PNG image"));
    row->addWidget(png);
    connect(png, &QPushButton::clicked, this, [this, id] {
      const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), id + ".png", tr("PNG images (*.png)"));
      if (!path.isEmpty()) export_png(id, path);
    });
    if (below) {
      auto* csv = new QPushButton(tr("Save CSV..."));
      csv->setToolTip(tr("Save this view's table as CSV (SI units)"));
      row->addWidget(csv);
      connect(csv, &QPushButton::clicked, this, [this, id] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save table"), id + ".csv", tr("CSV (*.csv)"));
        if (!path.isEmpty()) export_csv(id, path);
      });
    }
    box->addLayout(row);
    if (below) {
      auto* split = new QSplitter(Qt::Vertical);
      split->addWidget(chart);
      split->addWidget(below);
      split->setStretchFactor(0, 3);
      split->setStretchFactor(1, below_stretch);
      split->setSizes({300, 100 * below_stretch});  // scaled to the room there is when shown
      box->addWidget(split);
    } else {
      box->addWidget(chart);
    }
    return widget;
  };

  struct Simple {
    const char* id;
    QString title;
    ChartKind kind;
  };
  for (const Simple& v : {Simple{"step-time", tr("Step time"), ChartKind::StepTime},
                          Simple{"throughput", tr("Throughput"), ChartKind::Throughput},
                          Simple{"scaling", tr("Scaling"), ChartKind::Scaling},
                          Simple{"breakdown", tr("Breakdown"), ChartKind::Breakdown},
                          Simple{"memory", tr("Memory"), ChartKind::Memory}}) {
    auto* chart = new ChartPanel(v.kind, sources);
    add(v.id, v.title, page(chart, v.id, nullptr, {}), chart, nullptr, s->results());
  }

  // The timeline of one configuration, its explanation and its spans.
  {
    auto* chart = new ChartPanel(ChartKind::Timeline, sources);
    ranks_ = new QSpinBox;
    ranks_->setObjectName("timeline-ranks");
    ranks_->setRange(1, 64);
    ranks_->setValue(s->timeline_ranks());
    ranks_->setToolTip(tr("Ranks shown (the first ones)"));
    connect(ranks_, &QSpinBox::valueChanged, s, &Session::set_timeline_ranks);
    auto* hint = new QLabel(tr("Select a row of the Table (or click a point) to see that configuration."));
    hint->setStyleSheet("color: palette(mid);");
    auto* below = new QTabWidget;
    explanation_ = new QPlainTextEdit;
    explanation_->setReadOnly(true);
    explanation_->setFont(QFont("monospace"));
    below->addTab(explanation_, tr("Explanation"));
    auto* spans = table_view(s->timeline());
    below->addTab(spans, tr("Spans"));
    add("timeline", tr("Timeline"), page(chart, "timeline", below, {new QLabel(tr("Ranks:")), ranks_, hint}), chart,
        spans, s->timeline());
  }

  // Predicted against measured.
  {
    auto* chart = new ChartPanel(ChartKind::Comparison, sources);
    auto* open = new QPushButton(tr("Open measured records..."));
    open->setObjectName("open-records");
    connect(open, &QPushButton::clicked, this, [this] {
      const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Measured run records"), {},
                                                              tr("Run records (*.json);;All files (*)"));
      if (!paths.isEmpty()) open_records(paths);
    });
    auto* clear = new QPushButton(tr("Clear"));
    connect(clear, &QPushButton::clicked, s, &Session::clear_measured);
    auto* below = new QWidget;
    auto* box = new QVBoxLayout(below);
    box->setContentsMargins(0, 0, 0, 0);
    comparison_summary_ = new QLabel;
    comparison_summary_->setObjectName("comparison-summary");
    comparison_summary_->setWordWrap(true);
    comparison_summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(comparison_summary_);
    auto* table = table_view(s->comparison());
    box->addWidget(table);
    add("compare", tr("Predicted vs measured"), page(chart, "compare", below, {open, clear}), chart, table,
        s->comparison());
  }

  // Every configuration's figures.
  {
    results_proxy_ = new QSortFilterProxyModel(this);
    results_proxy_->setSourceModel(s->results());
    results_proxy_->setSortRole(RawRole);
    results_table_ = table_view(results_proxy_);
    results_table_->setSortingEnabled(true);
    results_table_->sortByColumn(-1, Qt::AscendingOrder);  // sweep order until a header is clicked
    auto* widget = new QWidget;
    auto* box = new QVBoxLayout(widget);
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Every configuration of the sweep; select one to see its timeline.")));
    row->addStretch(1);
    auto* csv = new QPushButton(tr("Save CSV..."));
    connect(csv, &QPushButton::clicked, this, [this] {
      const QString path = QFileDialog::getSaveFileName(this, tr("Save table"), "results.csv", tr("CSV (*.csv)"));
      if (!path.isEmpty()) export_csv("table", path);
    });
    row->addWidget(csv);
    box->addLayout(row);
    box->addWidget(results_table_);
    add("table", tr("Table"), widget, nullptr, results_table_, s->results());
    connect(results_table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
              if (syncing_selection_ || !current.isValid()) return;
              session_->select_row(results_proxy_->mapToSource(current).row());
            });
  }

  // The plan: its panel, the front as a chart and a table, the recommendation's reasons.
  {
    auto* chart = new ChartPanel(ChartKind::Plan, sources);
    plan_panel_ = new PlanPanel(s);
    auto* panel_scroll = new QScrollArea;
    panel_scroll->setWidget(plan_panel_);
    panel_scroll->setWidgetResizable(true);
    panel_scroll->setMinimumWidth(320);
    panel_scroll->setMaximumWidth(420);
    panel_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    open_point_ = new QPushButton(tr("Open as scenario"));
    open_point_->setObjectName("plan-open-point");
    open_point_->setToolTip(
        tr("Make the selected front point the scenario (untitled), so the other views show it; "
           "the file it came from stays as it is"));
    open_point_->setEnabled(false);
    connect(open_point_, &QPushButton::clicked, this, [this] { open_plan_point(session_->plan_selected()); });
    auto* hint = new QLabel(tr("Click a point or select a row, then"));
    hint->setStyleSheet("color: palette(mid);");
    auto* below = new QWidget;
    auto* box = new QVBoxLayout(below);
    box->setContentsMargins(0, 0, 0, 0);
    plan_why_ = new QLabel;
    plan_why_->setObjectName("plan-why");
    plan_why_->setWordWrap(true);
    plan_why_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(plan_why_);
    plan_table_ = table_view(s->plan_front());
    // Time, cost and the constraints beside the cluster, before the network (the model keeps
    // the column order of `dpcast plan --csv`, which Save CSV writes).
    QHeaderView* header = plan_table_->horizontalHeader();
    int to = PlanFrontModel::Network;
    for (int column : {PlanFrontModel::TimeToTrain, PlanFrontModel::Cost, PlanFrontModel::Constraints})
      header->moveSection(header->visualIndex(column), to++);
    box->addWidget(plan_table_);
    connect(plan_table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
              if (!syncing_selection_ && current.isValid()) session_->select_plan_point(current.row());
            });
    connect(plan_table_, &QTableView::doubleClicked, this,
            [this](const QModelIndex& index) { open_plan_point(index.row()); });
    auto* right = new QWidget;
    auto* right_box = new QVBoxLayout(right);
    right_box->setContentsMargins(0, 0, 0, 0);
    plan_binding_ = new QLabel;
    plan_binding_->setObjectName("plan-binding");
    plan_binding_->setWordWrap(true);
    plan_binding_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    plan_binding_->setStyleSheet(error_banner_label_style(plan_binding_->objectName()));
    plan_binding_->hide();
    right_box->addWidget(plan_binding_);
    right_box->addWidget(page(chart, "plan", below, {hint, open_point_}, 2), 1);
    auto* split = new QSplitter;
    split->setChildrenCollapsible(false);
    split->addWidget(panel_scroll);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    split->setSizes({330, 1000});
    add("plan", tr("Plan"), split, chart, plan_table_, s->plan_front());
  }
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New scenario"), QKeySequence::New, this, [this] {
    if (maybe_save()) session_->new_document();
  });
  file->addAction(tr("&Open scenario..."), QKeySequence::Open, this, [this] {
    const QString dir = session_->file().isEmpty() ? QString() : QFileInfo(session_->file()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open scenario"), dir,
                                                      tr("Scenarios (*.yaml *.yml *.json);;All files (*)"));
    if (!path.isEmpty()) open_scenario(path);
  });
  recent_menu_ = file->addMenu(tr("Open &recent"));
  file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
  file->addAction(tr("Save &as..."), QKeySequence::SaveAs, this, [this] { save_as(); });
  file->addSeparator();
  file->addAction(tr("Open &measured records..."), this, [this] {
    const QStringList paths =
        QFileDialog::getOpenFileNames(this, tr("Measured run records"), {}, tr("Run records (*.json);;All files (*)"));
    if (!paths.isEmpty()) open_records(paths);
  });
  file->addAction(tr("Export chart as &PNG..."), this, [this] {
    const View* v = current_view();
    if (!v || !v->chart) {
      show_message(tr("This view has no chart; choose a chart's tab first."));
      return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), v->id + ".png", tr("PNG images (*.png)"));
    if (!path.isEmpty()) export_png(v->id, path);
  });
  file->addAction(tr("Export table as &CSV..."), this, [this] {
    const View* v = current_view();
    const QString id = v ? v->id : QStringLiteral("table");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save table"), id + ".csv", tr("CSV (*.csv)"));
    if (!path.isEmpty()) export_csv(id, path);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* sweep = menuBar()->addMenu(tr("&Sweep"));
  sweep->addAction(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), session_, &Session::run_sweep);
  sweep->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), session_, &Session::cancel_sweep);

  QMenu* plan = menuBar()->addMenu(tr("&Plan"));
  plan->addAction(tr("&Run plan"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this, [this] {
    show_view("plan");
    session_->run_plan();
  });
  plan->addAction(tr("&Cancel plan"), session_, &Session::cancel_plan);
  plan->addAction(tr("&Open selected point as scenario"), this, [this] { open_plan_point(session_->plan_selected()); });
}

bool MainWindow::open_plan_point(int row) {
  const auto& outcome = session_->plan_outcome();
  if (!outcome || row < 0 || row >= static_cast<int>(outcome->result.front.size())) {
    show_message(tr("Select a point of the plan's front first (run the plan if there is none)."));
    return false;
  }
  // An unedited point opened before is replaced without asking: it is one click away.
  if (session_->opened_plan_point() < 0 && !maybe_save()) return false;
  if (!session_->open_plan_point(row)) return false;
  show_message({});
  statusBar()->showMessage(tr("Front point %1 is the scenario now (untitled): the other views show it").arg(row + 1),
                           6000);
  return true;
}

void MainWindow::update_plan_explanation() {
  const auto& outcome = session_->plan_outcome();
  QString binding;
  QStringList why;
  if (outcome && outcome->ok) {
    if (!outcome->result.binding.empty()) {
      binding = tr("No configuration meets the constraints:");
      for (const auto& b : outcome->result.binding) binding += "\n\u2022 " + qs(b);
    }
    for (const auto& w : outcome->result.why) why << "\u2022 " + qs(w);
  } else if (outcome) {
    binding = tr("The plan failed: %1").arg(qs(outcome->error));
  }
  plan_binding_->setText(binding);
  plan_binding_->setVisible(!binding.isEmpty());
  plan_why_->setText(why.join("\n"));
  plan_why_->setVisible(!why.isEmpty());
}

void MainWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  const QStringList files = session_->recent_files();
  for (const QString& path : files) recent_menu_->addAction(path, this, [this, path] { open_scenario(path); });
  recent_menu_->setEnabled(!files.isEmpty());
}

void MainWindow::update_title() {
  const QString file = session_->file();
  setWindowTitle(tr("%1[*] - dpcast-gui").arg(file.isEmpty() ? tr("untitled.yaml") : QFileInfo(file).fileName()));
  setWindowModified(session_->is_modified());
}

void MainWindow::show_message(const QString& text) {
  banner_->setText(text);
  banner_frame_->setVisible(!text.isEmpty());
  if (!text.isEmpty()) statusBar()->showMessage(text, 8000);
}

QString MainWindow::message() const {
  return banner_->text();
}

void MainWindow::update_provenance() {
  QStringList sources;
  for (const auto& row : session_->results()->rows()) {
    if (row.state != ResultRow::State::Done || row.record.provenance.empty()) continue;
    const QString source = QString::fromStdString(row.record.provenance);
    if (!sources.contains(source)) sources << source;
  }
  provenance_->setText(sources.isEmpty() ? QString() : tr("Numbers from %1").arg(sources.join("; ")));
  provenance_->setToolTip(provenance_->text());
}

void MainWindow::update_comparison_summary() {
  const auto& c = session_->comparison()->comparison();
  QString text;
  if (session_->measured().empty()) {
    text = tr("No measured records: open or drop run records (JSON from dpcast-train, one record or an array).");
  } else {
    text =
        tr("%1 measured records from %2.").arg(session_->measured().size()).arg(session_->measured_files().join(", "));
    if (!c.pairs.empty())
      text += " " + tr("MAPE %1% over %2 (step time); worst %3%.")
                        .arg(qs(sim::fixed(100 * c.mape(), 1)))
                        .arg(c.pairs.size() == 1 ? tr("1 pair") : tr("%1 pairs").arg(c.pairs.size()))
                        .arg(qs(sim::fixed(100 * c.worst(), 1)));
    // Measurements the sweep did not predict (predictions without a measurement are the rule).
    for (const auto& u : c.unpaired)
      if (u.rfind("measured ", 0) == 0) text += "\n" + qs(u);
  }
  comparison_summary_->setText(text);
}

void MainWindow::update_explanation() {
  const auto& record = session_->detail_record();
  if (record && record->feasible)
    explanation_->setPlainText(qs(sim::explain(*record)));
  else
    explanation_->setPlainText(session_->detail_message());
}

const MainWindow::View* MainWindow::view(const QString& id) const {
  for (const auto& v : views_)
    if (v.id == id) return &v;
  return nullptr;
}

const MainWindow::View* MainWindow::current_view() const {
  const int i = tabs_->currentIndex();
  return i >= 0 && i < static_cast<int>(views_.size()) ? &views_[static_cast<std::size_t>(i)] : nullptr;
}

void MainWindow::show_view(const QString& id) {
  for (std::size_t i = 0; i < views_.size(); ++i)
    if (views_[i].id == id) tabs_->setCurrentIndex(static_cast<int>(i));
}

bool MainWindow::is_record_file(const QString& path) {
  // YAML is a scenario; JSON is a scenario when it looks like one (JSON is YAML too), else records.
  if (!path.endsWith(".json", Qt::CaseInsensitive)) return false;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return true;  // sim::load_records says why
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll());
  if (!doc.isObject()) return true;
  const QJsonObject object = doc.object();
  return !object.contains("model") && !object.contains("cluster") && !object.contains("sweep");
}

bool MainWindow::open_files(const QStringList& paths) {
  QStringList records;
  bool ok = true;
  for (const QString& path : paths) {
    if (is_record_file(path))
      records << path;
    else
      ok = open_scenario(path) && ok;
  }
  if (!records.isEmpty()) ok = open_records(records) && ok;
  return ok;
}

bool MainWindow::open_scenario(const QString& path) {
  if (!maybe_save()) return false;
  if (const auto error = session_->open(path)) {
    show_message(qs(*error));
    return false;
  }
  show_message({});
  return true;
}

bool MainWindow::open_records(const QStringList& paths) {
  if (const auto error = session_->add_measured(paths)) {
    show_message(qs(*error));
    return false;
  }
  show_message({});
  show_view("compare");
  return true;
}

bool MainWindow::save_to(const QString& path) {
  if (const auto error = session_->save(path)) {
    show_message(qs(*error));
    return false;
  }
  statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
  return true;
}

bool MainWindow::save() {
  if (session_->file().isEmpty()) return save_as();
  return save_to(session_->file());
}

bool MainWindow::save_as() {
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Save scenario"), session_->file().isEmpty() ? QStringLiteral("scenario.yaml") : session_->file(),
      tr("Scenarios (*.yaml *.yml)"));
  return !path.isEmpty() && save_to(path);
}

bool MainWindow::maybe_save() {
  if (!session_->is_modified()) return true;
  QMessageBox box(QMessageBox::Warning, tr("dpcast-gui"), tr("The scenario has unsaved changes."),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
  box.setObjectName("unsaved-changes");
  box.setInformativeText(tr("Save them first?"));
  box.setDefaultButton(QMessageBox::Save);
  const int answer = box.exec();
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool MainWindow::export_csv(const QString& view_id, const QString& path) {
  const View* v = view(view_id);
  const QAbstractItemModel* model = v && v->model ? v->model : session_->results();
  try {
    models::write_file_atomically(path.toStdString(), model_csv(*model));
  } catch (const Error& e) {
    show_message(qs(e.what()));
    return false;
  }
  statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
  return true;
}

bool MainWindow::export_png(const QString& view_id, const QString& path) {
  const View* v = view(view_id);
  if (!v || !v->chart) {
    show_message(tr("%1: no chart to save").arg(view_id));
    return false;
  }
  if (!v->chart->save_png(path)) {
    show_message(tr("%1: cannot write the image").arg(path));
    return false;
  }
  statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (maybe_save())
    event->accept();
  else
    event->ignore();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  open_files(paths);
}

}  // namespace dpcast::gui
