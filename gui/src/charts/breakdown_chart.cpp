// The breakdown chart: where the step time goes (forward, backward, exposed communication,
// optimizer, stragglers), one stacked bar per GPU count of the series chosen.
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QComboBox>
#include <QCoreApplication>
#include <QStackedBarSeries>
#include <QValueAxis>

#include <algorithm>

#include "chart_canvas.hpp"
#include "chart_common.hpp"
#include "chart_kinds.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/results_model.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// A part of the step: its name (and colour) and its field of the breakdown.
struct Part {
  const char* name;
  double models::Breakdown::*field;
};

class BreakdownChart {
  Q_DECLARE_TR_FUNCTIONS(BreakdownChart)

 public:
  explicit BreakdownChart(ChartCanvas& canvas)
      : canvas_(canvas), chart_(canvas.chart()), rows_(canvas.sources().results->rows()) {}

  void draw() {
    chart_->setTitle(tr("Where the step time goes"));
    const std::string label = choose_series();
    collect_members(label);
    if (members_.empty()) {
      chart_->setTitle(chart_->title() + "\n" + (rows_.empty() ? tr("no predictions yet") : tr("predicting...")));
      return;
    }
    std::stable_sort(members_.begin(), members_.end(), [&](int a, int b) {
      return rows_[static_cast<std::size_t>(a)].gpus < rows_[static_cast<std::size_t>(b)].gpus;
    });
    scale_ = time_scale(max_);
    add_bars();
  }

 private:
  std::string choose_series();
  void collect_members(const std::string& label);
  [[nodiscard]] std::vector<Part> parts() const;
  QBarSet* bar_set(const Part& part);
  void add_bars();

  ChartCanvas& canvas_;
  QChart* chart_;
  const std::vector<ResultRow>& rows_;
  std::vector<int> members_;  // the series' predicted rows, in GPU order once sorted
  double max_ = 0;            // its longest step
  Scale scale_;
};

// The series to show: the one chosen, else the first with a configuration that fits.
std::string BreakdownChart::choose_series() {
  QComboBox* choice = canvas_.series_choice();
  const std::vector<std::string> series = canvas_.sources().results->series();
  const QString chosen = choice->currentData().toString();
  choice->clear();
  for (const auto& s : series) choice->addItem(s.empty() ? tr("(all configurations)") : qs(s), qs(s));
  int index = choice->findData(chosen);
  for (std::size_t k = 0; k < series.size() && index < 0; ++k)
    for (const auto& r : rows_)
      if (r.series == series[k] && stepped(r)) {
        index = static_cast<int>(k);
        break;
      }
  choice->setCurrentIndex(std::max(0, index));
  choice->setEnabled(series.size() > 1);
  return choice->currentData().toString().toStdString();
}

void BreakdownChart::collect_members(const std::string& label) {
  for (std::size_t i = 0; i < rows_.size(); ++i)
    if (done(rows_[i]) && rows_[i].series == label) {
      members_.push_back(static_cast<int>(i));
      if (rows_[i].record.feasible) max_ = std::max(max_, rows_[i].record.step_time_s);
    }
}

// The parts of the step; stragglers and interference only when some configuration has them.
std::vector<Part> BreakdownChart::parts() const {
  bool stragglers = false, interference = false;
  for (int i : members_) {  // (records without compute noise carry rounding residues of about 1e-18 s)
    const auto& r = rows_[static_cast<std::size_t>(i)].record;
    stragglers = stragglers || r.breakdown.stragglers_s > 1e-6 * r.step_time_s;
    interference = interference || r.breakdown.interference_s > 1e-6 * r.step_time_s;
  }
  std::vector<Part> parts{{"forward", &models::Breakdown::forward_s},
                          {"backward", &models::Breakdown::backward_s},
                          {"exposed communication", &models::Breakdown::exposed_comm_s},
                          {"optimizer", &models::Breakdown::optimizer_s}};
  if (stragglers) parts.push_back({"stragglers", &models::Breakdown::stragglers_s});
  if (interference) parts.push_back({"slowed by overlapped communication", &models::Breakdown::interference_s});
  return parts;
}

// One part's bars, one per configuration, with their tooltips.
QBarSet* BreakdownChart::bar_set(const Part& part) {
  auto* set = new QBarSet(qs(part.name));
  set->setColor(category_color(part.name, 0));
  set->setBorderColor(category_color(part.name, 0));
  ChartCanvas::Tips tips;
  for (int i : members_) {
    const ResultRow& r = rows_[static_cast<std::size_t>(i)];
    const double v = r.record.feasible ? r.record.breakdown.*part.field : 0;
    *set << v * scale_.factor;
    QString text = qs(r.point.empty() ? r.record.scenario_name : r.point) + QString("\n%1 GPUs: ").arg(r.gpus);
    text += r.record.feasible ? QString("%1 ").arg(part.name) + exact_time(v) +
                                    QString(" of a %1 step").arg(qs(sim::human_time(r.record.step_time_s)))
                              : "does not fit in memory: " + qs(sim::out_of_memory_text(r.record));
    tips.texts.push_back(text);
    tips.rows.push_back(i);
  }
  canvas_.add_bars(set, std::move(tips));
  return set;
}

void BreakdownChart::add_bars() {
  auto* bars = new QStackedBarSeries;
  QStringList categories;
  for (int i : members_) {
    const ResultRow& r = rows_[static_cast<std::size_t>(i)];
    categories << (r.record.feasible ? QString::number(r.gpus) : tr("%1 (OOM)").arg(r.gpus));
  }
  for (const Part& part : parts()) bars->append(bar_set(part));
  chart_->addSeries(bars);
  auto* x = new QBarCategoryAxis;
  x->append(categories);
  x->setTitleText(tr("GPUs"));
  QValueAxis* y = value_axis(tr("time per step (%1)").arg(scale_.unit), max_ * scale_.factor);
  chart_->addAxis(x, Qt::AlignBottom);
  chart_->addAxis(y, Qt::AlignLeft);
  bars->attachAxis(x);
  bars->attachAxis(y);
}

}  // namespace

void draw_breakdown_chart(ChartCanvas& canvas) {
  BreakdownChart(canvas).draw();
}

}  // namespace dpcast::gui
