// The plan chart: the planner's Pareto front of time to train against cost, its points marked
// by how they stand against the constraints, the recommended one starred, and the deadline and
// budget as reference lines.
#include <QChart>
#include <QCoreApplication>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <optional>

#include "chart_canvas.hpp"
#include "chart_common.hpp"
#include "chart_kinds.hpp"
#include "dpcast/gui/plan_model.hpp"
#include "dpcast/gui/qstring.hpp"

namespace dpcast::gui {
namespace {

class PlanChart {
  Q_DECLARE_TR_FUNCTIONS(PlanChart)

 public:
  explicit PlanChart(ChartCanvas& canvas) : canvas_(canvas), chart_(canvas.chart()) {}

  void draw() {
    chart_->setTitle(tr("Pareto front: time to train against cost"));
    static const std::optional<PlanOutcome> none;
    const PlanFrontModel* model = canvas_.sources().plan;
    const std::optional<PlanOutcome>& outcome = model ? model->outcome() : none;
    if (!has_front(outcome)) return;
    outcome_ = &*outcome;
    chart_->legend()->setAlignment(Qt::AlignRight);  // seven entries: too many for a row under the chart
    chart_->setTitle(tr("Pareto front: time to train against cost (%1 of %2 configurations)")
                         .arg(front().size())
                         .arg(outcome_->result.evaluated));
    find_extent();
    add_axes();
    add_front_line();
    add_front_points();
    add_constraints();
    add_selected_mark();
  }

 private:
  bool has_front(const std::optional<PlanOutcome>& outcome);
  [[nodiscard]] const std::vector<sim::PlanPoint>& front() const { return outcome_->result.front; }
  [[nodiscard]] const models::PlanSpec& plan() const { return outcome_->plan; }
  [[nodiscard]] QPointF position(const sim::PlanPoint& p) const {
    return {p.time_s() / 3600, p.cost_usd() * money_.factor};
  }
  void find_extent();
  void add_axes();
  void add_front_line();
  void add_front_points();
  void add_constraints();
  void add_reference(const QString& name, QPointF a, QPointF b, const QColor& color);
  void add_selected_mark();

  ChartCanvas& canvas_;
  QChart* chart_;
  const PlanOutcome* outcome_ = nullptr;
  // Hours across, dollars (or thousands of them) up.
  double min_h_ = 0, max_h_ = 0, min_usd_ = 0, max_usd_ = 0, deadline_h_ = 0;
  Scale money_;
  QAbstractAxis* x_ = nullptr;
  double x_lo_ = 0, x_hi_ = 0;
  QValueAxis* y_ = nullptr;
};

// Whether there is a front to draw; if not, the title says why.
bool PlanChart::has_front(const std::optional<PlanOutcome>& outcome) {
  if (!outcome) {
    chart_->setTitle(chart_->title() + "\n" + tr("no plan yet: Run plan"));
    return false;
  }
  if (!outcome->ok) {
    chart_->setTitle(chart_->title() + "\n" + tr("the plan failed: %1").arg(qs(outcome->error)));
    return false;
  }
  if (outcome->result.front.empty()) {
    chart_->setTitle(chart_->title() + "\n" + tr("no configuration fits: see why below"));
    return false;
  }
  return true;
}

// The front's hours and dollars, with the deadline and the budget.
void PlanChart::find_extent() {
  for (std::size_t k = 0; k < front().size(); ++k) {
    const double h = front()[k].time_s() / 3600, usd = front()[k].cost_usd();
    min_h_ = k == 0 ? h : std::min(min_h_, h);
    max_h_ = std::max(max_h_, h);
    min_usd_ = k == 0 ? usd : std::min(min_usd_, usd);
    max_usd_ = std::max(max_usd_, usd);
  }
  deadline_h_ = plan().deadline_s.value_or(0) / 3600;
  if (plan().deadline_s) min_h_ = std::min(min_h_, deadline_h_), max_h_ = std::max(max_h_, deadline_h_);
  if (plan().budget_usd)
    min_usd_ = std::min(min_usd_, *plan().budget_usd), max_usd_ = std::max(max_usd_, *plan().budget_usd);
  money_ = max_usd_ >= 1e4 ? Scale{1e-3, tr("thousand USD")} : Scale{1, tr("USD")};
}

void PlanChart::add_axes() {
  if (max_h_ > 4 * min_h_) {  // doubling the GPUs about halves the time: a logarithmic axis spaces the points
    auto* axis = new QLogValueAxis;
    axis->setBase(2);
    axis->setLabelFormat("%g");
    axis->setMinorTickCount(-1);
    x_lo_ = min_h_ / 1.25, x_hi_ = max_h_ * 1.25;
    axis->setRange(x_lo_, x_hi_);
    x_ = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat("%.4g");
    const double pad = std::max(0.05 * (max_h_ - min_h_), 0.05 * max_h_);
    axis->setRange(std::max(0.0, min_h_ - pad), max_h_ + pad);
    axis->applyNiceNumbers();
    x_lo_ = axis->min(), x_hi_ = axis->max();
    x_ = axis;
  }
  x_->setTitleText(tr("time to train (hours)"));
  y_ = new QValueAxis;
  const double pad = std::max(0.08 * (max_usd_ - min_usd_), 0.02 * max_usd_);
  y_->setRange(std::max(0.0, min_usd_ - pad) * money_.factor, (max_usd_ + pad) * money_.factor);
  y_->setLabelFormat("%.4g");
  y_->applyNiceNumbers();
  y_->setTitleText(tr("cost (%1)").arg(money_.unit));
  chart_->addAxis(x_, Qt::AlignBottom);
  chart_->addAxis(y_, Qt::AlignLeft);
}

// The front as a line, fastest first.
void PlanChart::add_front_line() {
  auto* line = new QLineSeries;
  line->setName(tr("Pareto front"));
  line->setPen(QPen(QColor(0x88, 0x88, 0x88), 1.5));
  ChartCanvas::Tips tips;
  for (std::size_t k = 0; k < front().size(); ++k) {
    const QPointF p = position(front()[k]);
    line->append(p);
    tips.points.push_back(p);
    tips.texts.push_back(plan_point_tooltip(*outcome_, k));
    tips.rows.push_back(static_cast<int>(k));
  }
  add_with_axes(chart_, line, x_, y_);
  canvas_.add_points(line, std::move(tips));
}

// Its points: within the constraints, breaking them, recommended.
void PlanChart::add_front_points() {
  const bool constrained = plan().deadline_s || plan().budget_usd;
  auto* meets = new QScatterSeries;
  meets->setName(constrained ? tr("meets the constraints") : tr("front point"));
  meets->setMarkerSize(11);
  meets->setColor(QColor(0x4c, 0x72, 0xb0));
  meets->setBorderColor(QColor(0x2a, 0x44, 0x70));
  QScatterSeries* breaks = failure_marks(tr("breaks a constraint"));
  auto* recommended = new QScatterSeries;
  recommended->setName(tr("recommended"));
  recommended->setMarkerShape(QScatterSeries::MarkerShapeStar);
  recommended->setMarkerSize(26);
  recommended->setColor(QColor(0x2e, 0x9e, 0x44));
  recommended->setBorderColor(QColor(0x10, 0x50, 0x20));
  ChartCanvas::Tips meets_tips, breaks_tips, recommended_tips;
  for (std::size_t k = 0; k < front().size(); ++k) {
    const QPointF p = position(front()[k]);
    const bool ok = plan_verdict(front()[k], plan()).meets();
    QScatterSeries* series = outcome_->result.recommended == k ? recommended : ok ? meets : breaks;
    ChartCanvas::Tips& tips = series == recommended ? recommended_tips : series == meets ? meets_tips : breaks_tips;
    series->append(p);
    tips.points.push_back(p);
    tips.texts.push_back(plan_point_tooltip(*outcome_, k));
    tips.rows.push_back(static_cast<int>(k));
  }
  canvas_.add_marks(meets, std::move(meets_tips), x_, y_);
  canvas_.add_marks(breaks, std::move(breaks_tips), x_, y_);
  canvas_.add_marks(recommended, std::move(recommended_tips), x_, y_);
}

// The constraints, as reference lines.
void PlanChart::add_constraints() {
  if (plan().deadline_s)
    add_reference(tr("deadline %1").arg(qs(plan_duration(*plan().deadline_s))), QPointF(deadline_h_, y_->min()),
                  QPointF(deadline_h_, y_->max()), QColor(0xd0, 0x70, 0x10));
  if (plan().budget_usd)
    add_reference(tr("budget %1").arg(qs(plan_dollars(*plan().budget_usd))),
                  QPointF(x_lo_, *plan().budget_usd * money_.factor),
                  QPointF(x_hi_, *plan().budget_usd * money_.factor), QColor(0x81, 0x72, 0xb3));
}

void PlanChart::add_reference(const QString& name, QPointF a, QPointF b, const QColor& color) {
  QLineSeries* ref = reference_line(name, color, Qt::DashLine);
  ref->append(a);
  ref->append(b);
  add_with_axes(chart_, ref, x_, y_);
}

// The point selected (the one "Open as scenario" opens).
void PlanChart::add_selected_mark() {
  const int row = canvas_.highlight();
  if (row < 0 || row >= static_cast<int>(front().size())) return;
  QScatterSeries* mark = selection_ring(tr("selected"), 34);
  mark->append(position(front()[static_cast<std::size_t>(row)]));
  add_with_axes(chart_, mark, x_, y_);
}

}  // namespace

void draw_plan_chart(ChartCanvas& canvas) {
  PlanChart(canvas).draw();
}

}  // namespace dpcast::gui
