#pragma once
// Predicting configurations as `dpcast predict` does: the same engines, one model graph per
// model and sequence length. The dashboard has no prediction logic of its own.
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/predictor.hpp"

namespace dpcast::gui {

enum class Engine { Analytical, Des };
[[nodiscard]] std::string_view to_string(Engine engine);
/// Whether this build has the discrete-event engine (SimGrid).
[[nodiscard]] bool des_available();
/// The engines this build has, analytical first.
[[nodiscard]] std::vector<Engine> available_engines();

/// One configuration's prediction, or the error that stopped it (dpcast::Error::what()).
struct PredictionOutcome {
  int index = 0;  // the configuration's place in its sweep
  bool ok = false;
  models::RunRecord record;
  std::string error;
};

class Predictor {
 public:
  /// Predicts one step of `scenario`. Throws dpcast::Error as `dpcast predict` would, a model
  /// that cannot be built for this configuration being reported at the scenario's model key.
  [[nodiscard]] models::RunRecord predict(const models::Scenario& scenario, Engine engine, bool details);
  /// The same, with any error caught into the outcome.
  [[nodiscard]] PredictionOutcome outcome(const models::Scenario& scenario, Engine engine, bool details, int index);

 private:
  sim::Predictor predictor_;
};

}  // namespace dpcast::gui
