// The sweep charts (step time, throughput, scaling, memory, predicted against measured): one
// line per series of the sweep against the GPU count, and what each kind adds to it.
#include <QCategoryAxis>
#include <QChart>
#include <QCoreApplication>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "chart_canvas.hpp"
#include "chart_common.hpp"
#include "chart_kinds.hpp"
#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// What a sweep chart plots of a row, and whether the row has it.
struct Measure {
  QString title;  // "step time (ms)"
  double factor = 1;
  bool (*has)(const ResultRow&) = nullptr;
  double (*value)(const ResultRow&) = nullptr;
};

double step_time(const ResultRow& r) {
  return r.record.step_time_s;
}
double samples(const ResultRow& r) {
  return r.record.samples_per_s;
}
double tokens(const ResultRow& r) {
  return r.record.tokens_per_s;
}
double scaling(const ResultRow& r) {
  return 100 * r.record.scaling_efficiency;
}
double memory(const ResultRow& r) {
  return r.record.memory.total_bytes / kGiB;
}

class SweepChart {
  Q_DECLARE_TR_FUNCTIONS(SweepChart)

 public:
  explicit SweepChart(ChartCanvas& canvas)
      : canvas_(canvas),
        chart_(canvas.chart()),
        kind_(canvas.kind()),
        rows_(canvas.sources().results->rows()),
        comparison_(kind_ == ChartKind::Comparison ? canvas.sources().comparison : nullptr) {}

  void draw() {
    if (!choose_measure()) return;
    group_rows();
    include_measured();
    include_capacity();
    if (order_.empty() && measured_.empty()) {
      say_why_empty();
      return;
    }
    choose_categories();
    if (categorical_) chart_->setTitle(chart_->title().replace(tr("against GPU count"), tr("by configuration")));
    add_axes();
    add_series_lines();
    if (categorical_) add_out_of_memory_marks();
    if (kind_ == ChartKind::Throughput) add_linear_scaling();
    if (kind_ == ChartKind::Memory) add_memory_capacity();
    if (kind_ == ChartKind::Comparison) add_measured_points();
    add_selected_mark();
  }

 private:
  bool choose_measure();
  Measure throughput_measure() const;
  void group_rows();
  void include_measured();
  void include_capacity();
  void say_why_empty();
  void choose_categories();
  void add_axes();
  void add_series_lines();
  void add_out_of_memory_marks();
  void add_linear_scaling();
  void add_memory_capacity();
  void add_measured_points();
  void add_selected_mark();

  ChartCanvas& canvas_;
  QChart* chart_;
  ChartKind kind_;
  const std::vector<ResultRow>& rows_;
  const ComparisonModel* comparison_;  // on the predicted-against-measured chart only
  Measure m_;
  // One series per sweep point without the GPU counts, in sweep order: its rows.
  std::vector<std::string> order_;
  std::map<std::string, std::vector<int>> groups_;
  std::vector<const sim::ComparedPair*> measured_;
  double min_gpus_ = 0, max_gpus_ = 0, max_value_ = 0, min_value_ = 0;
  // A sweep whose configurations all have one GPU count (ZeRO stage x attention, say) puts its
  // series side by side on a categorical axis, series k at x = k, instead of on one GPU count.
  bool categorical_ = false;
  std::vector<std::string> categories_;  // every series of the sweep, fitting or not
  QAbstractAxis* x_ = nullptr;           // the GPU count (a logarithmic axis) or the series (a category axis)
  double x_min_ = 0, x_max_ = 0;         // its range
  QAbstractAxis* y_ = nullptr;

  [[nodiscard]] double x_of(const ResultRow& r) const;
  [[nodiscard]] std::optional<double> measured_x(const sim::ComparedPair& pair) const;
  [[nodiscard]] std::optional<double> linear_scaling_end() const;
};

// The measure of the chart's kind and the chart's title; false for a kind that is not a sweep chart.
bool SweepChart::choose_measure() {
  switch (kind_) {
    case ChartKind::StepTime:
    case ChartKind::Comparison: {
      double max = 0;
      for (const auto& r : rows_)
        if (stepped(r)) max = std::max(max, r.record.step_time_s);
      if (comparison_)
        for (const auto& p : comparison_->comparison().pairs) max = std::max(max, p.measured.step_time_spread_s.second);
      const Scale s = time_scale(max);
      m_ = {tr("step time (%1)").arg(s.unit), s.factor, stepped, step_time};
      chart_->setTitle(kind_ == ChartKind::StepTime
                           ? tr("Step time against GPU count")
                           : tr("Predicted (lines) and measured (squares, p10-p90) step time"));
      return true;
    }
    case ChartKind::Throughput:
      m_ = throughput_measure();
      chart_->setTitle(tr("Throughput against GPU count"));
      return true;
    case ChartKind::Scaling:
      m_ = {tr("scaling efficiency (%)"), 1, stepped, scaling};
      chart_->setTitle(tr("Scaling efficiency: one GPU's work / step time"));
      return true;
    case ChartKind::Memory:
      m_ = {tr("memory per GPU (GiB)"), 1, done, memory};
      chart_->setTitle(tr("Memory per GPU against its capacity"));
      return true;
    default:
      return false;
  }
}

// Tokens per second when every configuration has them, else samples per second.
Measure SweepChart::throughput_measure() const {
  bool all_tokens = !rows_.empty();
  double max = 0;
  for (const auto& r : rows_)
    if (stepped(r)) {
      all_tokens = all_tokens && r.record.tokens_per_s > 0;
      max = std::max(max, r.record.samples_per_s);
    }
  if (all_tokens)
    for (const auto& r : rows_)
      if (stepped(r)) max = std::max(max, r.record.tokens_per_s);
  const Scale s = rate_scale(max);
  return {
      tr("throughput (%1%2)").arg(s.unit.isEmpty() ? QString() : s.unit + " ", all_tokens ? "tokens/s" : "samples/s"),
      s.factor, stepped, all_tokens ? tokens : samples};
}

void SweepChart::group_rows() {
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const ResultRow& r = rows_[i];
    if (!m_.has(r)) continue;
    if (!groups_.count(r.series)) order_.push_back(r.series);
    groups_[r.series].push_back(static_cast<int>(i));
    min_gpus_ = min_gpus_ == 0 ? r.gpus : std::min<double>(min_gpus_, r.gpus);
    max_gpus_ = std::max<double>(max_gpus_, r.gpus);
    max_value_ = std::max(max_value_, m_.value(r) * m_.factor);
    if (m_.value(r) > 0)
      min_value_ = min_value_ == 0 ? m_.value(r) * m_.factor : std::min(min_value_, m_.value(r) * m_.factor);
  }
}

// The measured records paired with a prediction widen the ranges.
void SweepChart::include_measured() {
  if (!comparison_) return;
  for (const auto& p : comparison_->comparison().pairs) {
    measured_.push_back(&p);
    min_gpus_ = min_gpus_ == 0 ? p.measured.gpus : std::min<double>(min_gpus_, p.measured.gpus);
    max_gpus_ = std::max<double>(max_gpus_, p.measured.gpus);
    max_value_ = std::max(max_value_, p.measured.step_time_spread_s.second * m_.factor);
    max_value_ = std::max(max_value_, p.measured.step_time_s * m_.factor);
  }
}

// The memory chart reaches up to the largest capacity; the scaling chart to 100%.
void SweepChart::include_capacity() {
  double capacity_max = 0;
  if (kind_ == ChartKind::Memory)
    for (const auto& r : rows_)
      if (done(r)) capacity_max = std::max(capacity_max, r.record.memory.capacity_bytes / kGiB);
  max_value_ = std::max(max_value_, capacity_max);
  if (kind_ == ChartKind::Scaling) max_value_ = std::max(max_value_, 100.0);
}

void SweepChart::say_why_empty() {
  chart_->setTitle(chart_->title() + "\n" +
                   (rows_.empty() ? tr("no predictions yet")
                    : canvas_.sources().results->finished_rows() < static_cast<int>(rows_.size())
                        ? tr("predicting...")
                        : tr("no configuration of the sweep fits in memory")));
}

// Categorical when every configuration of the sweep has one GPU count and there are several
// series: the categories are all the sweep's series, those that do not fit included.
void SweepChart::choose_categories() {
  std::set<int> gpu_counts;
  for (const auto& r : rows_) {
    gpu_counts.insert(r.gpus);
    if (std::find(categories_.begin(), categories_.end(), r.series) == categories_.end())
      categories_.push_back(r.series);
  }
  categorical_ = gpu_counts.size() == 1 && categories_.size() > 1;
  if (!categorical_) categories_.clear();
}

// Where a row sits across: its GPU count, or its series' category.
double SweepChart::x_of(const ResultRow& r) const {
  if (!categorical_) return r.gpus;
  return static_cast<double>(std::find(categories_.begin(), categories_.end(), r.series) - categories_.begin());
}

// A measurement's place across: its GPU count, or the category of the row it was paired with
// (none when that row is not on the chart).
std::optional<double> SweepChart::measured_x(const sim::ComparedPair& pair) const {
  if (!categorical_) return pair.measured.gpus;
  for (const auto& r : rows_)
    if (m_.has(r) && r.gpus == pair.predicted.gpus && r.record.sweep_point == pair.predicted.sweep_point &&
        r.record.step_time_s == pair.predicted.step_time_s)
      return x_of(r);
  return std::nullopt;
}

// Throughput: where linear scaling of the first series' smallest configuration ends (at the
// most GPUs), so the axis reaches it.
std::optional<double> SweepChart::linear_scaling_end() const {
  if (kind_ != ChartKind::Throughput || categorical_ || order_.empty() || min_gpus_ >= max_gpus_) return std::nullopt;
  const auto& first = groups_.at(order_.front());
  const auto smallest = *std::min_element(first.begin(), first.end(), [&](int a, int b) {
    return rows_[static_cast<std::size_t>(a)].gpus < rows_[static_cast<std::size_t>(b)].gpus;
  });
  const ResultRow& r0 = rows_[static_cast<std::size_t>(smallest)];
  return m_.value(r0) * m_.factor * max_gpus_ / r0.gpus;
}

void SweepChart::add_axes() {
  if (categorical_) {
    auto* axis = new QCategoryAxis;
    axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
    axis->setRange(-0.5, static_cast<double>(categories_.size()) - 0.5);
    bool long_labels = false;
    for (std::size_t k = 0; k < categories_.size(); ++k) {
      axis->append(qs(categories_[k]), static_cast<double>(k) + 0.5);
      long_labels = long_labels || categories_[k].size() > 14;
    }
    if (long_labels) axis->setLabelsAngle(-30);
    axis->setTitleText(tr("configuration (%1 GPUs each)").arg(min_gpus_));
    x_ = axis;
    x_min_ = axis->min();
    x_max_ = axis->max();
  } else {
    QLogValueAxis* axis = gpu_axis(min_gpus_, max_gpus_);
    x_ = axis;
    x_min_ = axis->min();
    x_max_ = axis->max();
  }
  if (kind_ == ChartKind::Throughput) {  // logarithmic: linear scaling is a straight line
    const double top = std::max(max_value_, linear_scaling_end().value_or(0));
    y_ = log_value_axis(m_.title, min_value_ / 1.5, top * 1.5);
  } else if (kind_ == ChartKind::Scaling) {  // percent: 0 to 110, in tens
    auto* axis = new QValueAxis;
    axis->setTitleText(m_.title);
    axis->setRange(0, std::max(110.0, std::ceil(max_value_ * 1.05 / 10) * 10));
    axis->setTickCount(static_cast<int>(axis->max() / 10) + 1);
    axis->setLabelFormat("%.0f");
    y_ = axis;
  } else {
    y_ = value_axis(m_.title, max_value_);
  }
  chart_->addAxis(x_, Qt::AlignBottom);
  chart_->addAxis(y_, Qt::AlignLeft);
}

// One line per series, its points in GPU order (the groups stay sorted so).
void SweepChart::add_series_lines() {
  QStringList names;
  for (std::size_t k = 0; k < order_.size(); ++k) {
    const std::string& label = order_[k];
    auto& members = groups_[label];
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      return rows_[static_cast<std::size_t>(a)].gpus < rows_[static_cast<std::size_t>(b)].gpus;
    });
    QXYSeries* line = nullptr;
    if (categorical_) {  // one point per series: a marker the size of the others'
      auto* points = new QScatterSeries;
      points->setMarkerSize(12);
      line = points;
    } else {
      line = new QLineSeries;
      line->setPointsVisible(true);
    }
    line->setName(label.empty() ? tr("predicted") : qs(label));
    line->setColor(series_color(static_cast<int>(k)));
    names << line->name();
    ChartCanvas::Tips tips;
    for (int i : members) {
      const ResultRow& r = rows_[static_cast<std::size_t>(i)];
      const QPointF p(x_of(r), m_.value(r) * m_.factor);
      line->append(p);
      tips.points.push_back(p);
      tips.texts.push_back(record_tooltip(r));
      tips.rows.push_back(i);
    }
    add_with_axes(chart_, line, x_, y_);
    canvas_.add_points(line, std::move(tips));
  }
  // The legend may shorten long names: hovering it gives them whole.
  chart_->legend()->setToolTip(names.join("\n"));
}

// On a categorical axis, a configuration that does not fit is a red square on the axis (the
// memory chart marks them at their memory, below; a logarithmic axis has no zero).
void SweepChart::add_out_of_memory_marks() {
  if (kind_ == ChartKind::Memory || kind_ == ChartKind::Throughput) return;
  QScatterSeries* oom = failure_marks(tr("out of memory"));
  ChartCanvas::Tips tips;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const ResultRow& r = rows_[i];
    if (!done(r) || r.record.feasible) continue;
    const QPointF p(x_of(r), 0);
    oom->append(p);
    tips.points.push_back(p);
    tips.texts.push_back(record_tooltip(r));
    tips.rows.push_back(static_cast<int>(i));
  }
  if (oom->count() == 0) {
    delete oom;
    return;
  }
  canvas_.add_marks(oom, std::move(tips), x_, y_);
}

// Throughput: perfect scaling from the first series' smallest GPU count, for reference.
void SweepChart::add_linear_scaling() {
  if (!linear_scaling_end()) return;
  const auto& first = groups_[order_.front()];  // sorted by GPU count by add_series_lines
  const ResultRow& r0 = rows_[static_cast<std::size_t>(first.front())];
  QLineSeries* ideal = reference_line(
      tr("linear scaling of %1").arg(order_.front().empty() ? tr("the first point") : qs(order_.front())),
      QColor(0x44, 0x44, 0x44), Qt::DashDotLine);
  const double v0 = m_.value(r0) * m_.factor;
  ideal->append(r0.gpus, v0);
  ideal->append(max_gpus_, v0 * max_gpus_ / r0.gpus);
  add_with_axes(chart_, ideal, x_, y_);
}

// Capacity of each GPU type in the sweep, and the configurations that do not fit.
void SweepChart::add_memory_capacity() {
  std::set<double> capacities;
  QScatterSeries* oom = failure_marks(tr("out of memory"));
  ChartCanvas::Tips oom_tips;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const ResultRow& r = rows_[i];
    if (!done(r)) continue;
    capacities.insert(r.record.memory.capacity_bytes);
    if (!r.record.feasible) {
      const QPointF p(x_of(r), memory(r));
      oom->append(p);
      oom_tips.points.push_back(p);
      oom_tips.texts.push_back(record_tooltip(r));
      oom_tips.rows.push_back(static_cast<int>(i));
    }
  }
  for (double capacity : capacities) {
    QLineSeries* line =
        reference_line(tr("capacity %1").arg(qs(sim::human_bytes(capacity))), QColor(0x55, 0x55, 0x55), Qt::DashLine);
    line->append(x_min_, capacity / kGiB);
    line->append(x_max_, capacity / kGiB);
    add_with_axes(chart_, line, x_, y_);
  }
  canvas_.add_marks(oom, std::move(oom_tips), x_, y_);
}

// The measured records: a square at the median, a whisker from p10 to p90.
void SweepChart::add_measured_points() {
  auto* points = new QScatterSeries;
  points->setName(tr("measured"));
  points->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  points->setMarkerSize(10);
  points->setColor(QColor(0x22, 0x22, 0x22));
  ChartCanvas::Tips tips;
  for (const sim::ComparedPair* p : measured_) {
    const auto& r = p->measured;
    const std::optional<double> x = measured_x(*p);
    if (!x) continue;
    const QPointF point(*x, r.step_time_s * m_.factor);
    points->append(point);
    tips.points.push_back(point);
    tips.texts.push_back(record_configuration(r) + "\nmeasured (" + qs(r.engine) + "): " + exact_time(r.step_time_s) +
                         qs("\np10 " + sim::human_time(r.step_time_spread_s.first) + ", p90 " +
                            sim::human_time(r.step_time_spread_s.second)) +
                         "\npredicted (" + qs(p->predicted.engine) + "): " + exact_time(p->predicted.step_time_s) +
                         qs("\nerror " + sim::fixed(100 * p->error(), 1) + "%"));
    tips.rows.push_back(-1);
    if (r.step_time_spread_s.second > r.step_time_spread_s.first) {
      auto* whisker = new QLineSeries;
      whisker->setPen(QPen(QColor(0x22, 0x22, 0x22), 1.5));
      whisker->append(*x, r.step_time_spread_s.first * m_.factor);
      whisker->append(*x, r.step_time_spread_s.second * m_.factor);
      add_with_axes(chart_, whisker, x_, y_);
      hide_legend_of(chart_, whisker);
    }
  }
  canvas_.add_marks(points, std::move(tips), x_, y_);
}

// The configuration the timeline shows.
void SweepChart::add_selected_mark() {
  const int row = canvas_.highlight();
  if (row < 0 || row >= static_cast<int>(rows_.size()) || !m_.has(rows_[static_cast<std::size_t>(row)])) return;
  const ResultRow& r = rows_[static_cast<std::size_t>(row)];
  QScatterSeries* mark = selection_ring(tr("selected"), 18);
  mark->append(x_of(r), m_.value(r) * m_.factor);
  add_with_axes(chart_, mark, x_, y_);
}

}  // namespace

void draw_sweep_chart(ChartCanvas& canvas) {
  SweepChart(canvas).draw();
}

}  // namespace dpcast::gui
