#include "dpcast/sim/des/des_engine.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "collective_player.hpp"
#include "dpcast/models/buckets.hpp"
#include "dpcast/models/child_process.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"
#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/stragglers.hpp"
#include "platform.hpp"

namespace dpcast::sim {
namespace sg4 = simgrid::s4u;
using models::Json;

namespace {

constexpr double kHostSpeed = 1e9;  // as in platform.cpp: t seconds of compute = t·1e9 work

struct BucketPlan {
  double bytes = 0;
  models::Collective algorithm = models::Collective::Ring;
};

struct Timeline {
  double backward_end = 0;   // last micro-step, from its start of backward
  double last_comm_end = 0;  // same origin
  double comm_total = 0;
  double step = 0;
  double factor = 1;  // the slowest rank's compute factor this step
  std::vector<double> ready, start, end;
};

// A SimGrid engine with the network model chosen on purpose (see des_engine.hpp): CM02,
// no TCP window, no cross-traffic, unless a calibrated profile says otherwise.
std::unique_ptr<sg4::Engine> make_engine(const models::NetworkModelSettings& network) {
  int argc = 2;
  char arg0[] = "dpcast";
  char arg1[] = "--log=root.thresh:critical";
  char* argv[] = {arg0, arg1, nullptr};
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  sg4::Engine::set_config("network/model:" + network.model);
  sg4::Engine::set_config("network/TCP-gamma:" + std::to_string(network.tcp_gamma_bytes));
  sg4::Engine::set_config(std::string("network/crosstraffic:") + (network.crosstraffic ? "1" : "0"));
  return engine;
}

// Runs the steps in this process (a child: SimGrid keeps one simulation per process).
std::vector<Timeline> simulate(const models::Scenario& s, const models::ModelGraph& graph, bool full_fidelity,
                               const models::NetworkModelSettings& network) {
  auto engine_owner = make_engine(network);
  sg4::Engine& engine = *engine_owner;

  const des::Layout layout = des::Layout::from(s);
  const auto& dp = s.data_parallel;
  const bool overlap = s.overlaps_communication();
  const bool servers = dp.collective == models::Collective::ParameterServer;
  const auto slice = full_fidelity ? std::nullopt : des::slice_layout(s, layout);
  const des::Platform platform = des::build_platform(s, layout, servers, slice ? &*slice : nullptr);
  const NetworkPath path = NetworkPath::from(s);

  const auto precision = s.training.precision;
  const double act = models::bytes_per_element(precision);
  const ComputeModel compute(*s.cluster.gpu_entry, precision, s.cluster.gpus_per_node > 1);
  const auto buckets = models::make_buckets(graph, gradient_bytes_per_param(precision),
                                            dp.first_bucket_mb * 1024 * 1024, dp.bucket_mb * 1024 * 1024);
  const auto op = dp.zero_stage == 0 ? CollectiveOp::AllReduce : CollectiveOp::ReduceScatter;
  std::vector<BucketPlan> plans;
  std::vector<int> bucket_of(graph.size(), -1);  // the bucket a layer completes, if any
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    plans.push_back({buckets[k].bytes, choose_collective(dp.collective, op, buckets[k].bytes, path).algorithm});
    bucket_of[buckets[k].layers.back()] = static_cast<int>(k);
  }
  const auto& order = graph.forward_order();
  const std::vector<PassTime> times = layer_times(compute, graph, s.training);
  const double optimizer_s =
      optimizer_time(compute, static_cast<double>(graph.total_params()) / (dp.zero_stage >= 1 ? layout.gpus() : 1),
                     s.training.optimizer);

  // Each step the slowest rank (its factor drawn per rank) sets when buckets are ready.
  const auto& noise = s.training.compute_noise;
  const int steps = noise.enabled() && layout.gpus() > 1 ? noise.steps : 1;
  std::vector<Timeline> timelines(static_cast<std::size_t>(steps));
  for (int step = 0; step < steps; ++step) {
    auto& t = timelines[static_cast<std::size_t>(step)];
    const auto factors = draw_factors(noise, layout.gpus(), step);
    t.factor = noise.enabled() && layout.gpus() > 1 ? *std::max_element(factors.begin(), factors.end()) : 1.0;
    t.ready.assign(buckets.size(), 0);
    t.start.assign(buckets.size(), 0);
    t.end.assign(buckets.size(), 0);
  }
  auto ready = sg4::Semaphore::create(0);
  auto comm_done = sg4::Semaphore::create(0);
  std::vector<double> backward_start(static_cast<std::size_t>(steps), 0);
  des::CollectivePlayer player(platform, layout, full_fidelity, slice);
  const bool communicate = layout.gpus() > 1;

  // A bucket's gradient collective: waits for its gradients, plays it, records when.
  auto reduce_bucket = [&](Timeline& t, int step, std::size_t k) {
    ready->acquire();
    t.start[k] = sg4::Engine::get_clock() - backward_start[step];
    player.play(plans[k].algorithm, op, plans[k].bytes);
    t.end[k] = sg4::Engine::get_clock() - backward_start[step];
    t.comm_total += t.end[k] - t.start[k];
  };

  // ZeRO-3: which bucket's gathered parameters each layer needs, and when they are there.
  const bool zero3 = dp.zero_stage >= 3 && communicate;
  std::vector<int> bucket_needed(graph.size(), -1);
  std::vector<double> gather_bytes;
  std::vector<sg4::SemaphorePtr> forward_ready, backward_ready;
  if (zero3) {
    for (std::size_t k = 0; k < buckets.size(); ++k) {
      for (auto id : buckets[k].layers) bucket_needed[id] = static_cast<int>(k);
      gather_bytes.push_back(buckets[k].params * act);
      forward_ready.push_back(sg4::Semaphore::create(0));
      backward_ready.push_back(sg4::Semaphore::create(0));
    }
    // Parameters live sharded: each bucket's are all-gathered before its forward and again
    // before its backward, and its gradients reduce-scattered after, every micro-step, on
    // the one communication stream (gathers prefetched in order).
    const std::size_t count = buckets.size();
    sg4::Actor::create("communication", platform.gpus[0], [&] {
      for (int step = 0; step < steps; ++step) {
        auto& t = timelines[static_cast<std::size_t>(step)];
        auto gather = [&](std::size_t k) {
          const double begin = sg4::Engine::get_clock();
          player.play(choose_collective(dp.collective, CollectiveOp::AllGather, gather_bytes[k], path).algorithm,
                      CollectiveOp::AllGather, gather_bytes[k]);
          t.comm_total += sg4::Engine::get_clock() - begin;
        };
        for (std::int64_t micro = 0; micro < s.training.grad_accumulation; ++micro) {
          for (std::size_t k = count; k-- > 0;) {
            gather(k);
            forward_ready[k]->release();
          }
          // Backward: AG0, AG1, RS0, AG2, RS1, ... (one gather ahead of the reduce-scatters).
          if (count > 0) gather(0), backward_ready[0]->release();
          for (std::size_t k = 0; k < count; ++k) {
            if (k + 1 < count) gather(k + 1), backward_ready[k + 1]->release();
            reduce_bucket(t, step, k);
          }
          comm_done->release();
        }
        t.last_comm_end = count ? t.end.back() : 0;
      }
    });
  }
  sg4::Actor::create("compute", platform.gpus[0], [&] {
    for (int step = 0; step < steps; ++step) {
      auto& t = timelines[static_cast<std::size_t>(step)];
      const double step_start = sg4::Engine::get_clock();
      auto run = [&](double seconds) {
        if (seconds > 0) sg4::this_actor::execute(seconds * t.factor * kHostSpeed);
      };
      for (std::int64_t micro = 0; micro < s.training.grad_accumulation; ++micro) {
        const bool last = micro + 1 == s.training.grad_accumulation;
        // ZeRO-2 and 3 keep only a shard of the gradients: they reduce-scatter every micro-step.
        const bool sync = last || dp.zero_stage >= 2;
        std::vector<bool> have(zero3 ? buckets.size() : 0, false);
        auto wait_for_parameters = [&](models::LayerId id, std::vector<sg4::SemaphorePtr>& gathered) {
          const int k = zero3 ? bucket_needed[id] : -1;
          if (k >= 0 && !have[k]) gathered[k]->acquire(), have[k] = true;
        };
        for (auto id : order) {
          wait_for_parameters(id, forward_ready);
          run(times[id].forward_s);
        }
        backward_start[step] = sg4::Engine::get_clock();
        have.assign(have.size(), false);
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
          wait_for_parameters(*it, backward_ready);
          run(times[*it].backward_s);
          const int k = bucket_of[*it];
          if (k >= 0 && sync) {
            t.ready[k] = sg4::Engine::get_clock() - backward_start[step];
            if (overlap) ready->release();
          }
        }
        if (sync && !overlap)
          for (std::size_t k = 0; k < buckets.size(); ++k) ready->release();
        if (sync && !last && communicate) comm_done->acquire();
      }
      t.backward_end = sg4::Engine::get_clock() - backward_start[step];
      if (communicate) comm_done->acquire();
      if (optimizer_s > 0) sg4::this_actor::execute(optimizer_s * kHostSpeed);
      if (communicate && (dp.zero_stage == 1 || dp.zero_stage == 2)) {
        const double params_bytes = static_cast<double>(graph.total_params()) * act;
        const double before = sg4::Engine::get_clock();
        player.play(choose_collective(dp.collective, CollectiveOp::AllGather, params_bytes, path).algorithm,
                    CollectiveOp::AllGather, params_bytes);
        t.comm_total += sg4::Engine::get_clock() - before;
      }
      t.step = sg4::Engine::get_clock() - step_start;
    }
  });
  if (communicate && !zero3) {
    sg4::Actor::create("communication", platform.gpus[0], [&] {
      const std::int64_t syncs = dp.zero_stage == 2 ? s.training.grad_accumulation : 1;
      for (int step = 0; step < steps; ++step) {
        auto& t = timelines[static_cast<std::size_t>(step)];
        for (std::int64_t sync = 0; sync < syncs; ++sync) {
          for (std::size_t k = 0; k < plans.size(); ++k) reduce_bucket(t, step, k);
          comm_done->release();
        }
        t.last_comm_end = plans.empty() ? 0 : t.end.back();
      }
    });
  }
  engine.run();
  return timelines;
}

Json to_json(const Timeline& t) {
  return Json{{"backward_end", t.backward_end},
              {"last_comm_end", t.last_comm_end},
              {"comm_total", t.comm_total},
              {"step", t.step},
              {"factor", t.factor},
              {"ready", t.ready},
              {"start", t.start},
              {"end", t.end}};
}

Timeline from_json(const Json& j) {
  Timeline t;
  t.backward_end = j.at("backward_end");
  t.last_comm_end = j.at("last_comm_end");
  t.comm_total = j.at("comm_total");
  t.step = j.at("step");
  t.factor = j.at("factor");
  t.ready = j.at("ready").get<std::vector<double>>();
  t.start = j.at("start").get<std::vector<double>>();
  t.end = j.at("end").get<std::vector<double>>();
  return t;
}

// Runs `work` (returning JSON) in a child process and brings its answer (or its error) back.
template <typename Work>
Json run_isolated(Work work) {
  const models::ChildOutput child = models::run_in_child("des", [&] {
    try {
      return work().dump();
    } catch (const std::exception& e) {
      return Json{{"error", e.what()}}.dump();
    }
  });
  if (child.text.empty())
    throw Error("des: the simulation process died (status " + std::to_string(child.wait_status) + ")");
  const Json j = Json::parse(child.text);
  if (j.contains("error")) throw Error("des: " + j.at("error").get<std::string>());
  return j;
}

}  // namespace

double DesEngine::collective_time(const models::Scenario& s, models::Collective algorithm, CollectiveOp op,
                                  double bytes, const models::NetworkModelSettings& network) const {
  const Json j = run_isolated([&] {
    auto engine = make_engine(network);
    const des::Layout layout = des::Layout::from(s);
    const auto slice = des::slice_layout(s, layout);
    const des::Platform platform =
        des::build_platform(s, layout, algorithm == models::Collective::ParameterServer, slice ? &*slice : nullptr);
    double time = 0;
    sg4::Actor::create("collective", platform.gpus[0], [&] {
      des::CollectivePlayer(platform, layout, false, slice).play(algorithm, op, bytes);
      time = sg4::Engine::get_clock();
    });
    engine->run();
    return Json{{"time", time}};
  });
  return j.at("time").get<double>();
}

models::RunRecord DesEngine::predict(const models::Scenario& s, const models::ModelGraph& graph,
                                     const PredictOptions& options) const {
  // The analytical record carries everything that is not timing (memory, FLOPs, layers).
  models::RunRecord r = AnalyticalEngine{}.predict(s, graph, options);
  r.engine = "des";
  if (!r.feasible && !options.time_out_of_memory) return r;
  const Json steps_json = run_isolated([&] {
    Json all = Json::array();
    for (const auto& step : simulate(s, graph, options.full_fidelity, options.network)) all.push_back(to_json(step));
    return all;
  });
  std::vector<Timeline> steps;
  for (const auto& j : steps_json) steps.push_back(from_json(j));
  // Report the median step; p10 and p90 over the sampled steps give the spread.
  std::vector<double> durations;
  for (const auto& st : steps) durations.push_back(st.step);
  std::sort(durations.begin(), durations.end());
  const auto quantile = [&](double q) { return durations[static_cast<std::size_t>(q * (durations.size() - 1) + 0.5)]; };
  const double median = quantile(0.5);
  const Timeline& t = *std::find_if(steps.begin(), steps.end(), [&](const Timeline& st) { return st.step == median; });
  r.mfu *= r.step_time_s / t.step;  // the same FLOPs over the simulated step
  r.step_time_s = t.step;
  r.step_time_spread_s = {quantile(0.1), quantile(0.9)};
  r.breakdown.stragglers_s = (t.factor - 1) * (r.breakdown.forward_s + r.breakdown.backward_s);
  r.breakdown.exposed_comm_s =
      t.step - r.breakdown.forward_s - r.breakdown.backward_s - r.breakdown.stragglers_s - r.breakdown.optimizer_s;
  r.breakdown.comm_total_s = t.comm_total;
  r.samples_per_s = static_cast<double>(r.global_batch) / r.step_time_s;
  r.tokens_per_s = r.seq_len > 0 ? r.samples_per_s * static_cast<double>(r.seq_len) : 0;
  const double work = r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.optimizer_s;  // the mean rank
  r.scaling_efficiency = work / r.step_time_s;
  if (r.cost_per_step_usd && s.cluster.gpu_entry->price_per_hour)
    r.cost_per_step_usd = r.step_time_s * r.gpus * *s.cluster.gpu_entry->price_per_hour / 3600.0;
  for (std::size_t k = 0; k < r.buckets.size() && k < t.start.size(); ++k) {
    r.buckets[k].ready_s = t.ready[k];
    r.buckets[k].start_s = t.start[k];
    r.buckets[k].end_s = t.end[k];
  }
  return r;
}

}  // namespace dpcast::sim
