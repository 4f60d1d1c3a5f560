#pragma once
// Predicted against measured (sim::compare_records) as a table: one row per pair, with the
// error and where the time goes on both sides, as `dpcast compare` prints it.
#include <QAbstractTableModel>

#include "dpcast/sim/compare.hpp"

namespace dpcast::gui {

class ComparisonModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Configuration,
    Gpus,
    Engine,
    Predicted,
    Measured,
    MeasuredP10,
    MeasuredP90,
    Error,
    PredictedForward,
    MeasuredForward,
    PredictedBackward,
    MeasuredBackward,
    PredictedExposed,
    MeasuredExposed,
    ColumnCount
  };

  explicit ComparisonModel(QObject* parent = nullptr);

  void set_comparison(sim::Comparison comparison);
  [[nodiscard]] const sim::Comparison& comparison() const { return comparison_; }

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                    int role = Qt::DisplayRole) const override;

 private:
  sim::Comparison comparison_;
};

/// "mlp on 2 cpu-core, micro-batch 32": the configuration of a record, briefly.
[[nodiscard]] QString record_configuration(const models::RunRecord& record);

}  // namespace dpcast::gui
