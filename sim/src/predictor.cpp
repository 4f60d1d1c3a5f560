#include "dpcast/sim/predictor.hpp"

#include "dpcast/models/error.hpp"
#include "dpcast/sim/provenance.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

namespace dpcast::sim {

std::string beyond_the_des(const models::Scenario& s) {
  const int gpus = s.cluster.gpus();
  if (gpus > kDesMaxGpus)
    return std::to_string(gpus) + " GPUs are more than the " + std::to_string(kDesMaxGpus) +
           " the DES plays in bounded time";
  const auto& dp = s.data_parallel;
  const int servers = dp.ps_servers > 0 ? dp.ps_servers : s.cluster.nodes;  // default: one per node
  if (dp.collective == models::Collective::ParameterServer &&
      static_cast<double>(gpus) * servers > static_cast<double>(kDesMaxServerFlows))
    return std::to_string(gpus) + " GPUs x " + std::to_string(servers) + " parameter servers are more than the " +
           std::to_string(kDesMaxServerFlows) + " GPU-server pairs the DES plays in bounded time";
  return "";
}

models::RunRecord Predictor::predict(const models::Scenario& s, Engine engine, const PredictOptions& options) {
  if (engine == Engine::Des) {
    if (const std::string why = beyond_the_des(s); !why.empty()) {
      const std::string key = s.cluster.gpus() > kDesMaxGpus ? "cluster.nodes" : "data_parallel.ps_servers";
      throw Error(s.where(key), key, "the DES: " + why + "; predict it with --engine analytical");
    }
  }
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
