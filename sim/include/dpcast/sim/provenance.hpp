#pragma once
// Where a prediction's numbers come from, in one sentence a user can weigh: the catalogue
// defaults, with the validated MAPE of the published data set nearest to the configuration
// (scenarios/validation/bounds*.yaml), or a calibrated profile and the error compare measured
// with it. Table footers, the record's `provenance` field and the GUI's status line say it.
#include <string>

#include "dpcast/models/profile.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/validation_corpus.hpp"

namespace dpcast::sim {

/// The data set of `bounds` nearest to a training scenario: the same workload (transformer,
/// CNN, MLP); then the node range nearest the scenario's node count (holding it, or the fewest
/// doublings away: a one-node data set says little about traffic between nodes); then the same
/// GPU; then more cases. Null when no data set has that workload.
[[nodiscard]] const models::DataSetBound* nearest_data_set(const models::Scenario& scenario,
                                                           const models::Bounds& bounds);

/// The sentence, with `bounds` (null: none could be read) and `profile` (null: catalogue defaults).
[[nodiscard]] std::string provenance(const models::Scenario& scenario, const models::Profile* profile,
                                     const models::Bounds* bounds);
/// The same with the corpus's bounds for `engine` ("analytical" or "des"), each file read once
/// (models::default_validation_dir()).
[[nodiscard]] std::string provenance(const models::Scenario& scenario, const models::Profile* profile,
                                     const std::string& engine);

}  // namespace dpcast::sim
