#include "dpcast/gui/plan_model.hpp"

#include <QBrush>
#include <QColor>
#include <QFont>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// Column names as `dpcast plan --csv` writes them (sim::plan_csv), then meets_constraints.
constexpr Column kColumns[PlanFrontModel::ColumnCount] = {
    {"recommended", "recommended", false},
    {"GPUs", "gpus", true},
    {"node", "node", false},
    {"GPU", "gpu", false},
    {"network", "network", false},
    {"micro-batch", "micro_batch", true},
    {"accumulation", "grad_accumulation", true},
    {"ZeRO", "zero_stage", true},
    {"global batch", "global_batch", true},
    {"step", "step_time_s", true},
    {"DES step", "des_step_time_s", true},
    {"steps", "steps", true},
    {"time to train", "time_to_train_s", true},
    {"cost", "cost_usd", true},
    {"MFU", "mfu", true},
    {"exposed comm", "exposed_comm_s", true},
    {"constraints", "meets_constraints", false},
};

QString truth(bool b) {
  return b ? QStringLiteral("true") : QStringLiteral("false");
}

}  // namespace

PlanFrontModel::PlanFrontModel(QObject* parent) : QAbstractTableModel(parent) {}

void PlanFrontModel::set_outcome(std::optional<PlanOutcome> outcome) {
  beginResetModel();
  outcome_ = std::move(outcome);
  endResetModel();
}

int PlanFrontModel::recommended_row() const {
  if (!outcome_ || !outcome_->result.recommended) return -1;
  return static_cast<int>(*outcome_->result.recommended);
}

int PlanFrontModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !outcome_) return 0;
  return static_cast<int>(outcome_->result.front.size());
}

int PlanFrontModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant PlanFrontModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const std::size_t k = static_cast<std::size_t>(index.row());
  const sim::PlanPoint& p = outcome_->result.front[k];
  const auto& a = p.analytical;
  const int column = index.column();
  const bool recommended = outcome_->result.recommended == k;
  const PlanVerdict verdict = plan_verdict(p, outcome_->plan);

  switch (role) {
    case Qt::ToolTipRole:
      return plan_point_tooltip(*outcome_, k);
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(Qt::Alignment(kColumns[column].numeric ? Qt::AlignRight | Qt::AlignVCenter
                                                                        : Qt::AlignLeft | Qt::AlignVCenter));
    case Qt::FontRole:
      if (recommended) {
        QFont bold;
        bold.setBold(true);
        return bold;
      }
      return {};
    case Qt::BackgroundRole:
      return recommended ? QVariant(QBrush(QColor(0xd9, 0xf2, 0xd0))) : QVariant();
    case Qt::ForegroundRole:
      return column == Constraints && !verdict.meets() ? QVariant(QBrush(error_color())) : QVariant();
    case Qt::DisplayRole:
    case RawRole:
      break;
    default:
      return {};
  }
  const bool raw = role == RawRole;
  auto time = [&](double s) -> QVariant { return raw ? QVariant(s) : QVariant(qs(sim::human_time(s))); };
  switch (column) {
    case Recommended:
      return raw ? truth(recommended) : (recommended ? QStringLiteral("recommended") : QString());
    case Gpus:
      return a.gpus;
    case Node:
      return qs(a.node);
    case Gpu:
      return qs(a.gpu);
    case Network:
      return qs(a.network);
    case MicroBatch:
      return static_cast<qlonglong>(a.micro_batch);
    case GradAccumulation:
      return static_cast<qlonglong>(a.grad_accumulation);
    case ZeroStage:
      return a.zero_stage;
    case GlobalBatch:
      return static_cast<qlonglong>(a.global_batch);
    case StepTime:
      return time(a.step_time_s);
    case DesStepTime:
      if (p.des) return time(p.des->step_time_s);
      return raw ? QVariant(QString()) : QVariant(QStringLiteral("-"));
    case Steps:
      return static_cast<qlonglong>(p.steps);
    case TimeToTrain:
      return raw ? QVariant(p.time_s()) : QVariant(qs(plan_duration(p.time_s())));
    case Cost:
      return raw ? QVariant(p.cost_usd()) : QVariant(qs(plan_dollars(p.cost_usd())));
    case Mfu:
      return raw ? QVariant(a.mfu) : QVariant(qs(sim::fixed(100 * a.mfu, 1) + "%"));
    case ExposedComm:
      if (raw) return a.breakdown.exposed_comm_s;
      return qs(sim::human_time(a.breakdown.exposed_comm_s) + " (" +
                sim::fixed(100 * a.breakdown.exposed_comm_s / a.step_time_s, 1) + "%)");
    case Constraints:
      return raw ? truth(verdict.meets()) : qs(plan_verdict_text(p, outcome_->plan));
    default:
      return {};
  }
}

QVariant PlanFrontModel::headerData(int section, Qt::Orientation orientation, int role) const {
  return column_header(kColumns, ColumnCount, section, orientation, role);
}

}  // namespace dpcast::gui
