#pragma once
// dpcast validate's output: every case (published, predicted, error, fast or slow), then
// per data set n, MAPE, median and worst error, the sign bias, leave-one-source-out and
// the CI bound. Table, JSON and CSV.
#include <string>

#include "dpcast/models/validation_corpus.hpp"
#include "dpcast/sim/validation.hpp"

namespace dpcast::sim {

/// The per-case table (unless `summary_only`), then the per-data-set table and the corpus line.
[[nodiscard]] std::string validation_table(const Validation& v, const models::Bounds* bounds,
                                           bool summary_only = false);
[[nodiscard]] std::string validation_json(const Validation& v, const models::Bounds* bounds);
/// One row per case.
[[nodiscard]] std::string validation_csv(const Validation& v);

}  // namespace dpcast::sim
