#include "dpcast/sim/des/des_engine.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "collective_player.hpp"
#include "dpcast/models/buckets.hpp"
#include "dpcast/models/child_process.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"
#include "dpcast/sim/interference.hpp"
#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/stragglers.hpp"
#include "platform.hpp"
#include "step_actors.hpp"

namespace dpcast::sim {
namespace sg4 = simgrid::s4u;
using des::Timeline;
using models::Json;

namespace {

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

// The buckets, their collectives, the layers' times and what ZeRO adds, for `gpus` GPUs.
des::StepPlan plan_step(const models::Scenario& s, const models::ModelGraph& graph, int gpus, bool every_micro_step) {
  des::StepPlan plan;
  const auto& dp = s.data_parallel;
  const NetworkPath path = NetworkPath::from(s);
  const auto precision = s.training.precision;
  const double act = models::bytes_per_element(precision);
  const models::Gpu& gpu = *s.cluster.gpu_entry;
  const ComputeModel compute(gpu, precision, s.cluster.gpus_per_node > 1, s.training.memory_format, s.training.fused());
  const auto buckets =
      models::make_buckets(graph, gradient_bytes_per_param(precision), dp.first_bucket_bytes(), dp.bucket_bytes());
  const auto& noise = s.training.compute_noise;
  plan.steps = noise.enabled() && gpus > 1 ? noise.steps : 1;
  plan.micro_steps = s.training.grad_accumulation;
  plan.skip_repeats = !every_micro_step;
  plan.zero_stage = dp.zero_stage;
  plan.overlap = s.overlaps_communication();
  plan.communicate = gpus > 1;
  plan.zero3 = dp.zero_stage >= 3 && plan.communicate;
  plan.order = graph.forward_order();
  plan.times = layer_times(compute, graph, s.training);
  plan.matrix.assign(graph.size(), true);
  for (auto id : plan.order) plan.matrix[id] = models::is_matrix_layer(graph.layer(id).kind);
  plan.gradient_op = dp.zero_stage == 0 ? CollectiveOp::AllReduce : CollectiveOp::ReduceScatter;
  plan.bucket_of.assign(graph.size(), -1);
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    const auto choice = choose_collective(dp.collective, plan.gradient_op, buckets[k].bytes, path);
    plan.gradients.push_back(
        {buckets[k].bytes, choice, collective_interference(choice, plan.gradient_op, buckets[k].bytes, gpus, gpu)});
    plan.bucket_of[buckets[k].layers.back()] = static_cast<int>(k);
  }
  plan.optimizer_s =
      optimizer_time(compute, static_cast<double>(graph.total_params()) / (dp.zero_stage >= 1 ? gpus : 1),
                     parameter_tensors(graph), s.training.optimizer, s.training.optimizer_implementation) +
      gradient_copies_time(compute, graph, s);
  const auto all_gather = [&](double bytes) {
    const auto choice = choose_collective(dp.collective, CollectiveOp::AllGather, bytes, path);
    return des::CollectiveCall{bytes, choice,
                               collective_interference(choice, CollectiveOp::AllGather, bytes, gpus, gpu)};
  };
  if (plan.communicate && (dp.zero_stage == 1 || dp.zero_stage == 2))
    plan.parameter_gather = all_gather(static_cast<double>(graph.total_params()) * act);
  if (plan.zero3) {
    plan.bucket_needed.assign(graph.size(), -1);
    for (std::size_t k = 0; k < buckets.size(); ++k) {
      for (auto id : buckets[k].layers) plan.bucket_needed[id] = static_cast<int>(k);
      plan.bucket_gathers.push_back(all_gather(buckets[k].params * act));
    }
  }
  return plan;
}

// One empty timeline per step, each with its slowest rank's compute factor (drawn per rank).
std::vector<Timeline> empty_timelines(const models::ComputeNoise& noise, int gpus, const des::StepPlan& plan) {
  std::vector<Timeline> timelines(static_cast<std::size_t>(plan.steps));
  for (int step = 0; step < plan.steps; ++step) {
    auto& t = timelines[static_cast<std::size_t>(step)];
    const auto factors = draw_factors(noise, gpus, step);
    t.factor = noise.enabled() && gpus > 1 ? *std::max_element(factors.begin(), factors.end()) : 1.0;
    t.ready.assign(plan.gradients.size(), 0);
    t.start.assign(plan.gradients.size(), 0);
    t.end.assign(plan.gradients.size(), 0);
    t.gather_start.assign(2 * plan.bucket_gathers.size(), 0);
    t.gather_end.assign(2 * plan.bucket_gathers.size(), 0);
  }
  return timelines;
}

// Runs the steps in this process (a child: SimGrid keeps one simulation per process).
std::vector<Timeline> simulate(const models::Scenario& s, const models::ModelGraph& graph,
                               const PredictOptions& options) {
  const bool full_fidelity = options.full_fidelity;
  auto engine = make_engine(options.network);
  const des::Layout layout = des::Layout::from(s);
  const bool servers = s.data_parallel.collective == models::Collective::ParameterServer;
  const auto slice = full_fidelity ? std::nullopt : des::slice_layout(s, layout);
  const des::Platform platform = des::build_platform(s, layout, servers, slice ? &*slice : nullptr);

  const des::StepPlan plan = plan_step(s, graph, layout.gpus(), options.every_micro_step);
  std::vector<Timeline> timelines = empty_timelines(s.training.compute_noise, layout.gpus(), plan);
  des::CollectivePlayer player(platform, layout, full_fidelity, slice);
  des::StepState state(plan, player, timelines);
  // Created in this order, the actors start in it: the ZeRO-3 stream, compute, the gradient stream.
  if (plan.zero3) sg4::Actor::create("communication", platform.gpus[0], des::Zero3Stream(state));
  sg4::Actor::create("compute", platform.gpus[0], des::ComputeActor(state));
  if (plan.communicate && !plan.zero3)
    sg4::Actor::create("communication", platform.gpus[0], des::GradientStream(state));
  engine->run();
  return timelines;
}

Json to_json(const Timeline& t) {
  return Json{{"backward_end", t.backward_end},
              {"last_comm_end", t.last_comm_end},
              {"comm_total", t.comm_total},
              {"step", t.step},
              {"factor", t.factor},
              {"slowed", t.slowed},
              {"ready", t.ready},
              {"marks", {t.step_start, t.last_micro_start, t.last_backward_start}},
              {"gathers", {t.gather_start, t.gather_end}},
              {"final_gather", {t.final_gather_start, t.final_gather_end}},
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
  t.slowed = j.at("slowed");
  t.ready = j.at("ready").get<std::vector<double>>();
  const auto marks = j.at("marks").get<std::vector<double>>();
  t.step_start = marks.at(0), t.last_micro_start = marks.at(1), t.last_backward_start = marks.at(2);
  t.gather_start = j.at("gathers").at(0).get<std::vector<double>>();
  t.gather_end = j.at("gathers").at(1).get<std::vector<double>>();
  t.final_gather_start = j.at("final_gather").at(0), t.final_gather_end = j.at("final_gather").at(1);
  t.start = j.at("start").get<std::vector<double>>();
  t.end = j.at("end").get<std::vector<double>>();
  return t;
}

// Runs `work` (returning JSON) in a child process and brings its answer (or its error) back.
template <typename Work>
Json run_isolated(Work work) {
  // Bad input found in the child (a platform it cannot build) stays bad input in the parent;
  // anything else that failed there is dpcast's own failure.
  const models::ChildOutput child = models::run_in_child("des", [&] {
    try {
      return work().dump();
    } catch (const Error& e) {
      return Json{{"error", e.what()}}.dump();
    } catch (const std::exception& e) {
      return Json{{"internal_error", e.what()}}.dump();
    }
  });
  if (child.text.empty())
    throw InternalError("des: the simulation process died (status " + std::to_string(child.wait_status) + ")");
  Json j = Json::parse(child.text);
  if (j.contains("error")) throw Error("des: " + j.at("error").get<std::string>());
  if (j.contains("internal_error")) throw InternalError("des: " + j.at("internal_error").get<std::string>());
  return j;
}

// The simulated step's marks and gathers, over the analytical record's (which name them): from
// the start of the step.
void place_marks_and_gathers(models::RunRecord& r, const Timeline& t) {
  r.marks = {t.last_micro_start - t.step_start, t.last_backward_start - t.step_start};
  for (auto& g : r.gathers) {
    if (g.bucket < 0) {
      g.start_s = t.final_gather_start - t.step_start;
      g.end_s = t.final_gather_end - t.step_start;
      continue;
    }
    const std::size_t at = 2 * static_cast<std::size_t>(g.bucket) + (g.phase == "backward" ? 1 : 0);
    if (at >= t.gather_start.size()) continue;
    g.start_s = t.gather_start[at] - t.step_start;
    g.end_s = t.gather_end[at] - t.step_start;
  }
}

}  // namespace

double DesEngine::collective_time(const models::Scenario& s, const CollectiveChoice& choice, CollectiveOp op,
                                  double bytes, const models::NetworkModelSettings& network) const {
  const models::Collective algorithm = choice.algorithm;
  const Json j = run_isolated([&] {
    auto engine = make_engine(network);
    const des::Layout layout = des::Layout::from(s);
    const auto slice = des::slice_layout(s, layout);
    const des::Platform platform =
        des::build_platform(s, layout, algorithm == models::Collective::ParameterServer, slice ? &*slice : nullptr);
    double time = 0;
    sg4::Actor::create("collective", platform.gpus[0], [&] {
      des::CollectivePlayer(platform, layout, false, slice).play(choice, op, bytes);
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
    for (const auto& step : simulate(s, graph, options)) all.push_back(to_json(step));
    return all;
  });
  std::vector<Timeline> steps;
  for (const auto& j : steps_json) steps.push_back(from_json(j));
  // Report the median step; p10 and p90 over the sampled steps give the spread.
  std::vector<double> durations;
  for (const auto& st : steps) durations.push_back(st.step);
  std::sort(durations.begin(), durations.end());
  const auto quantile = [&](double q) {
    return durations[static_cast<std::size_t>(std::lround(q * static_cast<double>(durations.size() - 1)))];
  };
  const double median = quantile(0.5);
  const Timeline& t = *std::find_if(steps.begin(), steps.end(), [&](const Timeline& st) { return st.step == median; });
  r.mfu *= r.step_time_s / t.step;  // the same FLOPs over the simulated step
  r.step_time_s = t.step;
  r.step_time_spread_s = {quantile(0.1), quantile(0.9)};
  r.breakdown.stragglers_s = (t.factor - 1) * (r.breakdown.forward_s + r.breakdown.backward_s);
  r.breakdown.interference_s = t.slowed;
  // The rest of the step waits for the network: none on one GPU, and never less than none
  // (the simulated clock and the sum of the parts differ by rounding, e.g. -1e-18 s).
  r.breakdown.exposed_comm_s =
      r.gpus == 1 ? 0.0
                  : std::max(0.0, t.step - r.breakdown.forward_s - r.breakdown.backward_s - r.breakdown.stragglers_s -
                                      r.breakdown.interference_s - r.breakdown.optimizer_s);
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
  place_marks_and_gathers(r, t);
  return r;
}

}  // namespace dpcast::sim
