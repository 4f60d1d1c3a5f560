#pragma once
// Every chart of the dashboard. All of its Qt Charts code is in this header and under
// src/charts/ (the panel, what the chart kinds share, and one file per kind): Qt Charts is
// deprecated from Qt 6.10 in favour of Qt Graphs, and moving means rewriting those files and
// nothing else.
//
// A chart is drawn from the item models (results, comparison, timeline, the plan's front) and
// redrawn when they change; it holds no data of its own beyond what it shows.
#include <QString>
#include <QWidget>

#include <map>
#include <utility>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QTimer;

namespace dpcast::gui {

class SweepResultsModel;
class ComparisonModel;
class TimelineModel;
class PlanFrontModel;

enum class ChartKind { StepTime, Throughput, Scaling, Breakdown, Memory, Timeline, Comparison, Plan };

class ChartPanel : public QWidget {
  Q_OBJECT

 public:
  struct Sources {
    const SweepResultsModel* results = nullptr;
    const ComparisonModel* comparison = nullptr;
    const TimelineModel* timeline = nullptr;
    const PlanFrontModel* plan = nullptr;
  };

  ChartPanel(ChartKind kind, Sources sources, QWidget* parent = nullptr);

  [[nodiscard]] ChartKind kind() const { return kind_; }
  [[nodiscard]] QChart* chart() const;
  [[nodiscard]] QChartView* chart_view() const { return view_; }
  /// The breakdown's choice of series (null for the other charts).
  [[nodiscard]] QComboBox* series_choice() const { return series_choice_; }
  /// Marks a configuration (a row of the results; on the plan chart, a front point) on the
  /// chart; -1: none.
  void set_highlight(int row);
  /// The chart as it shows now, as a PNG file.
  [[nodiscard]] bool save_png(const QString& path) const;
  /// Redraws now (model changes are otherwise gathered and drawn a moment later).
  void rebuild();
  /// The tooltip of the point (or bar, or span) nearest `value` in a series, as hovering shows it.
  [[nodiscard]] QString tooltip_at(const QObject* series, const QPointF& value) const;

 Q_SIGNALS:
  /// A configuration's point was clicked (a row of the results; on the plan chart, of the front).
  void point_clicked(int row);

 private:
  struct Tips {
    std::vector<QPointF> points;                    // xy series: the points, in chart values
    std::vector<std::pair<double, double>> ranges;  // timeline areas: each span's start and end
    std::vector<QString> texts;
    std::vector<int> rows;  // the results row of each point (-1: none)
  };
  friend class ChartCanvas;  // what the chart kinds (src/charts/) draw through

  void schedule();
  void connect_tips(QObject* object);
  [[nodiscard]] int nearest(const Tips& tips, const QObject* object, const QPointF& value) const;

  ChartKind kind_;
  Sources sources_;
  QChartView* view_ = nullptr;
  QComboBox* series_choice_ = nullptr;
  QTimer* pending_ = nullptr;
  int highlight_ = -1;
  std::map<const QObject*, Tips> tips_;
};

}  // namespace dpcast::gui
