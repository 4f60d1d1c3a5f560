#pragma once
// A measured run record from figures a user measured elsewhere (their own PyTorch run, a
// cluster's logs): the configuration from the scenario, the figures as given. `dpcast record`
// writes one; `dpcast compare` reads CSV rows of (scenario, step time[, p10, p90]) through it.
#include <optional>
#include <string>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// What was measured, in seconds; every figure but the step time is optional.
struct MeasuredFigures {
  double step_time_s = 0;
  std::optional<double> p10_s, p90_s;  // both or neither
  std::optional<double> forward_s, backward_s, exposed_comm_s;
  std::string engine = "external";  // what measured it: "pytorch", "megatron", ...
};

/// The record of `figures` measured on `scenario` (one configuration). Throws dpcast::Error
/// (key: the figure) for a step time that is not positive and finite, a p10 or p90 without the
/// other, or p10 > step time > p90.
[[nodiscard]] models::RunRecord measured_record(const models::Scenario& scenario, const MeasuredFigures& figures);

}  // namespace dpcast::sim
