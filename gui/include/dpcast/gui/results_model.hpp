#pragma once
// A sweep's results as a table: one row per configuration, in sweep order, filled in as the
// worker predicts them. Display text is human ("13.1 ms"); RawRole gives SI values and
// CsvHeaderRole the column names `dpcast predict --csv` uses.
#include <QAbstractTableModel>

#include <string>
#include <vector>

#include "dpcast/gui/prediction.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::gui {

/// One configuration of a sweep and what became of it.
struct ResultRow {
  enum class State { Pending, Done, Failed };
  int index = 0;
  std::string point;   // the whole sweep point: "nodes 2, micro_batch 8" ("" without a sweep)
  std::string series;  // the sweep point without node and GPU counts: the chart series it belongs to
  int nodes = 0;
  int gpus = 0;
  State state = State::Pending;
  models::RunRecord record;  // when Done
  std::string error;         // when Failed: the CLI's message
};

/// A pending row for configuration `index` of a sweep.
[[nodiscard]] ResultRow pending_row(const models::Scenario& configuration, int index);
/// Tooltip text for a predicted configuration: every figure, human and exact.
[[nodiscard]] QString record_tooltip(const ResultRow& row);

class SweepResultsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Point,
    Gpus,
    Nodes,
    MicroBatch,
    GlobalBatch,
    StepTime,
    SamplesPerS,
    TokensPerS,
    Scaling,
    Mfu,
    Forward,
    Backward,
    ExposedComm,
    Optimizer,
    Memory,
    Capacity,
    Collective,
    Engine,
    Status,
    ColumnCount
  };

  explicit SweepResultsModel(QObject* parent = nullptr);

  /// Replaces every row (a new sweep: all pending).
  void reset(std::vector<ResultRow> rows);
  /// Fills a row with its prediction or its error.
  void set_outcome(const PredictionOutcome& outcome);

  [[nodiscard]] const std::vector<ResultRow>& rows() const { return rows_; }
  /// Series labels in order of first appearance ("" when the sweep has only GPU counts).
  [[nodiscard]] std::vector<std::string> series() const;
  /// Rows predicted so far (Done or Failed).
  [[nodiscard]] int finished_rows() const;

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                    int role = Qt::DisplayRole) const override;

 private:
  std::vector<ResultRow> rows_;
};

}  // namespace dpcast::gui
