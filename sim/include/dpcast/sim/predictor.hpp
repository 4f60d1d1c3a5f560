#pragma once
// One prediction with either engine, each model graph built once: what dpcast predict,
// dpcast compare --predict and the dashboard share. A model that cannot be built for a
// configuration is reported at the scenario's `model` key.
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/analytical.hpp"

namespace dpcast::sim {

enum class Engine { Analytical, Des };

/// The size the DES plays in bounded time: its cost grows faster than the GPUs (gpt2-small on
/// 1,024 DGX H100 nodes: 3 s; on 4,096: 82 s), not with the micro-steps (it plays three and
/// skips the repeats: step_actors.hpp). The analytical engine's cost grows with neither.
inline constexpr int kDesMaxGpus = 8192;
/// A parameter server's exchange is a flow per GPU and server, all at once, which SimGrid's
/// sharing solves in about quadratic time (16 GPUs x 200 servers: 1 s; x 400: 3.7 s; x 1,000:
/// over a minute).
inline constexpr int kDesMaxServerFlows = 4096;
/// Why the DES does not play `scenario` ("8000000 GPUs is more than the 8192 ..."), or "".
[[nodiscard]] std::string beyond_the_des(const models::Scenario& scenario);

class Predictor {
 public:
  /// Throws dpcast::Error (also when the DES is asked for and this build has no SimGrid).
  [[nodiscard]] models::RunRecord predict(const models::Scenario& scenario, Engine engine,
                                          const PredictOptions& options = {});

 private:
  ModelCache cache_;
};

}  // namespace dpcast::sim
