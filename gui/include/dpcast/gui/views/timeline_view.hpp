#pragma once
// The timeline view: one simulated step of the configuration selected, per rank (how many is
// chosen above the chart), and below it the step explained in sentences and its spans as a table.
#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/views/chart_page.hpp"

class QPlainTextEdit;
class QSpinBox;
class QTableView;

namespace dpcast::gui {

class Session;

class TimelineView : public ChartPage {
  Q_OBJECT

 public:
  TimelineView(Session* session, const ChartPanel::Sources& sources, QWidget* parent = nullptr);

  /// How many ranks the chart shows (the first ones).
  [[nodiscard]] QSpinBox* ranks() const { return ranks_; }
  [[nodiscard]] QTableView* spans() const { return spans_; }

 private:
  void update_explanation();

  Session* session_;
  QSpinBox* ranks_ = nullptr;
  QPlainTextEdit* explanation_ = nullptr;
  QTableView* spans_ = nullptr;
};

}  // namespace dpcast::gui
