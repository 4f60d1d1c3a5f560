#pragma once
// The discrete-event engine on SimGrid 3.32 (S4U). One training step is played on a
// platform built from the scenario's cluster: every GPU a host; inside a node each GPU's
// link (NVLink bundle, PCIe x16) into the node fabric and the node's NICs; between nodes a
// single switch, or a two- or three-level fat-tree (or rail-optimized units) whose leaf and
// pod uplinks carry the oversubscription. Flows share links under SimGrid's CM02 model with
// TCP-gamma 0 and no cross-traffic (LV08's latency x13.01 and bandwidth x0.97 and the gamma
// window would distort it), unless a calibrated profile chooses otherwise (PredictOptions).
//
// Compute: one actor runs forward and backward layer by layer (roofline times, the same
// compute model as the analytical engine; ranks are symmetric, so one represents all);
// when backward completes a bucket it releases it to the communication actor, which plays
// the bucket's collective as flows (see flow_schedule.hpp) on one stream, overlapped with
// the rest of backward. Then the optimizer, and for ZeRO-1/2 the parameter all-gather;
// ZeRO-2 reduce-scatters on every micro-step; ZeRO-3 gathers each bucket's parameters
// before its forward and backward (one bucket ahead) and compute waits for them. With
// compute noise every step waits for its slowest rank; `steps` steps are sampled.
//
// SimGrid holds one simulation per process, so each configuration runs in a child process.
#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/collectives.hpp"

namespace dpcast::sim {

class DesEngine {
 public:
  /// The same RunRecord as the analytical engine, with engine "des" and simulated timings.
  /// Throws dpcast::Error for a platform it cannot build.
  [[nodiscard]] models::RunRecord predict(const models::Scenario& scenario, const models::ModelGraph& graph,
                                          const PredictOptions& options = {}) const;

  /// Simulated time of one collective of `bytes` on the scenario's cluster, alone on the network:
  /// an α-β algorithm by name, or a choice (choose_collective) such as NCCL's.
  [[nodiscard]] double collective_time(const models::Scenario& scenario, const CollectiveChoice& choice,
                                       CollectiveOp op, double bytes,
                                       const models::NetworkModelSettings& network = {}) const;
  [[nodiscard]] double collective_time(const models::Scenario& scenario, models::Collective algorithm, CollectiveOp op,
                                       double bytes, const models::NetworkModelSettings& network = {}) const {
    CollectiveChoice choice;
    choice.algorithm = algorithm;
    return collective_time(scenario, choice, op, bytes, network);
  }
};

}  // namespace dpcast::sim
