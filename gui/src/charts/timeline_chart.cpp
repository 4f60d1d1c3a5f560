// The timeline chart: one simulated step per rank, a compute track and a communication track
// each, one area per rank, track, category and shade so that neighbouring spans alternate.
#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QCoreApplication>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "chart_canvas.hpp"
#include "chart_common.hpp"
#include "chart_kinds.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/timeline_model.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// An area's spans: rank, track, category and shade.
using AreaKey = std::tuple<int, int, std::string, int>;

class TimelineChart {
  Q_DECLARE_TR_FUNCTIONS(TimelineChart)

 public:
  explicit TimelineChart(ChartCanvas& canvas)
      : canvas_(canvas), chart_(canvas.chart()), t_(canvas.sources().timeline->timeline()) {}

  void draw() {
    if (t_.spans.empty()) {
      chart_->setTitle(tr("One simulated step per rank") + "\n" +
                       (t_.message.empty() ? tr("waiting for a prediction...") : qs(t_.message)));
      return;
    }
    for (const auto& s : t_.spans) ranks_ = std::max(ranks_, s.rank + 1);
    scale_ = time_scale(t_.end_s());
    chart_->setTitle(tr("One step of %1 (%2 engine): %3; the first %4 of %5 ranks")
                         .arg(qs(t_.label), qs(t_.engine), qs(sim::human_time(t_.step_time_s)))
                         .arg(ranks_)
                         .arg(t_.gpus));
    choose_links();
    add_axes();
    add_areas();
    add_link_areas();
  }

 private:
  void choose_links();
  void add_axes();
  void add_areas();
  void add_link_areas();
  void add_area(const AreaKey& key, std::vector<int>& members, std::set<std::string>& in_legend);

  ChartCanvas& canvas_;
  QChart* chart_;
  const Timeline& t_;
  int ranks_ = 0;
  // The links drawn, one row each below the ranks: the first rank's GPU link, then every
  // node's NICs, leaf and pod uplink the trace has (every rank's GPU link would crowd it).
  std::vector<const LinkTrack*> links_;
  Scale scale_;
  QValueAxis* x_ = nullptr;
  QCategoryAxis* y_ = nullptr;
};

void TimelineChart::choose_links() {
  bool gpu_link = false;
  for (const auto& link : t_.links) {
    const bool is_gpu = link.name.rfind("GPU ", 0) == 0;
    if (is_gpu && gpu_link) continue;
    gpu_link = gpu_link || is_gpu;
    links_.push_back(&link);
  }
}

void TimelineChart::add_axes() {
  x_ = new QValueAxis;
  x_->setTitleText(tr("time from the start of the step (%1)").arg(scale_.unit));
  x_->setRange(0, t_.end_s() * scale_.factor);
  x_->setLabelFormat("%.4g");
  x_->applyNiceNumbers();
  y_ = new QCategoryAxis;
  y_->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
  y_->setStartValue(0);
  const double below = static_cast<double>(links_.size());
  y_->setRange(0, below + 3.0 * ranks_);
  y_->setGridLineVisible(false);
  // Each link takes one unit at the bottom; each rank three above, its communication track
  // below its compute track.
  for (std::size_t k = links_.size(); k-- > 0;)
    y_->append(tr("%1 (%)").arg(qs(links_[k]->name)), static_cast<double>(links_.size() - k));
  for (int k = 0; k < ranks_; ++k) {
    const int rank = ranks_ - 1 - k;
    y_->append(tr("rank %1 communication").arg(rank), below + 3.0 * k + 1.5);
    y_->append(tr("rank %1 compute").arg(rank), below + 3.0 * k + 3.0);
  }
  chart_->addAxis(x_, Qt::AlignBottom);
  chart_->addAxis(y_, Qt::AlignLeft);
}

// The areas in the order of the step's categories (the legend's order), each category once in the legend.
void TimelineChart::add_areas() {
  std::map<AreaKey, std::vector<int>> groups;
  for (std::size_t i = 0; i < t_.spans.size(); ++i) {
    const auto& span = t_.spans[i];
    groups[{span.rank, span.track, span.category, span.sequence % 2}].push_back(static_cast<int>(i));
  }
  auto order = [](const std::string& category) {
    static const std::vector<std::string> known{"forward", "backward", "optimizer", "communication"};
    return std::find(known.begin(), known.end(), category) - known.begin();
  };
  std::vector<AreaKey> keys;
  keys.reserve(groups.size());
  for (const auto& entry : groups) keys.push_back(entry.first);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const auto& a, const auto& b) { return order(std::get<2>(a)) < order(std::get<2>(b)); });
  std::set<std::string> in_legend;
  for (const auto& key : keys) add_area(key, groups[key], in_legend);
}

void TimelineChart::add_area(const AreaKey& key, std::vector<int>& members, std::set<std::string>& in_legend) {
  const auto& [rank, track, category, shade] = key;
  std::sort(members.begin(), members.end(), [&](int a, int b) {
    return t_.spans[static_cast<std::size_t>(a)].start_s < t_.spans[static_cast<std::size_t>(b)].start_s;
  });
  const int k = ranks_ - 1 - rank;
  const double centre = static_cast<double>(links_.size()) + (track == 2 ? 3.0 * k + 0.75 : 3.0 * k + 2.25);
  const double lo = centre - 0.45, hi = centre + 0.45;
  auto* upper = new QLineSeries;
  auto* lower = new QLineSeries;
  ChartCanvas::Tips tips;
  for (int i : members) {
    const auto& span = t_.spans[static_cast<std::size_t>(i)];
    const double a = span.start_s * scale_.factor, b = (span.start_s + span.duration_s) * scale_.factor;
    *upper << QPointF(a, lo) << QPointF(a, hi) << QPointF(b, hi) << QPointF(b, lo);
    tips.ranges.emplace_back(a, b);
    tips.texts.push_back(qs("rank " + std::to_string(span.rank) + ", " + span.category + ": " + span.name) +
                         "\nstart " + exact_time(span.start_s) + "\nduration " + exact_time(span.duration_s) +
                         (span.detail.empty() ? QString() : "\n" + qs(span.detail)));
    tips.rows.push_back(-1);
  }
  *lower << QPointF(upper->at(0).x(), lo) << QPointF(upper->at(upper->count() - 1).x(), lo);
  auto* area = new QAreaSeries(upper, lower);
  area->setName(qs(category));
  area->setColor(category_color(category, shade));
  area->setBorderColor(category_color(category, shade));
  area->setPen(Qt::NoPen);
  add_with_axes(chart_, area, x_, y_);
  if (!in_legend.insert(category).second) hide_legend_of(chart_, area);
  canvas_.add_spans(area, std::move(tips));
}

// Each link's utilisation as a filled step curve in its row (the row's height is 100%), busy
// stretches with their figure on hover.
void TimelineChart::add_link_areas() {
  for (std::size_t k = 0; k < links_.size(); ++k) {
    const LinkTrack& link = *links_[k];
    const double lo = static_cast<double>(links_.size() - 1 - k) + 0.05, height = 0.9;
    auto* upper = new QLineSeries;
    auto* lower = new QLineSeries;
    ChartCanvas::Tips tips;
    double level = 0;
    for (std::size_t i = 0; i < link.points.size(); ++i) {
      const auto [t, percent] = link.points[i];
      const double x = t * scale_.factor;
      *upper << QPointF(x, lo + height * level / 100) << QPointF(x, lo + height * percent / 100);
      level = percent;
      if (percent > 0 && i + 1 < link.points.size()) {
        tips.ranges.emplace_back(x, link.points[i + 1].first * scale_.factor);
        tips.texts.push_back(qs(link.name) + tr(": %1% busy").arg(percent, 0, 'f', 1) + "\nfrom " + exact_time(t) +
                             " for " + exact_time(link.points[i + 1].first - t));
        tips.rows.push_back(-1);
      }
    }
    if (upper->count() == 0) {
      delete upper;
      delete lower;
      continue;
    }
    *upper << QPointF(x_->max(), lo + height * level / 100);
    *lower << QPointF(upper->at(0).x(), lo) << QPointF(x_->max(), lo);
    auto* area = new QAreaSeries(upper, lower);
    area->setName(tr("link utilisation"));
    area->setColor(QColor(0x2a, 0x9d, 0x8f));
    area->setPen(Qt::NoPen);
    add_with_axes(chart_, area, x_, y_);
    if (k > 0) hide_legend_of(chart_, area);
    canvas_.add_spans(area, std::move(tips));
  }
}

}  // namespace

void draw_timeline_chart(ChartCanvas& canvas) {
  TimelineChart(canvas).draw();
}

}  // namespace dpcast::gui
