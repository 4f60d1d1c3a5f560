// The chart panel: a chart of one kind, redrawn from the item models when they change, with
// the hover texts and clicks of its points. What each kind draws is in its own file
// (chart_kinds.hpp).
#include "dpcast/gui/charts.hpp"

#include <QAbstractItemModel>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QXYSeries>

#include <cmath>

#include "chart_canvas.hpp"
#include "chart_kinds.hpp"
#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/plan_model.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/gui/timeline_model.hpp"

namespace dpcast::gui {

ChartPanel::ChartPanel(ChartKind kind, Sources sources, QWidget* parent)
    : QWidget(parent), kind_(kind), sources_(sources) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  if (kind_ == ChartKind::Breakdown) {
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Series:")));
    series_choice_ = new QComboBox;
    series_choice_->setObjectName("breakdown-series");
    series_choice_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    row->addWidget(series_choice_);
    row->addStretch(1);
    layout->addLayout(row);
    connect(series_choice_, &QComboBox::activated, this, &ChartPanel::rebuild);
  }
  view_ = new QChartView(new QChart);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumSize(320, 240);
  layout->addWidget(view_);

  pending_ = new QTimer(this);
  pending_->setSingleShot(true);
  pending_->setInterval(40);
  connect(pending_, &QTimer::timeout, this, &ChartPanel::rebuild);
  auto watch = [this](const QAbstractItemModel* model) {
    if (!model) return;
    connect(model, &QAbstractItemModel::modelReset, this, &ChartPanel::schedule);
    connect(model, &QAbstractItemModel::dataChanged, this, &ChartPanel::schedule);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ChartPanel::schedule);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &ChartPanel::schedule);
  };
  watch(sources_.results);
  watch(sources_.comparison);
  watch(sources_.timeline);
  watch(sources_.plan);
  rebuild();
}

QChart* ChartPanel::chart() const {
  return view_->chart();
}

void ChartPanel::schedule() {
  pending_->start();
}

void ChartPanel::set_highlight(int row) {
  if (row == highlight_) return;
  highlight_ = row;
  schedule();
}

bool ChartPanel::save_png(const QString& path) const {
  return view_->grab().save(path, "PNG");
}

void ChartPanel::rebuild() {
  pending_->stop();
  tips_.clear();
  auto* chart = new QChart;
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(6, 6, 6, 6));
  ChartCanvas canvas(*this, chart);
  switch (kind_) {
    case ChartKind::Breakdown:
      draw_breakdown_chart(canvas);
      break;
    case ChartKind::Timeline:
      draw_timeline_chart(canvas);
      break;
    case ChartKind::Plan:
      draw_plan_chart(canvas);
      break;
    default:
      draw_sweep_chart(canvas);
  }
  QChart* old = view_->chart();
  view_->setChart(chart);  // the view releases the old chart without deleting it
  delete old;
}

void ChartPanel::connect_tips(QObject* object) {
  auto* series = qobject_cast<QXYSeries*>(object);
  if (!series) return;
  QObject::connect(series, &QXYSeries::hovered, this, [this, series](const QPointF& point, bool state) {
    if (!state) {
      QToolTip::hideText();
      return;
    }
    const QString text = tooltip_at(series, point);
    if (!text.isEmpty()) QToolTip::showText(QCursor::pos(), text, view_);
  });
  QObject::connect(series, &QXYSeries::clicked, this, [this, series](const QPointF& point) {
    const auto it = tips_.find(series);
    if (it == tips_.end()) return;
    const int i = nearest(it->second, series, point);
    if (i >= 0 && it->second.rows[static_cast<std::size_t>(i)] >= 0)
      Q_EMIT point_clicked(it->second.rows[static_cast<std::size_t>(i)]);
  });
}

int ChartPanel::nearest(const Tips& tips, const QObject* object, const QPointF& value) const {
  if (!tips.ranges.empty()) {
    for (std::size_t i = 0; i < tips.ranges.size(); ++i)
      if (value.x() >= tips.ranges[i].first && value.x() <= tips.ranges[i].second) return static_cast<int>(i);
    return -1;
  }
  // The nearest point on screen (the GPU axis is logarithmic).
  const auto* series = qobject_cast<const QAbstractSeries*>(object);
  int best = -1;
  double best_distance = 0;
  for (std::size_t i = 0; i < tips.points.size(); ++i) {
    const QPointF a = chart()->mapToPosition(tips.points[i], const_cast<QAbstractSeries*>(series));
    const QPointF b = chart()->mapToPosition(value, const_cast<QAbstractSeries*>(series));
    const double d = std::hypot(a.x() - b.x(), a.y() - b.y());
    if (best < 0 || d < best_distance) {
      best = static_cast<int>(i);
      best_distance = d;
    }
  }
  return best;
}

QString ChartPanel::tooltip_at(const QObject* series, const QPointF& value) const {
  const auto it = tips_.find(series);
  if (it == tips_.end()) return {};
  const int i = nearest(it->second, series, value);
  return i < 0 ? QString() : it->second.texts[static_cast<std::size_t>(i)];
}

}  // namespace dpcast::gui
