#pragma once
// One prediction with either engine, each model graph built once: what dpcast predict,
// dpcast compare --predict and the dashboard share. A model that cannot be built for a
// configuration is reported at the scenario's `model` key.
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/analytical.hpp"

namespace dpcast::sim {

enum class Engine { Analytical, Des };

class Predictor {
 public:
  /// Throws dpcast::Error (also when the DES is asked for and this build has no SimGrid).
  [[nodiscard]] models::RunRecord predict(const models::Scenario& scenario, Engine engine,
                                          const PredictOptions& options = {});

 private:
  ModelCache cache_;
};

}  // namespace dpcast::sim
