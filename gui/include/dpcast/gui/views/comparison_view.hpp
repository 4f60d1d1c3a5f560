#pragma once
// The predicted-against-measured view: the sweep's predictions as lines and the measured
// records as points, and below the chart a summary (how many records, the MAPE, the worst
// error, measurements the sweep did not predict) and the pairs as a table.
#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/views/chart_page.hpp"

class QLabel;
class QTableView;

namespace dpcast::gui {

class Session;

class ComparisonView : public ChartPage {
  Q_OBJECT

 public:
  ComparisonView(Session* session, const ChartPanel::Sources& sources, QWidget* parent = nullptr);

  [[nodiscard]] QLabel* summary() const { return summary_; }
  [[nodiscard]] QTableView* pairs() const { return pairs_; }

 Q_SIGNALS:
  /// "Open measured records..." was clicked: the window asks which and opens them.
  void open_records_clicked();

 private:
  void update_summary();

  Session* session_;
  QLabel* summary_ = nullptr;
  QTableView* pairs_ = nullptr;
};

}  // namespace dpcast::gui
