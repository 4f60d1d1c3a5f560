// dpcast compare: predicted against measured run records of the same configurations.
#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::cli {

// Predicted against measured records of the same configurations; exit status 1 when a
// pair's error or the MAPE is above its tolerance.
int cmd_compare(const std::vector<std::string>& files, bool json, bool csv, bool layers, double tolerance,
                double max_mape, const std::string& output) {
  std::vector<models::RunRecord> records;
  for (const auto& f : files) {
    auto more = sim::load_records(f);
    records.insert(records.end(), more.begin(), more.end());
  }
  const auto comparison = sim::compare_records(records);
  if (comparison.pairs.empty())
    throw Error("dpcast compare: no predicted and measured records of the same configuration among " +
                std::to_string(records.size()) + " records" +
                (comparison.unpaired.empty() ? "" : " (" + comparison.unpaired.front() + ")"));
  emit(json ? sim::comparison_json(comparison) : csv ? sim::comparison_csv(comparison)
                                                     : sim::comparison_table(comparison, layers),
       output);
  bool over = false;
  if (tolerance >= 0)
    for (const auto& p : comparison.pairs)
      if (std::abs(p.error()) * 100 > tolerance) {
        std::cerr << "dpcast compare: " << p.measured.model << " on " << p.measured.gpus << " GPUs, micro-batch "
                  << p.measured.micro_batch << " (" << p.predicted.engine << "): error "
                  << sim::fixed(100 * p.error(), 1) << "% is beyond the tolerance of " << sim::fixed(tolerance, 1) << "%\n";
        over = true;
      }
  if (max_mape >= 0 && comparison.mape() * 100 > max_mape) {
    std::cerr << "dpcast compare: MAPE " << sim::fixed(100 * comparison.mape(), 1) << "% is beyond " << sim::fixed(max_mape, 1)
              << "%\n";
    over = true;
  }
  return over ? 1 : 0;
}

}  // namespace dpcast::cli
