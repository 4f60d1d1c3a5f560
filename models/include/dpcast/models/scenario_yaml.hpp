#pragma once
// One configuration written back as a scenario file, so that a record, a GUI's saved
// scenario or a planner's chosen point can be read again anywhere: no sweep, every key
// explicit, the model inline (its zoo name when unchanged, else a template or a layer list).
#include <string>

#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

/// YAML that parse_scenarios reads back to the same configuration (same model graph,
/// cluster, training and data-parallel settings; sweep_point and locations are not kept).
[[nodiscard]] std::string scenario_yaml(const Scenario& scenario);

}  // namespace dpcast::models
