#pragma once
// The actors that play training steps on the DES platform, written as SimGrid's S4U examples
// write actors: a class per actor, run by its operator(). The compute actor runs forward and
// backward layer by layer and hands each bucket to communication when backward completes it;
// one communication actor plays the collectives in order on one stream: the gradient stream
// (ZeRO 0 to 2), or the ZeRO-3 stream, which also gathers every bucket's parameters before its
// forward and its backward. Internal to the DES.
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#include "collective_player.hpp"
#include "dpcast/models/model_graph.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "dpcast/sim/interference.hpp"
#include "platform.hpp"

namespace dpcast::sim::des {

/// One collective as a step plays it.
struct CollectiveCall {
  double bytes = 0;
  CollectiveChoice choice;
  Interference takes;  // from the layers it overlaps
};

/// What the simulated steps play, fixed before the simulation starts.
struct StepPlan {
  int steps = 1;                 // steps sampled (several with compute noise)
  std::int64_t micro_steps = 1;  // gradient accumulation
  int zero_stage = 0;
  bool overlap = true;                 // each bucket's collective starts as soon as backward completes it
  bool communicate = true;             // more than one GPU
  bool zero3 = false;                  // ZeRO-3 with more than one GPU: parameters gathered per bucket
  std::vector<models::LayerId> order;  // forward order
  std::vector<PassTime> times;         // per layer, on the mean rank
  std::vector<bool> matrix;            // per layer: a matrix layer (which share a collective takes)
  CollectiveOp gradient_op = CollectiveOp::AllReduce;
  std::vector<CollectiveCall> gradients;  // per bucket: its gradient collective
  std::vector<int> bucket_of;             // per layer: the bucket it completes, or -1
  double optimizer_s = 0;
  std::optional<CollectiveCall> parameter_gather;  // ZeRO-1/2: the updated parameters, after the optimizer
  std::vector<CollectiveCall> bucket_gathers;      // ZeRO-3: per bucket, its parameters
  std::vector<int> bucket_needed;                  // ZeRO-3: per layer, the bucket it needs gathered, or -1
  // Micro-steps 2 to n-2 repeat micro-step 1 exactly (the same work, begun from the same
  // state: every stream idle, or ZeRO-3's first gathers starting with it), so only
  // micro-steps 0, 1 and the last are played, and the clock moves on over the others: the
  // DES costs the same at any accumulation. Off, every micro-step is played.
  bool skip_repeats = true;
  [[nodiscard]] std::int64_t played_micro_steps() const { return skip_repeats && micro_steps > 3 ? 3 : micro_steps; }
  [[nodiscard]] std::int64_t skipped_micro_steps() const { return micro_steps - played_micro_steps(); }
};

/// One simulated step. Times of the last micro-step are from the start of its backward.
struct Timeline {
  double backward_end = 0;   // last micro-step, from its start of backward
  double last_comm_end = 0;  // same origin
  double comm_total = 0;
  double step = 0;
  double factor = 1;                      // the slowest rank's compute factor this step
  double slowed = 0;                      // compute slowed by the collectives it overlapped
  std::vector<double> ready, start, end;  // per bucket
  // Simulated clock readings: where the step, its last micro-step and that one's backward
  // start; ZeRO-3's gathers of the last micro-step (per bucket: forward, backward); ZeRO-1/2's
  // gather after the optimizer.
  double step_start = 0, last_micro_start = 0, last_backward_start = 0;
  std::vector<double> gather_start, gather_end;
  double final_gather_start = 0, final_gather_end = 0;
};

/// What the actors of one simulation share: the plan, the player of collectives, the
/// semaphores by which compute and communication wait for each other, and the timelines.
struct StepState {
  /// Needs a live simgrid::s4u::Engine (it creates semaphores).
  StepState(const StepPlan& step_plan, CollectivePlayer& collective_player, std::vector<Timeline>& step_timelines);

  const StepPlan& plan;
  CollectivePlayer& player;
  std::vector<Timeline>& timelines;             // per step
  std::vector<double> backward_start;           // per step: the simulated clock at its latest backward's start
  simgrid::s4u::SemaphorePtr gradients_ready;   // one release per bucket whose gradients are ready
  simgrid::s4u::SemaphorePtr collectives_done;  // one release per synchronisation played
  simgrid::s4u::SemaphorePtr repeats_skipped;   // ZeRO-3: compute has moved the clock over the repeats
  std::vector<simgrid::s4u::SemaphorePtr> forward_gathered, backward_gathered;  // ZeRO-3, per bucket
  // While a collective plays: an execution of its own on the GPU host, which takes its share
  // of the layer computing beside it (interference.hpp); null between collectives.
  simgrid::s4u::ExecPtr collective_load;
  Interference collective_takes;
  bool computing_matrix = true;  // the kind of the layer computing now
};

/// Forward and backward layer by layer, then the optimizer (and with ZeRO-1/2 the gather of
/// the updated parameters). Ranks are symmetric, so this one actor stands for all of them,
/// slowed by the step's slowest rank.
class ComputeActor {
 public:
  explicit ComputeActor(StepState& state) : state_(&state) {}
  void operator()();

 private:
  void play_step(int step);
  void forward(Timeline& t);
  void backward(int step, Timeline& t, bool sync);
  struct Mark {  // the clock and the step's costs so far, at the start of a micro-step
    double clock, comm_total, slowed;
  };
  void skip_repeats(const Mark& micro_step_1, Timeline& t);
  void wait_for_parameters(models::LayerId id, std::vector<simgrid::s4u::SemaphorePtr>& gathered);

  StepState* state_;
  std::vector<bool> have_;  // ZeRO-3: per bucket, whether this pass has its parameters yet
};

/// ZeRO 0 to 2: every bucket's gradient collective, in order, once each is ready; ZeRO-2
/// on every micro-step, else on the last.
class GradientStream {
 public:
  explicit GradientStream(StepState& state) : state_(&state) {}
  void operator()();

 private:
  StepState* state_;
};

/// ZeRO-3: parameters live sharded. Every micro-step, each bucket's are all-gathered before
/// its forward and again before its backward, and its gradients reduce-scattered after, on
/// the one stream: forward gathers in forward order, then AG0, AG1, RS0, AG2, RS1, ... (one
/// gather ahead of the reduce-scatters).
class Zero3Stream {
 public:
  explicit Zero3Stream(StepState& state) : state_(&state) {}
  void operator()();

 private:
  void gather(Timeline& t, std::size_t bucket, bool backward);

  StepState* state_;
};

}  // namespace dpcast::sim::des
