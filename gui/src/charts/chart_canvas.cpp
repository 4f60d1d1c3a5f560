// How a chart kind's series get their hover texts and clicks (see chart_canvas.hpp).
#include "chart_canvas.hpp"

#include <QAreaSeries>
#include <QBarSet>
#include <QChartView>
#include <QCursor>
#include <QToolTip>
#include <QXYSeries>

#include "chart_common.hpp"

namespace dpcast::gui {

void ChartCanvas::add_points(QXYSeries* series, Tips tips) {
  panel_.tips_[series] = std::move(tips);
  panel_.connect_tips(series);
}

void ChartCanvas::add_marks(QXYSeries* series, Tips tips, QAbstractAxis* x, QAbstractAxis* y) {
  if (series->count() == 0) {
    delete series;
    return;
  }
  add_with_axes(chart_, series, x, y);
  add_points(series, std::move(tips));
}

void ChartCanvas::add_bars(QBarSet* set, Tips tips) {
  ChartPanel* panel = &panel_;
  panel->tips_[set] = std::move(tips);
  QObject::connect(set, &QBarSet::hovered, panel, [panel, set](bool status, int index) {
    const auto it = panel->tips_.find(set);
    if (!status || it == panel->tips_.end() || index < 0 || index >= static_cast<int>(it->second.texts.size())) {
      QToolTip::hideText();
      return;
    }
    QToolTip::showText(QCursor::pos(), it->second.texts[static_cast<std::size_t>(index)], panel->view_);
  });
  QObject::connect(set, &QBarSet::clicked, panel, [panel, set](int index) {
    const auto it = panel->tips_.find(set);
    if (it != panel->tips_.end() && index >= 0 && index < static_cast<int>(it->second.rows.size()))
      Q_EMIT panel->point_clicked(it->second.rows[static_cast<std::size_t>(index)]);
  });
}

void ChartCanvas::add_spans(QAreaSeries* area, Tips tips) {
  ChartPanel* panel = &panel_;
  panel->tips_[area] = std::move(tips);
  QObject::connect(area, &QAreaSeries::hovered, panel, [panel, area](const QPointF& point, bool state) {
    if (!state) {
      QToolTip::hideText();
      return;
    }
    const QString text = panel->tooltip_at(area, point);
    if (!text.isEmpty()) QToolTip::showText(QCursor::pos(), text, panel->view_);
  });
}

}  // namespace dpcast::gui
