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
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/scenario_panel.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/sweep_panel.hpp"
#include "dpcast/gui/views/chart_page.hpp"
#include "dpcast/gui/views/comparison_view.hpp"
#include "dpcast/gui/views/plan_view.hpp"
#include "dpcast/gui/views/results_view.hpp"
#include "dpcast/gui/views/timeline_view.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new Session(this)) {
  setAcceptDrops(true);
  resize(1400, 900);
  auto* splitter = new QSplitter;
  splitter->setChildrenCollapsible(false);
  splitter->addWidget(build_panels());
  splitter->addWidget(build_view_area());
  splitter->setStretchFactor(1, 1);
  setCentralWidget(splitter);
  build_views();
  build_menus();
  build_status_bar();
  connect_session();
  update_title();
  rebuild_recent_menu();
}

// The scenario and sweep panels, scrolling together on the left.
QWidget* MainWindow::build_panels() {
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
  return scroll;
}

// The banner for files that cannot be read or written, above the views' tabs.
QWidget* MainWindow::build_view_area() {
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
  return right;
}

// One tab per view, in this order (the screenshots follow it).
void MainWindow::build_views() {
  Session* s = session_;
  const ChartPanel::Sources sources{s->results(), s->comparison(), s->timeline(), s->plan_front()};
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
    auto* page = new ChartPage(new ChartPanel(v.kind, sources));
    add_view({v.id, v.title, page, page->chart(), nullptr, s->results()}, page);
  }

  timeline_view_ = new TimelineView(s, sources);
  add_view(
      {"timeline", tr("Timeline"), timeline_view_, timeline_view_->chart(), timeline_view_->spans(), s->timeline()},
      timeline_view_);

  comparison_view_ = new ComparisonView(s, sources);
  add_view({"compare", tr("Predicted vs measured"), comparison_view_, comparison_view_->chart(),
            comparison_view_->pairs(), s->comparison()},
           comparison_view_);
  connect(comparison_view_, &ComparisonView::open_records_clicked, this, &MainWindow::open_records_dialog);

  results_view_ = new ResultsView(s);
  add_view({"table", tr("Table"), results_view_, nullptr, results_view_->table(), s->results()}, nullptr);
  connect(results_view_, &ResultsView::save_csv_clicked, this, [this] { save_table_dialog("table", "results.csv"); });

  plan_view_ = new PlanView(s, sources);
  add_view({"plan", tr("Plan"), plan_view_, plan_view_->page()->chart(), plan_view_->table(), s->plan_front()},
           plan_view_->page());
  connect(plan_view_, &PlanView::open_point_requested, this, &MainWindow::open_plan_point);
}

// A view's tab; a click on its chart selects a configuration (on the plan's, a front point),
// and its page's Save buttons save what it shows.
void MainWindow::add_view(const View& view, ChartPage* page) {
  views_.push_back(view);
  tabs_->addTab(view.widget, view.title);
  if (view.chart && view.chart->kind() == ChartKind::Plan)
    connect(view.chart, &ChartPanel::point_clicked, session_, &Session::select_plan_point);
  else if (view.chart)
    connect(view.chart, &ChartPanel::point_clicked, session_, &Session::select_row);
  if (!page) return;
  const QString id = view.id;
  connect(page, &ChartPage::save_png_clicked, this, [this, id] { save_chart_dialog(id); });
  connect(page, &ChartPage::save_csv_clicked, this, [this, id] { save_table_dialog(id, id + ".csv"); });
}

void MainWindow::build_status_bar() {
  provenance_ = new QLabel;
  provenance_->setObjectName("provenance");
  provenance_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statusBar()->addPermanentWidget(provenance_, 1);
}

void MainWindow::connect_session() {
  connect(session_, &Session::modified_changed, this, &MainWindow::update_title);
  connect(session_, &Session::file_changed, this, &MainWindow::update_title);
  connect(session_, &Session::recent_files_changed, this, &MainWindow::rebuild_recent_menu);
  connect(session_, &Session::sweep_finished, this, [this](bool canceled) {
    statusBar()->showMessage(canceled ? tr("Sweep cancelled") : tr("Sweep done"), 4000);
    update_provenance();
  });
  // The configuration selected is marked on every chart of the sweep.
  connect(session_, &Session::selection_changed, this, [this](int row) {
    for (const auto& v : views_)
      if (v.chart && v.chart->kind() != ChartKind::Plan) v.chart->set_highlight(row);
  });
  connect(session_, &Session::plan_finished, this, [this](bool canceled) {
    if (canceled) statusBar()->showMessage(tr("Plan cancelled"), 4000);
  });
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
  file->addAction(tr("Open &measured records..."), this, &MainWindow::open_records_dialog);
  file->addAction(tr("Export chart as &PNG..."), this, [this] {
    const View* v = current_view();
    if (!v || !v->chart) {
      show_message(tr("This view has no chart; choose a chart's tab first."));
      return;
    }
    save_chart_dialog(v->id);
  });
  file->addAction(tr("Export table as &CSV..."), this, [this] {
    const View* v = current_view();
    const QString id = v ? v->id : QStringLiteral("table");
    save_table_dialog(id, id + ".csv");
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

void MainWindow::open_records_dialog() {
  const QStringList paths =
      QFileDialog::getOpenFileNames(this, tr("Measured run records"), {}, tr("Run records (*.json);;All files (*)"));
  if (!paths.isEmpty()) open_records(paths);
}

void MainWindow::save_chart_dialog(const QString& view_id) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), view_id + ".png", tr("PNG images (*.png)"));
  if (!path.isEmpty()) export_png(view_id, path);
}

void MainWindow::save_table_dialog(const QString& view_id, const QString& file_name) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save table"), file_name, tr("CSV (*.csv)"));
  if (!path.isEmpty()) export_csv(view_id, path);
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

QSpinBox* MainWindow::timeline_ranks() const {
  return timeline_view_->ranks();
}

QLabel* MainWindow::comparison_summary() const {
  return comparison_view_->summary();
}

PlanPanel* MainWindow::plan_panel() const {
  return plan_view_->panel();
}

QLabel* MainWindow::plan_binding() const {
  return plan_view_->binding();
}

QLabel* MainWindow::plan_why() const {
  return plan_view_->why();
}

QPushButton* MainWindow::open_point_button() const {
  return plan_view_->open_point_button();
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
