// The plan view (see plan_view.hpp).
#include "dpcast/gui/views/plan_view.hpp"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTableView>
#include <QVBoxLayout>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/plan_panel.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/views/chart_page.hpp"
#include "dpcast/gui/views/data_table.hpp"
#include "dpcast/sim/plan_report.hpp"

namespace dpcast::gui {

PlanView::PlanView(Session* session, const ChartPanel::Sources& sources, QWidget* parent)
    : QSplitter(parent), session_(session) {
  auto* chart = new ChartPanel(ChartKind::Plan, sources);  // first, as the other views make theirs
  setChildrenCollapsible(false);
  addWidget(build_panel_scroll());
  addWidget(build_chart_side(chart, build_front_table()));
  setStretchFactor(1, 1);
  setSizes({330, 1000});

  connect(session_, &Session::plan_selection_changed, this, &PlanView::show_selection);
  connect(session_, &Session::plan_finished, this, &PlanView::update_explanation);
  connect(session_, &Session::document_replaced, this, &PlanView::update_explanation);
  update_explanation();
}

QWidget* PlanView::build_panel_scroll() {
  panel_ = new PlanPanel(session_);
  auto* scroll = new QScrollArea;
  scroll->setWidget(panel_);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(320);
  scroll->setMaximumWidth(420);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  return scroll;
}

// Below the chart: the recommendation's reasons, then the front as a table.
QWidget* PlanView::build_front_table() {
  auto* below = new QWidget;
  auto* box = new QVBoxLayout(below);
  box->setContentsMargins(0, 0, 0, 0);
  why_ = new QLabel;
  why_->setObjectName("plan-why");
  why_->setWordWrap(true);
  why_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  box->addWidget(why_);
  table_ = data_table(session_->plan_front());
  // Time, cost and the constraints beside the cluster, before the network (the model keeps
  // the column order of `dpcast plan --csv`, which Save CSV writes).
  QHeaderView* header = table_->horizontalHeader();
  int to = PlanFrontModel::Network;
  for (int column : {PlanFrontModel::TimeToTrain, PlanFrontModel::Cost, PlanFrontModel::Constraints})
    header->moveSection(header->visualIndex(column), to++);
  box->addWidget(table_);
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (!syncing_selection_ && current.isValid()) session_->select_plan_point(current.row());
  });
  connect(table_, &QTableView::doubleClicked, this,
          [this](const QModelIndex& index) { Q_EMIT open_point_requested(index.row()); });
  return below;
}

// The banner above the chart's page: its tools (Open as scenario), the chart, and `below`.
QWidget* PlanView::build_chart_side(ChartPanel* chart, QWidget* below) {
  open_point_ = new QPushButton(tr("Open as scenario"));
  open_point_->setObjectName("plan-open-point");
  open_point_->setToolTip(
      tr("Make the selected front point the scenario (untitled), so the other views show it; "
         "the file it came from stays as it is"));
  open_point_->setEnabled(false);
  connect(open_point_, &QPushButton::clicked, this, [this] { Q_EMIT open_point_requested(session_->plan_selected()); });
  auto* hint = new QLabel(tr("Click a point or select a row, then"));
  hint->setStyleSheet("color: palette(mid);");

  auto* side = new QWidget;
  auto* box = new QVBoxLayout(side);
  box->setContentsMargins(0, 0, 0, 0);
  binding_ = new QLabel;
  binding_->setObjectName("plan-binding");
  binding_->setWordWrap(true);
  binding_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  binding_->setStyleSheet(error_banner_label_style(binding_->objectName()));
  binding_->hide();
  box->addWidget(binding_);
  page_ = new ChartPage(chart);
  page_->add_tool(hint);
  page_->add_tool(open_point_);
  page_->set_below(below, 2);
  box->addWidget(page_, 1);
  return side;
}

void PlanView::show_selection(int row) {
  page_->chart()->set_highlight(row);
  syncing_selection_ = true;
  if (row < 0)
    table_->clearSelection();
  else
    table_->selectRow(row);
  syncing_selection_ = false;
  open_point_->setEnabled(row >= 0);
}

// The binding constraints (or why the plan failed) in the banner, the reasons under the chart.
void PlanView::update_explanation() {
  const auto& outcome = session_->plan_outcome();
  QString binding;
  QStringList why;
  if (outcome && outcome->ok) {
    if (!outcome->result.binding.empty()) {
      binding = tr("No configuration meets the constraints:");
      for (const auto& b : outcome->result.binding) binding += "\n\u2022 " + qs(b);
    }
    for (const auto& w : outcome->result.why) why << "\u2022 " + qs(w);
    const auto best = sim::plan_best_per_gpu_sentences(outcome->result);
    if (!best.empty()) why << tr("Best per GPU type:");
    for (const auto& b : best) why << "\u2022 " + qs(b);
  } else if (outcome) {
    binding = tr("The plan failed: %1").arg(qs(outcome->error));
  }
  binding_->setText(binding);
  binding_->setVisible(!binding.isEmpty());
  why_->setText(why.join("\n"));
  why_->setVisible(!why.isEmpty());
}

}  // namespace dpcast::gui
