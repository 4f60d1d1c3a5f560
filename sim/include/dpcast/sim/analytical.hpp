#pragma once
// The analytical predictor: one training step from closed forms, in microseconds.
//
// Per micro-step, forward then backward run layer by layer (roofline times). Gradients
// fill buckets in gradient-ready order; with overlap each bucket's collective starts when
// its last gradient is ready and the previous collective is done (one communication
// stream, as NCCL serialises collectives on one communicator); without overlap they all
// start after backward. Exposed communication = end of the last collective - end of
// backward. With gradient accumulation the collectives run on the last micro-step only
// (ZeRO-2/3, whose gradients are sharded, reduce-scatter on every micro-step). Then the
// optimizer streams its state through memory; ZeRO-1/2 all-gather the updated parameters
// after it; ZeRO-3 all-gathers each bucket's parameters before its forward and backward,
// prefetching one bucket ahead. Activation checkpointing adds each block's forward to its
// backward (recomputation) and keeps only block inputs (see memory_model.hpp).
// Scaling efficiency = (compute + optimizer of one GPU, no communication) / step time.
#include <map>
#include <memory>
#include <string>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct PredictOptions {
  PredictOptions() = default;
  PredictOptions(bool with_details, bool play_everything = false, models::NetworkModelSettings network_model = {})
      : details(with_details), full_fidelity(play_everything), network(std::move(network_model)) {}
  bool details = true;         // per-layer and per-bucket entries in the record
  bool full_fidelity = false;  // DES: play every step of every collective (for checking the shortcuts)
  // DES: play every micro-step of gradient accumulation, instead of micro-steps 0, 1 and the
  // last with those between taken as copies of micro-step 1 (for checking that shortcut).
  bool every_micro_step = false;
  // Time a configuration even where the memory model says it does not fit (feasible stays
  // false): dpcast validate sets it, since the published run did fit. The analytical engine
  // always times it; the DES otherwise stops at the memory check.
  bool time_out_of_memory = false;
  models::NetworkModelSettings network;  // DES: SimGrid's network model (a profile may change it)
};

class AnalyticalEngine {
 public:
  /// Predicts one step. An infeasible configuration (out of memory) comes back with
  /// feasible = false, its memory breakdown and the largest micro-batch that fits.
  [[nodiscard]] models::RunRecord predict(const models::Scenario& scenario, const models::ModelGraph& graph,
                                          const PredictOptions& options = {}) const;
};

/// Builds each model graph once per (model, sequence length).
class ModelCache {
 public:
  const models::ModelGraph& get(const models::Scenario& scenario);

 private:
  std::map<std::string, std::unique_ptr<models::ModelGraph>> graphs_;
};

}  // namespace dpcast::sim
