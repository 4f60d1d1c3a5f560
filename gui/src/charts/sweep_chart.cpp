// The sweep charts (step time, throughput, scaling, memory, predicted against measured): one
// line per series of the sweep against the GPU count, and what each kind adds to it.
#include <QChart>
#include <QCoreApplication>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>
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
    add_axes();
    add_series_lines();
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
  void add_axes();
  void add_series_lines();
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
  QLogValueAxis* x_ = nullptr;
  QAbstractAxis* y_ = nullptr;
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

void SweepChart::add_axes() {
  x_ = gpu_axis(min_gpus_, max_gpus_);
  if (kind_ == ChartKind::Throughput) {  // logarithmic: linear scaling is a straight line
    auto* log = new QLogValueAxis;
    log->setBase(10);
    log->setLabelFormat("%g");
    log->setTitleText(m_.title);
    log->setMinorTickCount(8);
    log->setRange(min_value_ / 1.5, max_value_ * 1.5);
    y_ = log;
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
  for (const auto& label : order_) {
    auto& members = groups_[label];
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      return rows_[static_cast<std::size_t>(a)].gpus < rows_[static_cast<std::size_t>(b)].gpus;
    });
    auto* line = new QLineSeries;
    line->setName(label.empty() ? tr("predicted") : qs(label));
    line->setPointsVisible(true);
    ChartCanvas::Tips tips;
    for (int i : members) {
      const ResultRow& r = rows_[static_cast<std::size_t>(i)];
      const QPointF p(r.gpus, m_.value(r) * m_.factor);
      line->append(p);
      tips.points.push_back(p);
      tips.texts.push_back(record_tooltip(r));
      tips.rows.push_back(i);
    }
    add_with_axes(chart_, line, x_, y_);
    canvas_.add_points(line, std::move(tips));
  }
}

// Throughput: perfect scaling from the first series' smallest GPU count, for reference.
void SweepChart::add_linear_scaling() {
  if (order_.empty() || min_gpus_ >= max_gpus_) return;
  const auto& first = groups_[order_.front()];
  const ResultRow& r0 = rows_[static_cast<std::size_t>(first.front())];
  QLineSeries* ideal = reference_line(
      tr("linear scaling of %1").arg(order_.front().empty() ? tr("the first point") : qs(order_.front())),
      QColor(0x77, 0x77, 0x77), Qt::DotLine);
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
      const QPointF p(r.gpus, memory(r));
      oom->append(p);
      oom_tips.points.push_back(p);
      oom_tips.texts.push_back(record_tooltip(r));
      oom_tips.rows.push_back(static_cast<int>(i));
    }
  }
  for (double capacity : capacities) {
    QLineSeries* line =
        reference_line(tr("capacity %1").arg(qs(sim::human_bytes(capacity))), QColor(0x55, 0x55, 0x55), Qt::DashLine);
    line->append(x_->min(), capacity / kGiB);
    line->append(x_->max(), capacity / kGiB);
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
    const QPointF point(r.gpus, r.step_time_s * m_.factor);
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
      whisker->append(r.gpus, r.step_time_spread_s.first * m_.factor);
      whisker->append(r.gpus, r.step_time_spread_s.second * m_.factor);
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
  mark->append(r.gpus, m_.value(r) * m_.factor);
  add_with_axes(chart_, mark, x_, y_);
}

}  // namespace

void draw_sweep_chart(ChartCanvas& canvas) {
  SweepChart(canvas).draw();
}

}  // namespace dpcast::gui
