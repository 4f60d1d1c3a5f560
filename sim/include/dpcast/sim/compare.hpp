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

/// The whole configuration as the record's scenario writes it (every key that changes a
/// prediction: attention, checkpointing, collective, overlap, first bucket, ...), without
/// its name; empty for a record that carries no scenario.
[[nodiscard]] std::string configuration_text(const models::RunRecord& record);

/// Whether two records describe the same configuration: the same key, and the same
/// configuration text where both carry one.
[[nodiscard]] bool same_configuration(const models::RunRecord& a, const models::RunRecord& b);

struct ComparedPair {
  models::RunRecord predicted;
  models::RunRecord measured;
  std::string label;  // the configuration, with what tells it from other pairs' of the same model and GPUs
  [[nodiscard]] double error() const;  // (predicted - measured) / measured step time
};

struct Comparison {
  std::vector<ComparedPair> pairs;     // in the order the measured records came
  std::vector<std::string> unpaired;   // "measured mlp on 2 GPUs, ...: no prediction", one per record
  [[nodiscard]] double mape() const;   // mean |error| over the pairs, as a fraction
  [[nodiscard]] double worst() const;  // largest |error|
};

/// Pairs every measured record with the predicted record of the same configuration, one pair
/// per prediction engine. Infeasible records are left out. Throws dpcast::Error when a
/// measurement matches several predictions of one engine (listing them): which one it
/// measured cannot be told.
[[nodiscard]] Comparison compare_records(const std::vector<models::RunRecord>& records);

/// Records from a file holding one record or an array of them (dpcast predict --json,
/// dpcast-train, dpcast record), or measured records from a .csv of measurements
/// (measurements_csv.hpp). Throws dpcast::Error naming the file (and the record's index and key).
[[nodiscard]] std::vector<models::RunRecord> load_records(const std::string& path);

/// The table: configuration, engine, predicted and measured step time (with the measured
/// p10-p90), error, and predicted / measured forward, backward and exposed communication;
/// then the MAPE. With `layers`, each pair's layers follow, the slowest measured first.
[[nodiscard]] std::string comparison_table(const Comparison& comparison, bool layers = false);
[[nodiscard]] std::string comparison_json(const Comparison& comparison);
[[nodiscard]] std::string comparison_csv(const Comparison& comparison);

}  // namespace dpcast::sim
