#pragma once
// Predicted against measured: pairs run records of the same configuration and reports
// the error of every prediction, where the time goes on both sides, and the mean absolute
// percentage error (MAPE) over all pairs.
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"

namespace dpcast::sim {

/// The configuration a record describes, as a key: model, hardware, network, GPUs, batch,
/// sequence length, accumulation, precision, optimizer, ZeRO stage and bucket size.
[[nodiscard]] std::string configuration_key(const models::RunRecord& record);

struct ComparedPair {
  models::RunRecord predicted;
  models::RunRecord measured;
  [[nodiscard]] double error() const;  // (predicted - measured) / measured step time
};

struct Comparison {
  std::vector<ComparedPair> pairs;     // in the order the measured records came
  std::vector<std::string> unpaired;   // "measured mlp on 2 GPUs, ...: no prediction", one per record
  [[nodiscard]] double mape() const;   // mean |error| over the pairs, as a fraction
  [[nodiscard]] double worst() const;  // largest |error|
};

/// Pairs every measured record with every predicted record of the same configuration (one
/// pair per prediction engine). Infeasible records are left out.
[[nodiscard]] Comparison compare_records(const std::vector<models::RunRecord>& records);

/// Records from a file holding one record or an array of them (dpcast predict --json,
/// dpcast-train). Throws dpcast::Error naming the file (and the record's index and key).
[[nodiscard]] std::vector<models::RunRecord> load_records(const std::string& path);

/// The table: configuration, engine, predicted and measured step time (with the measured
/// p10-p90), error, and predicted / measured forward, backward and exposed communication;
/// then the MAPE. With `layers`, each pair's layers follow, the slowest measured first.
[[nodiscard]] std::string comparison_table(const Comparison& comparison, bool layers = false);
[[nodiscard]] std::string comparison_json(const Comparison& comparison);
[[nodiscard]] std::string comparison_csv(const Comparison& comparison);

}  // namespace dpcast::sim
