#include "dpcast/gui/results_model.hpp"

#include <QBrush>
#include <QColor>

#include <set>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/scenario_document.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

// Column names as `dpcast predict --csv` writes them.
constexpr Column kColumns[SweepResultsModel::ColumnCount] = {
    {"configuration", "sweep_point", false},
    {"GPUs", "gpus", true},
    {"nodes", "nodes", true},
    {"micro-batch", "micro_batch", true},
    {"global batch", "global_batch", true},
    {"step", "step_time_s", true},
    {"samples/s", "samples_per_s", true},
    {"tokens/s", "tokens_per_s", true},
    {"scaling", "scaling_efficiency", true},
    {"MFU", "mfu", true},
    {"forward", "forward_s", true},
    {"backward", "backward_s", true},
    {"exposed comm", "exposed_comm_s", true},
    {"optimizer", "optimizer_s", true},
    {"memory", "memory_total_bytes", true},
    {"capacity", "memory_capacity_bytes", true},
    {"collective", "collective", false},
    {"engine", "engine", false},
    {"status", "status", false},
};

QString percent(double fraction) {
  return qs(sim::fixed(100 * fraction, 1) + "%");
}
QString rate(double v) {
  std::string s = sim::human_rate(v, "");
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return qs(s);
}

std::string status_text(const ResultRow& row) {
  switch (row.state) {
    case ResultRow::State::Pending:
      return "pending";
    case ResultRow::State::Failed:
      return row.error;
    case ResultRow::State::Done:
      return row.record.feasible ? "ok" : "out of memory: " + sim::out_of_memory_text(row.record);
  }
  return "";
}

}  // namespace

ResultRow pending_row(const models::Scenario& configuration, int index) {
  ResultRow row;
  row.index = index;
  row.point = sweep_point_label(configuration.sweep_point);
  row.series = sweep_point_label(configuration.sweep_point, true);
  row.nodes = configuration.cluster.nodes;
  row.gpus = configuration.cluster.gpus();
  return row;
}

QString record_tooltip(const ResultRow& row) {
  const auto& r = row.record;
  QString text = qs(row.point.empty() ? r.scenario_name : row.point);
  text += QString("\n%1 GPUs (%2 nodes x %3)").arg(row.gpus).arg(row.nodes).arg(row.gpus / std::max(1, row.nodes));
  if (row.state == ResultRow::State::Pending) return text + "\npending";
  if (row.state == ResultRow::State::Failed) return text + "\n" + qs(row.error);
  text += QString(", micro-batch %1, global batch %2").arg(r.micro_batch).arg(r.global_batch);
  text +=
      "\nmemory per GPU: " + exact_bytes(r.memory.total_bytes) + " of " + qs(sim::human_bytes(r.memory.capacity_bytes));
  if (!r.feasible) return text + "\ndoes not fit: " + qs(sim::out_of_memory_text(r));
  text += "\nstep time: " + exact_time(r.step_time_s);
  if (r.step_time_spread_s.second > r.step_time_spread_s.first)
    text += QString(" (p10 %1, p90 %2)")
                .arg(qs(sim::human_time(r.step_time_spread_s.first)), qs(sim::human_time(r.step_time_spread_s.second)));
  text += "\nthroughput: " + exact_rate(r.samples_per_s, "samples/s");
  if (r.tokens_per_s > 0) text += ", " + exact_rate(r.tokens_per_s, "tokens/s");
  text += "\nscaling efficiency: " + percent(r.scaling_efficiency) + ", MFU: " + percent(r.mfu);
  text += "\nforward: " + exact_time(r.breakdown.forward_s) + "\nbackward: " + exact_time(r.breakdown.backward_s) +
          "\nexposed communication: " + exact_time(r.breakdown.exposed_comm_s) +
          "\noptimizer: " + exact_time(r.breakdown.optimizer_s);
  if (r.breakdown.stragglers_s > 0) text += "\nwaiting for stragglers: " + exact_time(r.breakdown.stragglers_s);
  if (r.breakdown.interference_s > 0)
    text += "\ncompute slowed by overlapped communication: " + exact_time(r.breakdown.interference_s);
  text += QString("\ncollective: %1 (engine %2)").arg(qs(r.collective_algorithm), qs(r.engine));
  return text;
}

SweepResultsModel::SweepResultsModel(QObject* parent) : QAbstractTableModel(parent) {}

void SweepResultsModel::reset(std::vector<ResultRow> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

void SweepResultsModel::set_outcome(const PredictionOutcome& outcome) {
  if (outcome.index < 0 || outcome.index >= static_cast<int>(rows_.size())) return;
  ResultRow& row = rows_[static_cast<std::size_t>(outcome.index)];
  row.state = outcome.ok ? ResultRow::State::Done : ResultRow::State::Failed;
  row.record = outcome.record;
  row.error = outcome.error;
  Q_EMIT dataChanged(index(outcome.index, 0), index(outcome.index, ColumnCount - 1));
}

std::vector<std::string> SweepResultsModel::series() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& row : rows_)
    if (seen.insert(row.series).second) out.push_back(row.series);
  return out;
}

int SweepResultsModel::finished_rows() const {
  int n = 0;
  for (const auto& row : rows_) n += row.state != ResultRow::State::Pending;
  return n;
}

int SweepResultsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SweepResultsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant SweepResultsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const ResultRow& row = rows_[static_cast<std::size_t>(index.row())];
  const auto& r = row.record;
  const int column = index.column();
  const bool done = row.state == ResultRow::State::Done;
  const bool stepped = done && r.feasible;  // step figures exist

  if (role == Qt::ToolTipRole) return record_tooltip(row);
  if (role == Qt::TextAlignmentRole)
    return QVariant::fromValue(
        Qt::Alignment(kColumns[column].numeric ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter));
  if (role == Qt::ForegroundRole && column == Status) {
    if (row.state == ResultRow::State::Failed || (done && !r.feasible)) return QBrush(error_color());
    return {};
  }
  if (role != Qt::DisplayRole && role != RawRole) return {};
  const bool raw = role == RawRole;
  auto time = [&](double s) -> QVariant { return raw ? QVariant(s) : QVariant(qs(sim::human_time(s))); };
  auto bytes = [&](double b) -> QVariant { return raw ? QVariant(b) : QVariant(qs(sim::human_bytes(b))); };
  switch (column) {
    case Point:
      return qs(row.point.empty() && !raw ? std::string("(one configuration)") : row.point);
    case Gpus:
      return row.gpus;
    case Nodes:
      return row.nodes;
    case MicroBatch:
      return done ? QVariant(static_cast<qlonglong>(r.micro_batch)) : QVariant();
    case GlobalBatch:
      return done ? QVariant(static_cast<qlonglong>(r.global_batch)) : QVariant();
    case StepTime:
      // Not a blank that reads as zero; in CSV (the raw figure) an empty cell, as dpcast predict --csv.
      if (done && !r.feasible) return raw ? QVariant(QString()) : QVariant(tr("out of memory"));
      return stepped ? time(r.step_time_s) : QVariant();
    case SamplesPerS:
      return stepped ? (raw ? QVariant(r.samples_per_s) : QVariant(rate(r.samples_per_s))) : QVariant();
    case TokensPerS:
      return stepped && r.tokens_per_s > 0 ? (raw ? QVariant(r.tokens_per_s) : QVariant(rate(r.tokens_per_s)))
                                           : QVariant();
    case Scaling:
      return stepped ? (raw ? QVariant(r.scaling_efficiency) : QVariant(percent(r.scaling_efficiency))) : QVariant();
    case Mfu:
      return stepped ? (raw ? QVariant(r.mfu) : QVariant(percent(r.mfu))) : QVariant();
    case Forward:
      return stepped ? time(r.breakdown.forward_s) : QVariant();
    case Backward:
      return stepped ? time(r.breakdown.backward_s) : QVariant();
    case ExposedComm:
      return stepped ? time(r.breakdown.exposed_comm_s) : QVariant();
    case Optimizer:
      return stepped ? time(r.breakdown.optimizer_s) : QVariant();
    case Memory:
      return done ? bytes(r.memory.total_bytes) : QVariant();
    case Capacity:
      return done ? bytes(r.memory.capacity_bytes) : QVariant();
    case Collective:
      return stepped ? qs(r.collective_algorithm) : QVariant();
    case Engine:
      return done ? qs(r.engine) : QVariant();
    case Status:
      return qs(status_text(row));
    default:
      return {};
  }
}

QVariant SweepResultsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  return column_header(kColumns, ColumnCount, section, orientation, role);
}

}  // namespace dpcast::gui
