#pragma once
// Run records as people and programs read them: a table, CSV with unit-carrying
// snake_case columns, or JSON.
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"

namespace dpcast::sim {

/// The table; for a single configuration followed by explain().
[[nodiscard]] std::string predict_table(const std::vector<models::RunRecord>& records);
/// Where one step's time goes, which collective and why, and the costliest layers.
[[nodiscard]] std::string explain(const models::RunRecord& record);
[[nodiscard]] std::string predict_csv(const std::vector<models::RunRecord>& records);
[[nodiscard]] std::string records_json(const std::vector<models::RunRecord>& records, bool details);
[[nodiscard]] std::string memory_table(const std::vector<models::RunRecord>& records);
/// "needs 95.3 GiB of 79.6 GiB (parameters ..., ...)": why a configuration does not fit.
[[nodiscard]] std::string out_of_memory_text(const models::RunRecord& record);

}  // namespace dpcast::sim
