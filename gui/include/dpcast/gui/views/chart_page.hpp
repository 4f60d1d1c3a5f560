#pragma once
// A chart's view: a row of tools above the chart (ending in Save PNG), and for views with a
// table a pane below it in a splitter (and Save CSV). The step time, throughput, scaling,
// breakdown and memory views are a page each; the timeline, comparison and plan views build
// on one.
#include <QWidget>

class QHBoxLayout;
class QVBoxLayout;

namespace dpcast::gui {

class ChartPanel;

class ChartPage : public QWidget {
  Q_OBJECT

 public:
  explicit ChartPage(ChartPanel* chart, QWidget* parent = nullptr);

  [[nodiscard]] ChartPanel* chart() const { return chart_; }

  /// Adds a tool to the row above the chart, after those added before.
  void add_tool(QWidget* tool);
  /// Puts `below` under the chart, sharing the height `stretch` to 3, and adds Save CSV.
  void set_below(QWidget* below, int stretch = 1);

 Q_SIGNALS:
  /// Save PNG (Save CSV) was clicked: the window asks where and saves the view's chart (table).
  void save_png_clicked();
  void save_csv_clicked();

 private:
  ChartPanel* chart_;
  QVBoxLayout* box_;
  QHBoxLayout* tools_;
  int tool_count_ = 0;
};

}  // namespace dpcast::gui
