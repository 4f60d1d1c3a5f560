// The predicted-against-measured view (see comparison_view.hpp).
#include "dpcast/gui/views/comparison_view.hpp"

#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/views/data_table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {

ComparisonView::ComparisonView(Session* session, const ChartPanel::Sources& sources, QWidget* parent)
    : ChartPage(new ChartPanel(ChartKind::Comparison, sources), parent), session_(session) {
  auto* open = new QPushButton(tr("Open measured records..."));
  open->setObjectName("open-records");
  connect(open, &QPushButton::clicked, this, &ComparisonView::open_records_clicked);
  auto* clear = new QPushButton(tr("Clear"));
  connect(clear, &QPushButton::clicked, session_, &Session::clear_measured);
  add_tool(open);
  add_tool(clear);

  auto* below = new QWidget;
  auto* box = new QVBoxLayout(below);
  box->setContentsMargins(0, 0, 0, 0);
  summary_ = new QLabel;
  summary_->setObjectName("comparison-summary");
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  box->addWidget(summary_);
  pairs_ = data_table(session_->comparison());
  box->addWidget(pairs_);
  set_below(below);

  connect(session_, &Session::measured_changed, this, &ComparisonView::update_summary);
  connect(session_, &Session::sweep_finished, this, &ComparisonView::update_summary);
  update_summary();
}

void ComparisonView::update_summary() {
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
  summary_->setText(text);
}

}  // namespace dpcast::gui
