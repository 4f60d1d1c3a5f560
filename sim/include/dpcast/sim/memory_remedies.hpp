#pragma once
// What would make a configuration that does not fit in memory fit: each change a user can
// make in the scenario alone, with the memory per GPU it would need (issue 18: eager attention
// is the default, and a trap for Llama at 4k context).
#include <string>

#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// "with training.attention: flash it needs 52.1 GiB (fits); with data_parallel.zero_stage: 3,
/// 61.0 GiB (fits); with training.activation_checkpointing: true, 84.2 GiB (still too much)";
/// empty when no such change applies.
[[nodiscard]] std::string memory_remedies(const models::Scenario& scenario);

}  // namespace dpcast::sim
