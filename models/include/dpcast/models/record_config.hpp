#pragma once
// The configuration half of a RunRecord (scenario, model, cluster, training and data-parallel
// settings), filled the same way by every engine, predicted or measured, so that `compare`
// can pair a prediction with the measurement of the same configuration.
#include <string>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

/// "fat-tree ib-ndr 1:1", "single-switch eth-10g": topology, link and oversubscription.
[[nodiscard]] std::string network_label(const Scenario& scenario);

/// A record whose configuration fields describe `scenario` with `graph` (figures left empty);
/// with the scenario written out as YAML (tens of microseconds: large sweeps skip it).
[[nodiscard]] RunRecord configured_record(const Scenario& scenario, const ModelGraph& graph,
                                          bool with_scenario_yaml = true);

}  // namespace dpcast::models
