// All of the dashboard's Qt Charts code (see charts.hpp).
#include "dpcast/gui/charts.hpp"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QStackedBarSeries>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "dpcast/gui/comparison_model.hpp"
#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/plan_model.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/gui/timeline_model.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

struct Scale {
  double factor = 1;
  QString unit;
};

// Seconds scaled so the largest value reads well, in the units sim::human_time uses.
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

constexpr double kGiB = 1024.0 * 1024 * 1024;

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

QValueAxis* value_axis(const QString& title, double max, double min = 0) {
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

// What a sweep chart plots of a row, and whether the row has it.
struct Measure {
  QString title;  // "step time (ms)"
  double factor = 1;
  bool (*has)(const ResultRow&) = nullptr;
  double (*value)(const ResultRow&) = nullptr;
};

bool stepped(const ResultRow& r) {
  return r.state == ResultRow::State::Done && r.record.feasible;
}
bool done(const ResultRow& r) {
  return r.state == ResultRow::State::Done;
}
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

}  // namespace

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
  switch (kind_) {
    case ChartKind::Breakdown:
      build_breakdown(chart);
      break;
    case ChartKind::Timeline:
      build_timeline(chart);
      break;
    case ChartKind::Plan:
      build_plan(chart);
      break;
    default:
      build_sweep(chart);
  }
  QChart* old = view_->chart();
  view_->setChart(chart);  // the view releases the old chart without deleting it
  delete old;
}

void ChartPanel::build_sweep(QChart* chart) {
  const auto& rows = sources_.results->rows();
  Measure m;
  switch (kind_) {
    case ChartKind::StepTime:
    case ChartKind::Comparison: {
      double max = 0;
      for (const auto& r : rows)
        if (stepped(r)) max = std::max(max, r.record.step_time_s);
      if (kind_ == ChartKind::Comparison && sources_.comparison)
        for (const auto& p : sources_.comparison->comparison().pairs)
          max = std::max(max, p.measured.step_time_spread_s.second);
      const Scale s = time_scale(max);
      m = {tr("step time (%1)").arg(s.unit), s.factor, stepped, step_time};
      chart->setTitle(kind_ == ChartKind::StepTime ? tr("Step time against GPU count")
                                                   : tr("Predicted (lines) and measured (squares, p10-p90) step time"));
      break;
    }
    case ChartKind::Throughput: {
      bool all_tokens = !rows.empty();
      double max = 0;
      for (const auto& r : rows)
        if (stepped(r)) {
          all_tokens = all_tokens && r.record.tokens_per_s > 0;
          max = std::max(max, r.record.samples_per_s);
        }
      if (all_tokens)
        for (const auto& r : rows)
          if (stepped(r)) max = std::max(max, r.record.tokens_per_s);
      const Scale s = rate_scale(max);
      m = {tr("throughput (%1%2)")
               .arg(s.unit.isEmpty() ? QString() : s.unit + " ", all_tokens ? "tokens/s" : "samples/s"),
           s.factor, stepped, all_tokens ? tokens : samples};
      chart->setTitle(tr("Throughput against GPU count"));
      break;
    }
    case ChartKind::Scaling:
      m = {tr("scaling efficiency (%)"), 1, stepped, scaling};
      chart->setTitle(tr("Scaling efficiency: one GPU's work / step time"));
      break;
    case ChartKind::Memory:
      m = {tr("memory per GPU (GiB)"), 1, done, memory};
      chart->setTitle(tr("Memory per GPU against its capacity"));
      break;
    default:
      return;
  }

  // One series per sweep point without the GPU counts, in sweep order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> groups;
  double min_gpus = 0, max_gpus = 0, max_value = 0, min_value = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ResultRow& r = rows[i];
    if (!m.has(r)) continue;
    if (!groups.count(r.series)) order.push_back(r.series);
    groups[r.series].push_back(static_cast<int>(i));
    min_gpus = min_gpus == 0 ? r.gpus : std::min<double>(min_gpus, r.gpus);
    max_gpus = std::max<double>(max_gpus, r.gpus);
    max_value = std::max(max_value, m.value(r) * m.factor);
    if (m.value(r) > 0) min_value = min_value == 0 ? m.value(r) * m.factor : std::min(min_value, m.value(r) * m.factor);
  }
  std::vector<const sim::ComparedPair*> measured;
  if (kind_ == ChartKind::Comparison && sources_.comparison)
    for (const auto& p : sources_.comparison->comparison().pairs) {
      measured.push_back(&p);
      min_gpus = min_gpus == 0 ? p.measured.gpus : std::min<double>(min_gpus, p.measured.gpus);
      max_gpus = std::max<double>(max_gpus, p.measured.gpus);
      max_value = std::max(max_value, p.measured.step_time_spread_s.second * m.factor);
      max_value = std::max(max_value, p.measured.step_time_s * m.factor);
    }
  double capacity_max = 0;
  if (kind_ == ChartKind::Memory)
    for (const auto& r : rows)
      if (done(r)) capacity_max = std::max(capacity_max, r.record.memory.capacity_bytes / kGiB);
  max_value = std::max(max_value, capacity_max);
  if (kind_ == ChartKind::Scaling) max_value = std::max(max_value, 100.0);

  if (order.empty() && measured.empty()) {
    chart->setTitle(chart->title() + "\n" +
                    (rows.empty() ? tr("no predictions yet")
                     : sources_.results->finished_rows() < static_cast<int>(rows.size())
                         ? tr("predicting...")
                         : tr("no configuration of the sweep fits in memory")));
    return;
  }
  QLogValueAxis* x = gpu_axis(min_gpus, max_gpus);
  QAbstractAxis* y = nullptr;
  if (kind_ == ChartKind::Throughput) {  // logarithmic: linear scaling is a straight line
    auto* log = new QLogValueAxis;
    log->setBase(10);
    log->setLabelFormat("%g");
    log->setTitleText(m.title);
    log->setMinorTickCount(8);
    log->setRange(min_value / 1.5, max_value * 1.5);
    y = log;
  } else if (kind_ == ChartKind::Scaling) {  // percent: 0 to 110, in tens
    auto* axis = new QValueAxis;
    axis->setTitleText(m.title);
    axis->setRange(0, std::max(110.0, std::ceil(max_value * 1.05 / 10) * 10));
    axis->setTickCount(static_cast<int>(axis->max() / 10) + 1);
    axis->setLabelFormat("%.0f");
    y = axis;
  } else {
    y = value_axis(m.title, max_value);
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);

  for (const auto& label : order) {
    auto& members = groups[label];
    std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
      return rows[static_cast<std::size_t>(a)].gpus < rows[static_cast<std::size_t>(b)].gpus;
    });
    auto* line = new QLineSeries;
    line->setName(label.empty() ? tr("predicted") : qs(label));
    line->setPointsVisible(true);
    Tips tips;
    for (int i : members) {
      const ResultRow& r = rows[static_cast<std::size_t>(i)];
      const QPointF p(r.gpus, m.value(r) * m.factor);
      line->append(p);
      tips.points.push_back(p);
      tips.texts.push_back(record_tooltip(r));
      tips.rows.push_back(i);
    }
    add_with_axes(chart, line, x, y);
    tips_[line] = std::move(tips);
    connect_tips(line);
  }

  // Throughput: perfect scaling from the first series' smallest GPU count, for reference.
  if (kind_ == ChartKind::Throughput && !order.empty() && min_gpus < max_gpus) {
    const auto& first = groups[order.front()];
    const ResultRow& r0 = rows[static_cast<std::size_t>(first.front())];
    auto* ideal = new QLineSeries;
    ideal->setName(tr("linear scaling of %1").arg(order.front().empty() ? tr("the first point") : qs(order.front())));
    QPen pen(QColor(0x77, 0x77, 0x77));
    pen.setStyle(Qt::DotLine);
    pen.setWidthF(1.5);
    ideal->setPen(pen);
    const double v0 = m.value(r0) * m.factor;
    ideal->append(r0.gpus, v0);
    ideal->append(max_gpus, v0 * max_gpus / r0.gpus);
    add_with_axes(chart, ideal, x, y);
  }

  if (kind_ == ChartKind::Memory) {
    // Capacity of each GPU type in the sweep, and the configurations that do not fit.
    std::set<double> capacities;
    auto* oom = new QScatterSeries;
    oom->setName(tr("out of memory"));
    oom->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    oom->setMarkerSize(11);
    oom->setColor(error_color());
    oom->setBorderColor(error_mark_outline_color());
    Tips oom_tips;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const ResultRow& r = rows[i];
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
      auto* line = new QLineSeries;
      line->setName(tr("capacity %1").arg(qs(sim::human_bytes(capacity))));
      QPen pen(QColor(0x55, 0x55, 0x55));
      pen.setStyle(Qt::DashLine);
      pen.setWidthF(1.5);
      line->setPen(pen);
      line->append(x->min(), capacity / kGiB);
      line->append(x->max(), capacity / kGiB);
      add_with_axes(chart, line, x, y);
    }
    if (oom->count() > 0) {
      add_with_axes(chart, oom, x, y);
      tips_[oom] = std::move(oom_tips);
      connect_tips(oom);
    } else {
      delete oom;
    }
  }

  if (kind_ == ChartKind::Comparison) {
    auto* points = new QScatterSeries;
    points->setName(tr("measured"));
    points->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    points->setMarkerSize(10);
    points->setColor(QColor(0x22, 0x22, 0x22));
    Tips tips;
    for (const sim::ComparedPair* p : measured) {
      const auto& r = p->measured;
      const QPointF point(r.gpus, r.step_time_s * m.factor);
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
        whisker->append(r.gpus, r.step_time_spread_s.first * m.factor);
        whisker->append(r.gpus, r.step_time_spread_s.second * m.factor);
        add_with_axes(chart, whisker, x, y);
        hide_legend_of(chart, whisker);
      }
    }
    if (points->count() > 0) {
      add_with_axes(chart, points, x, y);
      tips_[points] = std::move(tips);
      connect_tips(points);
    } else {
      delete points;
    }
  }

  // The configuration the timeline shows.
  if (highlight_ >= 0 && highlight_ < static_cast<int>(rows.size()) &&
      m.has(rows[static_cast<std::size_t>(highlight_)])) {
    const ResultRow& r = rows[static_cast<std::size_t>(highlight_)];
    auto* mark = new QScatterSeries;
    mark->setName(tr("selected"));
    mark->setMarkerSize(18);
    mark->setBrush(Qt::NoBrush);
    mark->setPen(QPen(Qt::black, 2));
    mark->append(r.gpus, m.value(r) * m.factor);
    add_with_axes(chart, mark, x, y);
  }
}

void ChartPanel::build_breakdown(QChart* chart) {
  const auto& rows = sources_.results->rows();
  chart->setTitle(tr("Where the step time goes"));
  // The series to show: the one chosen, else the first.
  const std::vector<std::string> series = sources_.results->series();
  const QString chosen = series_choice_->currentData().toString();
  series_choice_->clear();
  for (const auto& s : series) series_choice_->addItem(s.empty() ? tr("(all configurations)") : qs(s), qs(s));
  int index = series_choice_->findData(chosen);
  for (std::size_t k = 0; k < series.size() && index < 0; ++k)  // else the first series with a configuration that fits
    for (const auto& r : rows)
      if (r.series == series[k] && stepped(r)) {
        index = static_cast<int>(k);
        break;
      }
  series_choice_->setCurrentIndex(std::max(0, index));
  series_choice_->setEnabled(series.size() > 1);
  const std::string label = series_choice_->currentData().toString().toStdString();

  std::vector<int> members;
  double max = 0;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (done(rows[i]) && rows[i].series == label) {
      members.push_back(static_cast<int>(i));
      if (rows[i].record.feasible) max = std::max(max, rows[i].record.step_time_s);
    }
  if (members.empty()) {
    chart->setTitle(chart->title() + "\n" + (rows.empty() ? tr("no predictions yet") : tr("predicting...")));
    return;
  }
  std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
    return rows[static_cast<std::size_t>(a)].gpus < rows[static_cast<std::size_t>(b)].gpus;
  });
  const Scale s = time_scale(max);
  bool stragglers = false;
  for (int i : members) {  // (records without compute noise carry rounding residues of about 1e-18 s)
    const auto& r = rows[static_cast<std::size_t>(i)].record;
    stragglers = stragglers || r.breakdown.stragglers_s > 1e-6 * r.step_time_s;
  }

  struct Part {
    const char* name;
    double models::Breakdown::*field;
  };
  std::vector<Part> parts{{"forward", &models::Breakdown::forward_s},
                          {"backward", &models::Breakdown::backward_s},
                          {"exposed communication", &models::Breakdown::exposed_comm_s},
                          {"optimizer", &models::Breakdown::optimizer_s}};
  if (stragglers) parts.push_back({"stragglers", &models::Breakdown::stragglers_s});

  auto* bars = new QStackedBarSeries;
  QStringList categories;
  for (int i : members) {
    const ResultRow& r = rows[static_cast<std::size_t>(i)];
    categories << (r.record.feasible ? QString::number(r.gpus) : tr("%1 (OOM)").arg(r.gpus));
  }
  for (const Part& part : parts) {
    auto* set = new QBarSet(qs(part.name));
    set->setColor(category_color(part.name, 0));
    set->setBorderColor(category_color(part.name, 0));
    Tips tips;
    for (int i : members) {
      const ResultRow& r = rows[static_cast<std::size_t>(i)];
      const double v = r.record.feasible ? r.record.breakdown.*part.field : 0;
      *set << v * s.factor;
      QString text = qs(r.point.empty() ? r.record.scenario_name : r.point) + QString("\n%1 GPUs: ").arg(r.gpus);
      text += r.record.feasible ? QString("%1 ").arg(part.name) + exact_time(v) +
                                      QString(" of a %1 step").arg(qs(sim::human_time(r.record.step_time_s)))
                                : "does not fit in memory: " + qs(sim::out_of_memory_text(r.record));
      tips.texts.push_back(text);
      tips.rows.push_back(i);
    }
    bars->append(set);
    tips_[set] = std::move(tips);
    QObject::connect(set, &QBarSet::hovered, this, [this, set](bool status, int index) {
      const auto it = tips_.find(set);
      if (!status || it == tips_.end() || index < 0 || index >= static_cast<int>(it->second.texts.size())) {
        QToolTip::hideText();
        return;
      }
      QToolTip::showText(QCursor::pos(), it->second.texts[static_cast<std::size_t>(index)], view_);
    });
    QObject::connect(set, &QBarSet::clicked, this, [this, set](int index) {
      const auto it = tips_.find(set);
      if (it != tips_.end() && index >= 0 && index < static_cast<int>(it->second.rows.size()))
        Q_EMIT point_clicked(it->second.rows[static_cast<std::size_t>(index)]);
    });
  }
  chart->addSeries(bars);
  auto* x = new QBarCategoryAxis;
  x->append(categories);
  x->setTitleText(tr("GPUs"));
  QValueAxis* y = value_axis(tr("time per step (%1)").arg(s.unit), max * s.factor);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  bars->attachAxis(x);
  bars->attachAxis(y);
}

void ChartPanel::build_timeline(QChart* chart) {
  const Timeline& t = sources_.timeline->timeline();
  if (t.spans.empty()) {
    chart->setTitle(tr("One simulated step per rank") + "\n" +
                    (t.message.empty() ? tr("waiting for a prediction...") : qs(t.message)));
    return;
  }
  int ranks = 0;
  for (const auto& s : t.spans) ranks = std::max(ranks, s.rank + 1);
  const Scale s = time_scale(t.end_s());
  chart->setTitle(tr("One step of %1 (%2 engine): %3; the first %4 of %5 ranks")
                      .arg(qs(t.label), qs(t.engine), qs(sim::human_time(t.step_time_s)))
                      .arg(ranks)
                      .arg(t.gpus));

  auto* x = new QValueAxis;
  x->setTitleText(tr("time from the start of the step (%1)").arg(s.unit));
  x->setRange(0, t.end_s() * s.factor);
  x->setLabelFormat("%.4g");
  x->applyNiceNumbers();
  auto* y = new QCategoryAxis;
  y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
  y->setStartValue(0);
  y->setRange(0, 3.0 * ranks);
  y->setGridLineVisible(false);
  // Each rank takes three units, its communication track below its compute track.
  for (int k = 0; k < ranks; ++k) {
    const int rank = ranks - 1 - k;
    y->append(tr("rank %1 communication").arg(rank), 3.0 * k + 1.5);
    y->append(tr("rank %1 compute").arg(rank), 3.0 * k + 3.0);
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);

  // One area per rank, track, category and shade (neighbouring spans alternate shades).
  std::map<std::tuple<int, int, std::string, int>, std::vector<int>> groups;
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const auto& span = t.spans[i];
    groups[{span.rank, span.track, span.category, span.sequence % 2}].push_back(static_cast<int>(i));
  }
  auto order = [](const std::string& category) {
    static const std::vector<std::string> known{"forward", "backward", "optimizer", "communication"};
    return std::find(known.begin(), known.end(), category) - known.begin();
  };
  std::vector<std::tuple<int, int, std::string, int>> keys;
  for (const auto& entry : groups) keys.push_back(entry.first);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const auto& a, const auto& b) { return order(std::get<2>(a)) < order(std::get<2>(b)); });
  std::set<std::string> in_legend;
  for (const auto& key : keys) {
    auto& members = groups[key];
    const auto& [rank, track, category, shade] = key;
    std::sort(members.begin(), members.end(), [&](int a, int b) {
      return t.spans[static_cast<std::size_t>(a)].start_s < t.spans[static_cast<std::size_t>(b)].start_s;
    });
    const int k = ranks - 1 - rank;
    const double centre = track == 2 ? 3.0 * k + 0.75 : 3.0 * k + 2.25;
    const double lo = centre - 0.45, hi = centre + 0.45;
    auto* upper = new QLineSeries;
    auto* lower = new QLineSeries;
    Tips tips;
    for (int i : members) {
      const auto& span = t.spans[static_cast<std::size_t>(i)];
      const double a = span.start_s * s.factor, b = (span.start_s + span.duration_s) * s.factor;
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
    add_with_axes(chart, area, x, y);
    if (!in_legend.insert(category).second) hide_legend_of(chart, area);
    tips_[area] = std::move(tips);
    QObject::connect(area, &QAreaSeries::hovered, this, [this, area](const QPointF& point, bool state) {
      if (!state) {
        QToolTip::hideText();
        return;
      }
      const QString text = tooltip_at(area, point);
      if (!text.isEmpty()) QToolTip::showText(QCursor::pos(), text, view_);
    });
  }
}

void ChartPanel::build_plan(QChart* chart) {
  chart->setTitle(tr("Pareto front: time to train against cost"));
  static const std::optional<PlanOutcome> none;
  const std::optional<PlanOutcome>& outcome = sources_.plan ? sources_.plan->outcome() : none;
  if (!outcome) {
    chart->setTitle(chart->title() + "\n" + tr("no plan yet: Run plan"));
    return;
  }
  if (!outcome->ok) {
    chart->setTitle(chart->title() + "\n" + tr("the plan failed: %1").arg(qs(outcome->error)));
    return;
  }
  const auto& front = outcome->result.front;
  const models::PlanSpec& plan = outcome->plan;
  if (front.empty()) {
    chart->setTitle(chart->title() + "\n" + tr("no configuration fits: see why below"));
    return;
  }
  chart->legend()->setAlignment(Qt::AlignRight);  // seven entries: too many for a row under the chart
  chart->setTitle(tr("Pareto front: time to train against cost (%1 of %2 configurations)")
                      .arg(front.size())
                      .arg(outcome->result.evaluated));

  // Hours across, dollars (or thousands of them) up.
  double min_h = 0, max_h = 0, min_usd = 0, max_usd = 0;
  for (std::size_t k = 0; k < front.size(); ++k) {
    const double h = front[k].time_s() / 3600, usd = front[k].cost_usd();
    min_h = k == 0 ? h : std::min(min_h, h);
    max_h = std::max(max_h, h);
    min_usd = k == 0 ? usd : std::min(min_usd, usd);
    max_usd = std::max(max_usd, usd);
  }
  const double deadline_h = plan.deadline_s.value_or(0) / 3600;
  if (plan.deadline_s) min_h = std::min(min_h, deadline_h), max_h = std::max(max_h, deadline_h);
  if (plan.budget_usd) min_usd = std::min(min_usd, *plan.budget_usd), max_usd = std::max(max_usd, *plan.budget_usd);
  const Scale money = max_usd >= 1e4 ? Scale{1e-3, tr("thousand USD")} : Scale{1, tr("USD")};

  QAbstractAxis* x = nullptr;
  double x_lo = 0, x_hi = 0;
  if (max_h > 4 * min_h) {  // doubling the GPUs about halves the time: a logarithmic axis spaces the points
    auto* axis = new QLogValueAxis;
    axis->setBase(2);
    axis->setLabelFormat("%g");
    axis->setMinorTickCount(-1);
    x_lo = min_h / 1.25, x_hi = max_h * 1.25;
    axis->setRange(x_lo, x_hi);
    x = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat("%.4g");
    const double pad = std::max(0.05 * (max_h - min_h), 0.05 * max_h);
    axis->setRange(std::max(0.0, min_h - pad), max_h + pad);
    axis->applyNiceNumbers();
    x_lo = axis->min(), x_hi = axis->max();
    x = axis;
  }
  x->setTitleText(tr("time to train (hours)"));
  auto* y = new QValueAxis;
  {
    const double pad = std::max(0.08 * (max_usd - min_usd), 0.02 * max_usd);
    y->setRange(std::max(0.0, min_usd - pad) * money.factor, (max_usd + pad) * money.factor);
    y->setLabelFormat("%.4g");
    y->applyNiceNumbers();
    y->setTitleText(tr("cost (%1)").arg(money.unit));
  }
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);

  // The front as a line, fastest first.
  auto* line = new QLineSeries;
  line->setName(tr("Pareto front"));
  line->setPen(QPen(QColor(0x88, 0x88, 0x88), 1.5));
  Tips line_tips;
  for (std::size_t k = 0; k < front.size(); ++k) {
    const QPointF p(front[k].time_s() / 3600, front[k].cost_usd() * money.factor);
    line->append(p);
    line_tips.points.push_back(p);
    line_tips.texts.push_back(plan_point_tooltip(*outcome, k));
    line_tips.rows.push_back(static_cast<int>(k));
  }
  add_with_axes(chart, line, x, y);
  tips_[line] = std::move(line_tips);
  connect_tips(line);

  // Its points: within the constraints, breaking them, recommended.
  const bool constrained = plan.deadline_s || plan.budget_usd;
  auto* meets = new QScatterSeries;
  meets->setName(constrained ? tr("meets the constraints") : tr("front point"));
  meets->setMarkerSize(11);
  meets->setColor(QColor(0x4c, 0x72, 0xb0));
  meets->setBorderColor(QColor(0x2a, 0x44, 0x70));
  auto* breaks = new QScatterSeries;
  breaks->setName(tr("breaks a constraint"));
  breaks->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
  breaks->setMarkerSize(11);
  breaks->setColor(error_color());
  breaks->setBorderColor(error_mark_outline_color());
  auto* recommended = new QScatterSeries;
  recommended->setName(tr("recommended"));
  recommended->setMarkerShape(QScatterSeries::MarkerShapeStar);
  recommended->setMarkerSize(26);
  recommended->setColor(QColor(0x2e, 0x9e, 0x44));
  recommended->setBorderColor(QColor(0x10, 0x50, 0x20));
  Tips meets_tips, breaks_tips, recommended_tips;
  for (std::size_t k = 0; k < front.size(); ++k) {
    const QPointF p(front[k].time_s() / 3600, front[k].cost_usd() * money.factor);
    const bool ok = plan_verdict(front[k], plan).meets();
    QScatterSeries* series = outcome->result.recommended == k ? recommended : ok ? meets : breaks;
    Tips& tips = series == recommended ? recommended_tips : series == meets ? meets_tips : breaks_tips;
    series->append(p);
    tips.points.push_back(p);
    tips.texts.push_back(plan_point_tooltip(*outcome, k));
    tips.rows.push_back(static_cast<int>(k));
  }
  for (auto [series, tips] :
       {std::pair{meets, &meets_tips}, std::pair{breaks, &breaks_tips}, std::pair{recommended, &recommended_tips}}) {
    if (series->count() == 0) {
      delete series;
      continue;
    }
    add_with_axes(chart, series, x, y);
    tips_[series] = std::move(*tips);
    connect_tips(series);
  }

  // The constraints, as reference lines.
  auto reference = [&](const QString& name, QPointF a, QPointF b, const QColor& color) {
    auto* ref = new QLineSeries;
    ref->setName(name);
    QPen pen(color);
    pen.setStyle(Qt::DashLine);
    pen.setWidthF(1.5);
    ref->setPen(pen);
    ref->append(a);
    ref->append(b);
    add_with_axes(chart, ref, x, y);
  };
  if (plan.deadline_s)
    reference(tr("deadline %1").arg(qs(plan_duration(*plan.deadline_s))), QPointF(deadline_h, y->min()),
              QPointF(deadline_h, y->max()), QColor(0xd0, 0x70, 0x10));
  if (plan.budget_usd)
    reference(tr("budget %1").arg(qs(plan_dollars(*plan.budget_usd))), QPointF(x_lo, *plan.budget_usd * money.factor),
              QPointF(x_hi, *plan.budget_usd * money.factor), QColor(0x81, 0x72, 0xb3));

  // The point selected (the one "Open as scenario" opens).
  if (highlight_ >= 0 && highlight_ < static_cast<int>(front.size())) {
    const auto& p = front[static_cast<std::size_t>(highlight_)];
    auto* mark = new QScatterSeries;
    mark->setName(tr("selected"));
    mark->setMarkerSize(34);
    mark->setBrush(Qt::NoBrush);
    mark->setPen(QPen(Qt::black, 2));
    mark->append(p.time_s() / 3600, p.cost_usd() * money.factor);
    add_with_axes(chart, mark, x, y);
  }
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
