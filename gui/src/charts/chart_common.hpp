#pragma once
// What the chart kinds share: scales that keep figures readable, the GPU and value axes, the
// colours of a step's parts, which configurations a chart can draw, and the series every kind
// draws the same way (a failing configuration's marks, the selected point's ring, reference
// lines).
#include <QColor>
#include <QString>

#include <string>

#include "dpcast/models/byte_units.hpp"

class QAbstractAxis;
class QAbstractSeries;
class QChart;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

namespace dpcast::gui {

struct ResultRow;

/// Bytes per GiB, the memory chart's unit.
using models::kGiB;

/// A unit and the factor that takes SI values to it.
struct Scale {
  double factor = 1;
  QString unit;
};
/// Seconds scaled so the largest value reads well, in the units sim::human_time uses.
[[nodiscard]] Scale time_scale(double max_s);
/// A rate scaled by k, M or G so the largest value reads well.
[[nodiscard]] Scale rate_scale(double max);

/// The colour of a step's part ("forward", "backward", "exposed communication", ...); shade 1
/// is its lighter twin, for neighbouring spans.
[[nodiscard]] QColor category_color(const std::string& category, int shade);

/// The colour of the sweep's `index`-th series: twelve distinct hues, then the same hues
/// darker and lighter in turn, so no two of the first 36 series share a colour.
[[nodiscard]] QColor series_color(int index);

/// Whether a row was predicted and fits in memory (it has a step time).
[[nodiscard]] bool stepped(const ResultRow& row);
/// Whether a row was predicted (it has a memory figure, fitting or not).
[[nodiscard]] bool done(const ResultRow& row);

/// The GPU count across, base 2, with room around the points.
[[nodiscard]] QLogValueAxis* gpu_axis(double min_gpus, double max_gpus);
/// A logarithmic value axis from `min` to `max` with enough labels: base 2 (a label every
/// factor of 2, at most 13) when the range spans less than four decades, where base 10 would
/// label three points or fewer; else base 10.
[[nodiscard]] QLogValueAxis* log_value_axis(const QString& title, double min, double max);
/// A value axis from `min` to a little over `max`, at nice numbers.
[[nodiscard]] QValueAxis* value_axis(const QString& title, double max, double min = 0);

void hide_legend_of(QChart* chart, QAbstractSeries* series);
void add_with_axes(QChart* chart, QAbstractSeries* series, QAbstractAxis* x, QAbstractAxis* y);

/// Red squares for configurations that fail (out of memory, breaking a constraint).
[[nodiscard]] QScatterSeries* failure_marks(const QString& name);
/// A black ring of `size` pixels around the point selected.
[[nodiscard]] QScatterSeries* selection_ring(const QString& name, double size);
/// A line for reference, not data (a capacity, a deadline, linear scaling): `style` (dashed,
/// dotted) in `color`.
[[nodiscard]] QLineSeries* reference_line(const QString& name, const QColor& color, Qt::PenStyle style);

}  // namespace dpcast::gui
