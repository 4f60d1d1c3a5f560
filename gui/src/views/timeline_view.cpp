// The timeline view (see timeline_view.hpp).
#include "dpcast/gui/views/timeline_view.hpp"

#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>

#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/views/data_table.hpp"
#include "dpcast/sim/report.hpp"

namespace dpcast::gui {

TimelineView::TimelineView(Session* session, const ChartPanel::Sources& sources, QWidget* parent)
    : ChartPage(new ChartPanel(ChartKind::Timeline, sources), parent), session_(session) {
  ranks_ = new QSpinBox;
  ranks_->setObjectName("timeline-ranks");
  ranks_->setRange(1, 64);
  ranks_->setValue(session_->timeline_ranks());
  ranks_->setToolTip(tr("Ranks shown (the first ones)"));
  connect(ranks_, &QSpinBox::valueChanged, session_, &Session::set_timeline_ranks);
  auto* hint = new QLabel(tr("Select a row of the Table (or click a point) to see that configuration."));
  hint->setStyleSheet("color: palette(mid);");
  add_tool(new QLabel(tr("Ranks:")));
  add_tool(ranks_);
  add_tool(hint);

  auto* below = new QTabWidget;
  explanation_ = new QPlainTextEdit;
  explanation_->setReadOnly(true);
  explanation_->setFont(QFont("monospace"));
  below->addTab(explanation_, tr("Explanation"));
  spans_ = data_table(session_->timeline());
  below->addTab(spans_, tr("Spans"));
  set_below(below);

  connect(session_, &Session::detail_changed, this, &TimelineView::update_explanation);
  update_explanation();
}

void TimelineView::update_explanation() {
  const auto& record = session_->detail_record();
  if (record && record->feasible)
    explanation_->setPlainText(qs(sim::explain(*record)));
  else
    explanation_->setPlainText(session_->detail_message());
}

}  // namespace dpcast::gui
