#include "dpcast/gui/prediction.hpp"

#include "dpcast/models/error.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

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
  const models::ModelGraph* graph = nullptr;
  try {
    graph = &cache_.get(scenario);
  } catch (const Error& e) {
    // As dpcast predict: a model that cannot be built here is reported at the model key.
    if (e.where().file.empty()) throw Error(scenario.where("model"), "model", e.detail());
    throw;
  }
#ifdef DPCAST_HAVE_DES
  if (engine == Engine::Des) return sim::DesEngine{}.predict(scenario, *graph, sim::PredictOptions(details));
#else
  if (engine == Engine::Des) throw Error("des: not available in this build (needs SimGrid)");
#endif
  return sim::AnalyticalEngine{}.predict(scenario, *graph, sim::PredictOptions(details));
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
