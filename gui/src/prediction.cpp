#include "dpcast/gui/prediction.hpp"

#include "dpcast/models/error.hpp"

namespace dpcast::gui {

std::string_view to_string(Engine engine) {
  return engine == Engine::Des ? "des" : "analytical";
}

bool des_available() {
#ifdef DPCAST_HAVE_DES
  return true;
#else
  return false;
#endif
}

std::vector<Engine> available_engines() {
  if (des_available()) return {Engine::Analytical, Engine::Des};
  return {Engine::Analytical};
}

models::RunRecord Predictor::predict(const models::Scenario& scenario, Engine engine, bool details) {
  return predictor_.predict(scenario, engine == Engine::Des ? sim::Engine::Des : sim::Engine::Analytical,
                            sim::PredictOptions(details));
}

PredictionOutcome Predictor::outcome(const models::Scenario& scenario, Engine engine, bool details, int index) {
  PredictionOutcome out;
  out.index = index;
  try {
    out.record = predict(scenario, engine, details);
    out.ok = true;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace dpcast::gui
