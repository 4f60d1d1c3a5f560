#pragma once
// Measurements as a CSV table, one row per run, for `dpcast compare`:
//
//   scenario,step_time_s,p10_s,p90_s
//   llama-7b.yaml,1.84,1.80,1.90
//
// Columns: scenario (a path, relative to the CSV's folder) and step_time_s are required;
// point (the configuration of a sweep, 1 = the first), p10_s and p90_s (together), forward_s,
// backward_s, exposed_comm_s and engine (what measured it) are optional, and an empty cell is
// an absent figure. Lines starting with # are comments. No quoting: a cell holds no comma.
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"

namespace dpcast::sim {

/// The measured records of the CSV file's rows (measured_record.hpp). Throws dpcast::Error
/// naming the file, the line and the column.
[[nodiscard]] std::vector<models::RunRecord> load_measurements_csv(const std::string& path);

}  // namespace dpcast::sim
