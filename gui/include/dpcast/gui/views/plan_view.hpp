#pragma once
// The plan view: the plan panel on the left; on the right a banner when nothing meets the
// constraints (or the plan failed), the Pareto front as a chart, and below it the
// recommendation's reasons and the front as a table. A front point selected here is the
// session's; "Open as scenario" (or a double click) asks the window to open it.
#include <QSplitter>

#include "dpcast/gui/charts.hpp"

class QLabel;
class QPushButton;
class QTableView;

namespace dpcast::gui {

class ChartPage;
class PlanPanel;
class Session;

class PlanView : public QSplitter {
  Q_OBJECT

 public:
  PlanView(Session* session, const ChartPanel::Sources& sources, QWidget* parent = nullptr);

  [[nodiscard]] PlanPanel* panel() const { return panel_; }
  [[nodiscard]] ChartPage* page() const { return page_; }
  [[nodiscard]] QTableView* table() const { return table_; }
  /// The binding constraints when nothing meets them, or why the plan failed.
  [[nodiscard]] QLabel* binding() const { return binding_; }
  /// The recommendation and its reasons (the planner's `why`).
  [[nodiscard]] QLabel* why() const { return why_; }
  [[nodiscard]] QPushButton* open_point_button() const { return open_point_; }

 Q_SIGNALS:
  /// Front point `row` is to be opened as the scenario.
  void open_point_requested(int row);

 private:
  [[nodiscard]] QWidget* build_panel_scroll();
  [[nodiscard]] QWidget* build_front_table();
  [[nodiscard]] QWidget* build_chart_side(ChartPanel* chart, QWidget* below);
  void show_selection(int row);
  void update_explanation();

  Session* session_;
  PlanPanel* panel_ = nullptr;
  ChartPage* page_ = nullptr;
  QTableView* table_ = nullptr;
  QLabel* binding_ = nullptr;
  QLabel* why_ = nullptr;
  QPushButton* open_point_ = nullptr;
  bool syncing_selection_ = false;  // while the table follows the session
};

}  // namespace dpcast::gui
