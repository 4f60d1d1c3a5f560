#pragma once
// What a chart kind draws with: the new chart, the item models, the point selected, and where
// a series' hover texts and result rows go. ChartPanel makes one on every rebuild and hands it
// to the kind's draw function (chart_kinds.hpp).
#include "dpcast/gui/charts.hpp"

class QAbstractAxis;
class QAreaSeries;
class QBarSet;
class QXYSeries;

namespace dpcast::gui {

class ChartCanvas {
 public:
  /// The hover texts of a series' points (bars, spans) and the row each stands for.
  using Tips = ChartPanel::Tips;

  ChartCanvas(ChartPanel& panel, QChart* chart) : panel_(panel), chart_(chart) {}

  [[nodiscard]] QChart* chart() const { return chart_; }
  [[nodiscard]] ChartKind kind() const { return panel_.kind_; }
  [[nodiscard]] const ChartPanel::Sources& sources() const { return panel_.sources_; }
  /// The row (or front point) selected; -1: none.
  [[nodiscard]] int highlight() const { return panel_.highlight_; }
  /// The breakdown's choice of series.
  [[nodiscard]] QComboBox* series_choice() const { return panel_.series_choice_; }

  /// Hovering a point of `series` shows its text; clicking it selects its row.
  void add_points(QXYSeries* series, Tips tips);
  /// Marks (a scatter series) added on axes `x` and `y` as add_points() adds them, when there
  /// are any; else `series` is deleted, so an empty series takes no place in the legend.
  void add_marks(QXYSeries* series, Tips tips, QAbstractAxis* x, QAbstractAxis* y);
  /// Hovering bar k of `set` shows its text; clicking it selects its row.
  void add_bars(QBarSet* set, Tips tips);
  /// Hovering a span of `area` (tips.ranges) shows its text.
  void add_spans(QAreaSeries* area, Tips tips);

 private:
  ChartPanel& panel_;
  QChart* chart_;
};

}  // namespace dpcast::gui
