#include "dpcast/sim/predictor.hpp"

#include "dpcast/models/error.hpp"
#include "dpcast/sim/provenance.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

namespace dpcast::sim {

models::RunRecord Predictor::predict(const models::Scenario& s, Engine engine, const PredictOptions& options) {
  const models::ModelGraph* graph = nullptr;
  try {
    graph = &cache_.get(s);
  } catch (const Error& e) {
    // A model that cannot be built for this configuration: point at the model key.
    if (e.where().file.empty()) throw Error(s.where("model"), "model", e.detail());
    throw;
  }
  models::RunRecord r;
  if (engine == Engine::Des) {
#ifdef DPCAST_HAVE_DES
    r = DesEngine{}.predict(s, *graph, options);
#else
    throw Error("des: not available in this build (needs SimGrid)");
#endif
  } else {
    r = AnalyticalEngine{}.predict(s, *graph, options);
  }
  r.provenance = provenance(s, nullptr, r.engine);  // a caller that applied a calibrated profile says so instead
  return r;
}

}  // namespace dpcast::sim
