// What the chart kinds share (see chart_common.hpp).
#include "chart_common.hpp"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <iterator>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/results_model.hpp"

namespace dpcast::gui {

Scale time_scale(double max_s) {
  if (max_s < 1e-3) return {1e6, "us"};
  if (max_s < 1) return {1e3, "ms"};
  return {1, "s"};
}

Scale rate_scale(double max) {
  if (max >= 1e9) return {1e-9, "G"};
  if (max >= 1e6) return {1e-6, "M"};
  if (max >= 1e3) return {1e-3, "k"};
  return {1, ""};
}

QColor category_color(const std::string& category, int shade) {
  struct Pair {
    const char* name;
    QColor dark, light;
  };
  static const Pair colors[] = {
      {"forward", QColor(0x4c, 0x72, 0xb0), QColor(0x86, 0xa5, 0xd6)},
      {"backward", QColor(0xdd, 0x84, 0x52), QColor(0xf0, 0xb2, 0x8c)},
      {"exposed communication", QColor(0xc4, 0x4e, 0x52), QColor(0xde, 0x8a, 0x8d)},
      {"communication", QColor(0xc4, 0x4e, 0x52), QColor(0xde, 0x8a, 0x8d)},
      {"optimizer", QColor(0x81, 0x72, 0xb3), QColor(0xa9, 0x9d, 0xd1)},
      {"stragglers", QColor(0x93, 0x78, 0x60), QColor(0xb8, 0xa3, 0x90)},
  };
  for (const auto& c : colors)
    if (category == c.name) return shade ? c.light : c.dark;
  return shade ? QColor(0xb0, 0xb0, 0xb0) : QColor(0x80, 0x80, 0x80);
}

QColor series_color(int index) {
  static const QColor hues[] = {
      QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
      QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
      QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf), QColor(0x39, 0x3b, 0x79), QColor(0x63, 0x79, 0x39),
  };
  constexpr int kHues = static_cast<int>(std::size(hues));
  const QColor hue = hues[index % kHues];
  switch ((index / kHues) % 3) {
    case 1:
      return hue.darker(150);
    case 2:
      return hue.lighter(140);
    default:
      return hue;
  }
}

bool stepped(const ResultRow& r) {
  return r.state == ResultRow::State::Done && r.record.feasible;
}

bool done(const ResultRow& r) {
  return r.state == ResultRow::State::Done;
}

QLogValueAxis* gpu_axis(double min_gpus, double max_gpus) {
  auto* axis = new QLogValueAxis;
  axis->setBase(2);
  axis->setLabelFormat("%g");
  axis->setTitleText("GPUs");
  axis->setMinorTickCount(-1);
  if (min_gpus >= max_gpus) {
    axis->setRange(min_gpus / 2, max_gpus * 2);
  } else {
    axis->setRange(min_gpus / 1.3, max_gpus * 1.3);
  }
  return axis;
}

QLogValueAxis* log_value_axis(const QString& title, double min, double max) {
  auto* axis = new QLogValueAxis;
  axis->setBase(max / min < 1e4 ? 2 : 10);
  axis->setLabelFormat("%g");
  axis->setTitleText(title);
  axis->setMinorTickCount(axis->base() == 2 ? -1 : 8);
  axis->setRange(min, max);
  return axis;
}

QValueAxis* value_axis(const QString& title, double max, double min) {
  auto* axis = new QValueAxis;
  axis->setTitleText(title);
  axis->setRange(min, max > min ? max * 1.08 : min + 1);
  axis->setLabelFormat("%.4g");
  axis->applyNiceNumbers();
  return axis;
}

void hide_legend_of(QChart* chart, QAbstractSeries* series) {
  for (QLegendMarker* marker : chart->legend()->markers(series)) marker->setVisible(false);
}

void add_with_axes(QChart* chart, QAbstractSeries* series, QAbstractAxis* x, QAbstractAxis* y) {
  chart->addSeries(series);
  series->attachAxis(x);
  series->attachAxis(y);
}

QScatterSeries* failure_marks(const QString& name) {
  auto* marks = new QScatterSeries;
  marks->setName(name);
  marks->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  marks->setMarkerSize(11);
  marks->setColor(error_color());
  marks->setBorderColor(error_mark_outline_color());
  return marks;
}

QScatterSeries* selection_ring(const QString& name, double size) {
  auto* ring = new QScatterSeries;
  ring->setName(name);
  ring->setMarkerSize(size);
  ring->setBrush(Qt::NoBrush);
  ring->setPen(QPen(Qt::black, 2));
  return ring;
}

QLineSeries* reference_line(const QString& name, const QColor& color, Qt::PenStyle style) {
  auto* line = new QLineSeries;
  line->setName(name);
  QPen pen(color);
  pen.setStyle(style);
  pen.setWidthF(1.5);
  line->setPen(pen);
  return line;
}

}  // namespace dpcast::gui
