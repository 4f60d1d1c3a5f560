#pragma once
// The plan's Pareto front as a table: one row per front point, fastest first, as
// sim::make_plan returns it. Display text is human ("41.3 h", "$17,234"); RawRole gives SI
// values and CsvHeaderRole the column names of `dpcast plan --csv`, so the table saved as CSV
// is that command's output plus one column, meets_constraints.
#include <QAbstractTableModel>

#include <optional>

#include "dpcast/gui/plan.hpp"

namespace dpcast::gui {

class PlanFrontModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Recommended,
    Gpus,
    Node,
    Gpu,
    Network,
    MicroBatch,
    GradAccumulation,
    ZeroStage,
    GlobalBatch,
    StepTime,
    DesStepTime,
    Steps,
    TimeToTrain,
    Cost,
    Mfu,
    ExposedComm,
    Constraints,
    ColumnCount
  };

  explicit PlanFrontModel(QObject* parent = nullptr);

  /// Shows a plan's front (a failed plan, or none: no rows).
  void set_outcome(std::optional<PlanOutcome> outcome);
  [[nodiscard]] const std::optional<PlanOutcome>& outcome() const { return outcome_; }
  /// The row of the recommended point, or -1.
  [[nodiscard]] int recommended_row() const;

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                    int role = Qt::DisplayRole) const override;

 private:
  std::optional<PlanOutcome> outcome_;
};

}  // namespace dpcast::gui
