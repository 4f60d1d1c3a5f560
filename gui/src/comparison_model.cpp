#include "dpcast/gui/comparison_model.hpp"

#include <QBrush>
#include <QColor>

#include <cmath>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// Column names as `dpcast compare --csv` writes them, where it has them.
constexpr Column kColumns[ComparisonModel::ColumnCount] = {
    {"configuration", "configuration"},
    {"GPUs", "gpus"},
    {"engine", "engine"},
    {"predicted", "predicted_step_time_s"},
    {"measured", "measured_step_time_s"},
    {"measured p10", "measured_p10_s"},
    {"measured p90", "measured_p90_s"},
    {"error", "error"},
    {"forward (pred.)", "predicted_forward_s"},
    {"forward (meas.)", "measured_forward_s"},
    {"backward (pred.)", "predicted_backward_s"},
    {"backward (meas.)", "measured_backward_s"},
    {"exposed comm (pred.)", "predicted_exposed_comm_s"},
    {"exposed comm (meas.)", "measured_exposed_comm_s"},
};

}  // namespace

QString record_configuration(const models::RunRecord& r) {
  std::string d =
      r.model + " on " + std::to_string(r.gpus) + " " + r.gpu + ", micro-batch " + std::to_string(r.micro_batch);
  if (r.grad_accumulation > 1) d += " x" + std::to_string(r.grad_accumulation);
  if (r.zero_stage > 0) d += ", ZeRO-" + std::to_string(r.zero_stage);
  return qs(d);
}

namespace {
// compare's label (what tells the pair from others of the same model and GPUs), else the record's.
QString label(const sim::ComparedPair& pair) {
  return pair.label.empty() ? record_configuration(pair.measured) : qs(pair.label);
}
}  // namespace

ComparisonModel::ComparisonModel(QObject* parent) : QAbstractTableModel(parent) {}

void ComparisonModel::set_comparison(sim::Comparison comparison) {
  beginResetModel();
  comparison_ = std::move(comparison);
  endResetModel();
}

int ComparisonModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(comparison_.pairs.size());
}

int ComparisonModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const sim::ComparedPair& pair = comparison_.pairs[static_cast<std::size_t>(index.row())];
  const auto& p = pair.predicted;
  const auto& m = pair.measured;
  const int column = index.column();
  if (role == Qt::ToolTipRole) {
    return label(pair) + "\npredicted (" + qs(p.engine) + "): " + exact_time(p.step_time_s) + "\nmeasured (" +
           qs(m.engine) + "): " + exact_time(m.step_time_s) +
           qs(", p10 " + sim::human_time_if_any(m.step_time_spread_s.first) + ", p90 " +
              sim::human_time_if_any(m.step_time_spread_s.second)) +
           qs("\nerror: " + sim::fixed(100 * pair.error(), 2) + "%");
  }
  if (role == Qt::TextAlignmentRole)
    return QVariant::fromValue(Qt::Alignment(column <= Engine && column != Gpus ? Qt::AlignLeft | Qt::AlignVCenter
                                                                                : Qt::AlignRight | Qt::AlignVCenter));
  if (role == Qt::ForegroundRole && column == Error)
    return std::abs(pair.error()) > 0.2 ? QBrush(error_color()) : QVariant();
  if (role != Qt::DisplayRole && role != RawRole) return {};
  const bool raw = role == RawRole;
  auto time = [&](double s) -> QVariant { return raw ? QVariant(s) : QVariant(qs(sim::human_time(s))); };
  // What a measured record may not have (zeros there): "—", not "0 s".
  auto measured = [&](double s) -> QVariant { return raw ? QVariant(s) : QVariant(qs(sim::human_time_if_any(s))); };
  switch (column) {
    case Configuration:
      return label(pair);
    case Gpus:
      return m.gpus;
    case Engine:
      return qs(p.engine);
    case Predicted:
      return time(p.step_time_s);
    case Measured:
      return time(m.step_time_s);
    case MeasuredP10:
      return measured(m.step_time_spread_s.first);
    case MeasuredP90:
      return measured(m.step_time_spread_s.second);
    case Error:
      return raw ? QVariant(pair.error())
                 : QVariant(QString(pair.error() >= 0 ? "+" : "") + qs(sim::fixed(100 * pair.error(), 1)) + "%");
    case PredictedForward:
      return time(p.breakdown.forward_s);
    case MeasuredForward:
      return measured(m.breakdown.forward_s);
    case PredictedBackward:
      return time(p.breakdown.backward_s);
    case MeasuredBackward:
      return measured(m.breakdown.backward_s);
    case PredictedExposed:
      return time(p.breakdown.exposed_comm_s);
    case MeasuredExposed:
      return measured(m.breakdown.exposed_comm_s);
    default:
      return {};
  }
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const {
  return column_header(kColumns, ColumnCount, section, orientation, role);
}

}  // namespace dpcast::gui
