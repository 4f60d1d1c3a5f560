// The DES step actors: compute, the gradient stream, the ZeRO-3 stream (see step_actors.hpp).
#include "step_actors.hpp"

namespace dpcast::sim::des {
namespace sg4 = simgrid::s4u;

namespace {

double now() {
  return sg4::Engine::get_clock();
}

// The priority of a collective's load against a layer's (1): the layer keeps 1 - share of
// the GPU host. A share of 0 still leaves the load a sliver, 1e-12 of the host.
double load_priority(double share) {
  return share > 0 ? share / (1 - share) : 1e-12;
}

// `seconds` of the mean rank's compute, on a rank `factor` times slower, slowed by the
// collective running beside it (what that costs goes into t.slowed).
void run(StepState& state, Timeline& t, double seconds, double factor, bool matrix) {
  if (!(seconds > 0)) return;
  state.computing_matrix = matrix;
  if (state.collective_load)
    state.collective_load->update_priority(load_priority(state.collective_takes.share(matrix)));
  const double begin = now();
  sg4::this_actor::execute(seconds * factor * kHostSpeed);
  t.slowed += (now() - begin) - seconds * factor;
}

// A collective played on this (the GPU's) host, with its load on the GPU while it plays.
void play_loading(StepState& state, const CollectiveCall& call, CollectiveOp op) {
  if (call.takes.any()) {
    state.collective_takes = call.takes;
    state.collective_load = sg4::this_actor::exec_init(1e30)
                                ->set_priority(load_priority(call.takes.share(state.computing_matrix)))
                                ->start();
  }
  state.player.play(call.choice, op, call.bytes);
  if (state.collective_load) {
    state.collective_load->cancel();
    state.collective_load = nullptr;
  }
}

// A bucket's gradient collective: waits for its gradients, plays it, records when.
void reduce_bucket(StepState& state, Timeline& t, int step, std::size_t k) {
  state.gradients_ready->acquire();
  t.start[k] = now() - state.backward_start[step];
  play_loading(state, state.plan.gradients[k], state.plan.gradient_op);
  t.end[k] = now() - state.backward_start[step];
  t.comm_total += t.end[k] - t.start[k];
}

// A parameter all-gather, its time counted in the step's communication; returns when it began.
double gather_parameters(StepState& state, Timeline& t, const CollectiveCall& gather) {
  const double begin = now();
  play_loading(state, gather, CollectiveOp::AllGather);
  t.comm_total += now() - begin;
  return begin;
}

}  // namespace

StepState::StepState(const StepPlan& step_plan, CollectivePlayer& collective_player,
                     std::vector<Timeline>& step_timelines)
    : plan(step_plan),
      player(collective_player),
      timelines(step_timelines),
      backward_start(static_cast<std::size_t>(step_plan.steps), 0),
      gradients_ready(sg4::Semaphore::create(0)),
      collectives_done(sg4::Semaphore::create(0)),
      repeats_skipped(sg4::Semaphore::create(0)) {
  if (!plan.zero3) return;
  for (std::size_t k = 0; k < plan.gradients.size(); ++k) {
    forward_gathered.push_back(sg4::Semaphore::create(0));
    backward_gathered.push_back(sg4::Semaphore::create(0));
  }
}

void ComputeActor::operator()() {
  for (int step = 0; step < state_->plan.steps; ++step) play_step(step);
}

void ComputeActor::play_step(int step) {
  const StepPlan& plan = state_->plan;
  auto& t = state_->timelines[static_cast<std::size_t>(step)];
  const double step_start = now();
  t.step_start = step_start;
  const std::int64_t played = plan.played_micro_steps();
  for (std::int64_t micro = 0; micro < played; ++micro) {
    const bool last = micro + 1 == played;
    const Mark start{now(), t.comm_total, t.slowed};
    t.last_micro_start = now();
    // ZeRO-2 and 3 keep only a shard of the gradients: they reduce-scatter every micro-step.
    const bool sync = last || plan.zero_stage >= 2;
    forward(t);
    backward(step, t, sync);
    if (sync && !last && plan.communicate) state_->collectives_done->acquire();
    if (micro == 1 && plan.skipped_micro_steps() > 0) skip_repeats(start, t);
  }
  t.backward_end = now() - state_->backward_start[step];
  t.last_backward_start = state_->backward_start[step];
  if (plan.communicate) state_->collectives_done->acquire();
  run(*state_, t, plan.optimizer_s, 1, false);
  if (plan.parameter_gather) {
    t.final_gather_start = gather_parameters(*state_, t, *plan.parameter_gather);
    t.final_gather_end = now();
  }
  t.step = now() - step_start;
}

// The micro-steps between 1 and the last take what micro-step 1 took, each.
void ComputeActor::skip_repeats(const Mark& micro_step_1, Timeline& t) {
  const auto repeats = static_cast<double>(state_->plan.skipped_micro_steps());
  const double comm = t.comm_total - micro_step_1.comm_total;
  const double slowed = t.slowed - micro_step_1.slowed;
  sg4::this_actor::sleep_for(repeats * (now() - micro_step_1.clock));
  t.comm_total += repeats * comm;
  t.slowed += repeats * slowed;
  if (state_->plan.zero3) state_->repeats_skipped->release();
}

void ComputeActor::forward(Timeline& t) {
  const StepPlan& plan = state_->plan;
  have_.assign(plan.zero3 ? plan.gradients.size() : 0, false);
  for (auto id : plan.order) {
    wait_for_parameters(id, state_->forward_gathered);
    run(*state_, t, plan.times[id].forward_s, t.factor, plan.matrix[id]);
  }
}

void ComputeActor::backward(int step, Timeline& t, bool sync) {
  const StepPlan& plan = state_->plan;
  state_->backward_start[step] = now();
  have_.assign(have_.size(), false);
  for (auto it = plan.order.rbegin(); it != plan.order.rend(); ++it) {
    wait_for_parameters(*it, state_->backward_gathered);
    run(*state_, t, plan.times[*it].backward_s, t.factor, plan.matrix[*it]);
    const int k = plan.bucket_of[*it];
    if (k >= 0 && sync) {
      t.ready[k] = now() - state_->backward_start[step];
      if (plan.overlap) state_->gradients_ready->release();
    }
  }
  if (sync && !plan.overlap)
    for (std::size_t k = 0; k < plan.gradients.size(); ++k) state_->gradients_ready->release();
}

void ComputeActor::wait_for_parameters(models::LayerId id, std::vector<sg4::SemaphorePtr>& gathered) {
  const int k = state_->plan.zero3 ? state_->plan.bucket_needed[id] : -1;
  if (k >= 0 && !have_[k]) gathered[k]->acquire(), have_[k] = true;
}

void GradientStream::operator()() {
  const StepPlan& plan = state_->plan;
  const std::int64_t syncs = plan.zero_stage == 2 ? plan.played_micro_steps() : 1;
  for (int step = 0; step < plan.steps; ++step) {
    auto& t = state_->timelines[static_cast<std::size_t>(step)];
    for (std::int64_t sync = 0; sync < syncs; ++sync) {
      for (std::size_t k = 0; k < plan.gradients.size(); ++k) reduce_bucket(*state_, t, step, k);
      state_->collectives_done->release();
    }
    t.last_comm_end = plan.gradients.empty() ? 0 : t.end.back();
  }
}

void Zero3Stream::operator()() {
  const StepPlan& plan = state_->plan;
  const std::size_t count = plan.gradients.size();
  for (int step = 0; step < plan.steps; ++step) {
    auto& t = state_->timelines[static_cast<std::size_t>(step)];
    for (std::int64_t micro = 0; micro < plan.played_micro_steps(); ++micro) {
      // The next gathers begin when compute begins the next micro-step played.
      if (micro == 2 && plan.skipped_micro_steps() > 0) state_->repeats_skipped->acquire();
      for (std::size_t k = count; k-- > 0;) {
        gather(t, k, false);
        state_->forward_gathered[k]->release();
      }
      // Backward: AG0, AG1, RS0, AG2, RS1, ... (one gather ahead of the reduce-scatters).
      if (count > 0) gather(t, 0, true), state_->backward_gathered[0]->release();
      for (std::size_t k = 0; k < count; ++k) {
        if (k + 1 < count) gather(t, k + 1, true), state_->backward_gathered[k + 1]->release();
        reduce_bucket(*state_, t, step, k);
      }
      state_->collectives_done->release();
    }
    t.last_comm_end = count ? t.end.back() : 0;
  }
}

// (Each micro-step overwrites the last one's times: the last micro-step's stay.)
void Zero3Stream::gather(Timeline& t, std::size_t bucket, bool backward) {
  const std::size_t at = 2 * bucket + (backward ? 1 : 0);
  t.gather_start[at] = gather_parameters(*state_, t, state_->plan.bucket_gathers[bucket]);
  t.gather_end[at] = now();
}

}  // namespace dpcast::sim::des
