#include "dpcast/sim/analytical.hpp"

#include <algorithm>
#include <map>

#include "dpcast/models/buckets.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/stragglers.hpp"
#include "dpcast/sim/two_streams.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
using models::Collective;
using models::LayerId;

const models::ModelGraph& ModelCache::get(const models::Scenario& s) {
  const std::string key = s.model.cache_key(s.seq_len());
  auto& slot = graphs_[key];
  if (!slot) slot = std::make_unique<models::ModelGraph>(s.model.build(s.seq_len()));
  return *slot;
}

namespace {

struct CommOp {
  double ready_s = 0;
  double duration_s = 0;
  Interference takes;  // from the compute it overlaps
};

// One micro-step's forward and backward, layer by layer.
struct ComputePass {
  std::vector<PassTime> times;                     // per layer, on the mean rank
  double mean_forward_s = 0, mean_backward_s = 0;  // the mean rank
  double slowest = 1;                              // the slowest rank's compute: the mean rank's times this factor
  double forward_s = 0, backward_s = 0;            // the slowest rank's (the step waits for it)
  double flops = 0;                                // forward and backward, per GPU
  // Per layer: when its backward ends on the slowest rank, from the start of backward.
  std::vector<double> gradient_ready_s;
};

ComputePass compute_pass(const models::Scenario& s, const models::ModelGraph& graph, const ComputeModel& compute) {
  ComputePass pass;
  const double act_bytes = models::bytes_per_element(s.training.precision);
  const auto& order = graph.forward_order();
  pass.times = layer_times(compute, graph, s.training);
  double forward = 0, backward = 0;
  for (LayerId id : order) {
    const auto cost = graph.layer(id).cost(s.training.micro_batch, act_bytes, act_bytes);
    forward += pass.times[id].forward_s;
    backward += pass.times[id].backward_s;
    pass.flops += cost.forward_flops + cost.backward_flops();
  }
  pass.slowest = expected_slowest(s.training.compute_noise, s.cluster.gpus());
  pass.mean_forward_s = forward;
  pass.mean_backward_s = backward;
  pass.forward_s = forward * pass.slowest;
  pass.backward_s = backward * pass.slowest;
  pass.gradient_ready_s.assign(graph.size(), 0);
  double t = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    t += pass.times[*it].backward_s * pass.slowest;
    pass.gradient_ready_s[*it] = t;
  }
  return pass;
}

// The gradient buckets, the collective each one plays, and when it may start.
struct GradientCollectives {
  std::vector<models::Bucket> buckets;
  CollectiveOp op = CollectiveOp::AllReduce;         // reduce-scatter with ZeRO
  std::vector<CollectiveChoice> choices;             // per bucket
  std::map<std::string, double> bytes_by_algorithm;  // by CollectiveChoice::label()
  std::vector<CommOp> ops;  // per bucket: ready (from the start of backward) and duration (0 on one GPU)
};

GradientCollectives gradient_collectives(const models::Scenario& s, const models::ModelGraph& graph,
                                         const ComputePass& pass, const NetworkPath& path, double bucket_bytes) {
  GradientCollectives g;
  const double grad_bytes = gradient_bytes_per_param(s.training.precision);
  g.buckets = models::make_buckets(graph, grad_bytes, s.data_parallel.first_bucket_bytes(), bucket_bytes);
  g.op = s.data_parallel.zero_stage == 0 ? CollectiveOp::AllReduce : CollectiveOp::ReduceScatter;
  const int gpus = s.cluster.gpus();
  for (const auto& b : g.buckets) {
    const auto choice = choose_collective(s.data_parallel.collective, g.op, b.bytes, path);
    g.choices.push_back(choice);
    g.bytes_by_algorithm[choice.label()] += b.bytes;
    const double ready = s.overlaps_communication() ? pass.gradient_ready_s[b.layers.back()] : pass.backward_s;
    g.ops.push_back({ready, gpus > 1 ? choice.time_s : 0,
                     collective_interference(choice, g.op, b.bytes, gpus, *s.cluster.gpu_entry)});
  }
  return g;
}

// The step's communication: how much of it the step waits for, and what it costs the
// compute it overlaps.
struct CommSchedule {
  double exposed_s = 0;          // per step
  double total_s = 0;            // per step
  double interference_s = 0;     // per step: compute slowed by the collectives it overlaps
  std::vector<double> starts_s;  // per bucket: its collective's start, from the start of backward (none on one GPU)
  std::vector<double> ready_s;   // per bucket: when backward completes its gradients, from the same origin
  models::StepMarks marks;       // where the last micro-step and its backward start
  std::vector<models::GatherTiming> gathers;  // ZeRO-3's (last micro-step), then ZeRO-1/2's after the optimizer
};

// The backward pass as compute tasks, in the order it makes gradients ready, on the slowest rank.
std::vector<ComputeTask> backward_tasks(const models::ModelGraph& graph, const ComputePass& pass,
                                        const std::vector<int>& after_gather = {}) {
  std::vector<ComputeTask> tasks;
  for (LayerId id : graph.gradient_ready_order())
    tasks.push_back({pass.times[id].backward_s * pass.slowest, models::is_matrix_layer(graph.layer(id).kind),
                     after_gather.empty() ? -1 : after_gather[id]});
  return tasks;
}

// Per layer: its place in gradient-ready order.
std::vector<int> backward_index(const models::ModelGraph& graph) {
  std::vector<int> index(graph.size(), -1);
  const auto order = graph.gradient_ready_order();
  for (std::size_t i = 0; i < order.size(); ++i) index[order[i]] = static_cast<int>(i);
  return index;
}

// ZeRO 0 to 2: the buckets' collectives on one stream after (or overlapped with) backward;
// ZeRO-1 and 2 then all-gather the updated parameter shards after the optimizer step.
CommSchedule schedule_gradient_stream(const models::Scenario& s, const models::ModelGraph& graph,
                                      const ComputePass& pass, const GradientCollectives& gradients,
                                      const NetworkPath& path, std::int64_t params) {
  CommSchedule comm;
  const int zero = s.data_parallel.zero_stage;
  const std::vector<ComputeTask> backward = backward_tasks(graph, pass);
  const auto index = backward_index(graph);
  const int last = static_cast<int>(backward.size()) - 1;
  std::vector<int> completes;  // per bucket: the backward task that completes its gradients
  std::vector<CommTask> collectives;
  for (std::size_t k = 0; k < gradients.ops.size(); ++k) {
    completes.push_back(index[gradients.buckets[k].layers.back()]);
    collectives.push_back(
        {gradients.ops[k].duration_s, gradients.ops[k].takes, s.overlaps_communication() ? completes[k] : last});
  }
  const TwoStreams sync = run_two_streams(backward, collectives);
  comm.starts_s = sync.comm_start;
  for (const int task : completes) comm.ready_s.push_back(sync.compute_end[static_cast<std::size_t>(task)]);
  const double backward_end = sync.compute_end.empty() ? 0 : sync.compute_end.back();
  const double per_sync = std::max(0.0, sync.end() - backward_end);
  for (const auto& op : gradients.ops) comm.total_s += op.duration_s;
  const double syncs = zero == 2 ? static_cast<double>(s.training.grad_accumulation) : 1.0;
  comm.exposed_s += per_sync * syncs;
  comm.interference_s = sync.slowed_s * syncs;
  comm.total_s *= syncs;
  // Micro-steps before the last: back to back, or (ZeRO-2) each waiting for its collectives.
  const double compute = pass.forward_s + pass.backward_s;
  const double period = zero == 2 ? compute + sync.slowed_s + per_sync : compute;
  comm.marks.last_micro_step_start_s = static_cast<double>(s.training.grad_accumulation - 1) * period;
  comm.marks.last_backward_start_s = comm.marks.last_micro_step_start_s + pass.forward_s;
  if (zero >= 1) {
    const double params_bytes = static_cast<double>(params) * models::bytes_per_element(s.training.precision);
    const auto gather = choose_collective(s.data_parallel.collective, CollectiveOp::AllGather, params_bytes, path);
    comm.exposed_s += gather.time_s;
    comm.total_s += gather.time_s;
    // The step's last span; set_timings places it once the step time is known.
    comm.gathers.push_back({-1, "after the optimizer", params_bytes, 0, gather.time_s, gather.label()});
  }
  return comm;
}

// ZeRO-3, per micro-step, on one stream: the forward gathers (in forward order), then in
// backward AG0, AG1, RS0, AG2, RS1, ... (one gather ahead). Compute waits for a bucket's
// gather before its first layer; a reduce-scatter waits for its gradients, and its ready
// time in `gradients.ops` becomes when they are ready in this schedule.
CommSchedule schedule_zero3_stream(const models::Scenario& s, const models::ModelGraph& graph, const ComputePass& pass,
                                   GradientCollectives& gradients, const NetworkPath& path) {
  CommSchedule comm;
  const auto& buckets = gradients.buckets;
  auto& grad_ops = gradients.ops;
  const double act_bytes = models::bytes_per_element(s.training.precision);
  const std::size_t count = buckets.size();
  const int gpus = s.cluster.gpus();
  std::vector<int> needs(graph.size(), -1);
  std::vector<CommTask> stream;
  std::vector<CommTask> gathers;
  std::vector<std::string> gather_labels;
  for (std::size_t k = 0; k < count; ++k) {
    for (LayerId id : buckets[k].layers) needs[id] = static_cast<int>(k);
    const double bytes = buckets[k].params * act_bytes;
    const auto choice = choose_collective(s.data_parallel.collective, CollectiveOp::AllGather, bytes, path);
    gathers.push_back(
        {choice.time_s, collective_interference(choice, CollectiveOp::AllGather, bytes, gpus, *s.cluster.gpu_entry)});
    gather_labels.push_back(choice.label());
  }
  // The stream's order: forward gathers (the last bucket's first), then AG0, and per bucket
  // k the next gather and RS k.
  std::vector<int> forward_gather(count), backward_gather(count), reduce(count);
  const auto push = [&](const CommTask& task) {
    stream.push_back(task);
    return static_cast<int>(stream.size()) - 1;
  };
  for (std::size_t k = count; k-- > 0;) forward_gather[k] = push(gathers[k]);
  if (count > 0) backward_gather[0] = push(gathers[0]);
  const std::size_t forward_layers = graph.forward_order().size();
  const auto index = backward_index(graph);
  for (std::size_t k = 0; k < count; ++k) {
    if (k + 1 < count) backward_gather[k + 1] = push(gathers[k + 1]);
    reduce[k] = push({grad_ops[k].duration_s, grad_ops[k].takes,
                      static_cast<int>(forward_layers) + index[buckets[k].layers.back()]});
  }
  // Compute: forward, then backward, each layer after its bucket's gather.
  std::vector<ComputeTask> compute;
  for (LayerId id : graph.forward_order())
    compute.push_back({pass.times[id].forward_s * pass.slowest, models::is_matrix_layer(graph.layer(id).kind),
                       needs[id] >= 0 ? forward_gather[needs[id]] : -1});
  std::vector<int> after_gather(graph.size(), -1);
  for (std::size_t id = 0; id < graph.size(); ++id)
    if (needs[id] >= 0) after_gather[id] = backward_gather[needs[id]];
  const auto backward = backward_tasks(graph, pass, after_gather);
  compute.insert(compute.end(), backward.begin(), backward.end());

  const TwoStreams micro = run_two_streams(compute, stream);
  const double backward_start = forward_layers > 0 ? micro.compute_end[forward_layers - 1] : 0;
  for (std::size_t k = 0; k < count; ++k) {
    const auto r = static_cast<std::size_t>(reduce[k]);
    comm.starts_s.push_back(micro.comm_start[r] - backward_start);
    grad_ops[k].ready_s =
        micro.compute_end[forward_layers + static_cast<std::size_t>(index[buckets[k].layers.back()])] - backward_start;
    comm.ready_s.push_back(grad_ops[k].ready_s);
  }
  for (std::size_t k = 0; k < count; ++k) comm.total_s += 2 * gathers[k].seconds + grad_ops[k].duration_s;
  const auto accumulation = static_cast<double>(s.training.grad_accumulation);
  comm.total_s *= accumulation;
  comm.interference_s = micro.slowed_s * accumulation;
  // Every micro-step plays the same schedule, one after the other.
  const double last_start = (accumulation - 1) * micro.end();
  comm.marks = {last_start, last_start + backward_start};
  for (std::size_t k = 0; k < count; ++k)
    for (const auto& [phase, op] :
         {std::pair{"forward", forward_gather[k]}, std::pair{"backward", backward_gather[k]}}) {
      const auto at = static_cast<std::size_t>(op);
      comm.gathers.push_back({static_cast<int>(k), phase, buckets[k].params * act_bytes,
                              last_start + micro.comm_start[at], last_start + micro.comm_end[at], gather_labels[k]});
    }
  // Everything beyond the slowest rank's compute, slowed or not, is waiting for the network.
  comm.exposed_s += (micro.end() - pass.forward_s - pass.backward_s - micro.slowed_s) * accumulation;
  return comm;
}

CommSchedule schedule_communication(const models::Scenario& s, const models::ModelGraph& graph, const ComputePass& pass,
                                    GradientCollectives& gradients, const NetworkPath& path, std::int64_t params) {
  if (s.cluster.gpus() == 1) {  // no collectives: micro-steps back to back
    CommSchedule alone;
    alone.marks.last_micro_step_start_s =
        static_cast<double>(s.training.grad_accumulation - 1) * (pass.forward_s + pass.backward_s);
    alone.marks.last_backward_start_s = alone.marks.last_micro_step_start_s + pass.forward_s;
    return alone;
  }
  if (s.data_parallel.zero_stage < 3) return schedule_gradient_stream(s, graph, pass, gradients, path, params);
  return schedule_zero3_stream(s, graph, pass, gradients, path);
}

// Step time, its breakdown, throughput, scaling, MFU and cost, from the steps' results.
void set_timings(models::RunRecord& r, const models::Scenario& s, const ComputePass& pass, const CommSchedule& comm,
                 double optimizer_s, const ComputeModel& compute) {
  const auto accumulation = static_cast<double>(s.training.grad_accumulation);
  r.breakdown.forward_s = pass.mean_forward_s * accumulation;
  r.breakdown.backward_s = pass.mean_backward_s * accumulation;
  r.breakdown.stragglers_s = ((pass.forward_s - pass.mean_forward_s) + (pass.backward_s - pass.mean_backward_s)) *
                             accumulation;  // exactly 0 without noise
  r.breakdown.exposed_comm_s = comm.exposed_s;
  r.breakdown.comm_total_s = comm.total_s;
  r.breakdown.interference_s = comm.interference_s;
  r.breakdown.optimizer_s = optimizer_s;
  r.step_time_s = r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.stragglers_s + comm.interference_s +
                  comm.exposed_s + optimizer_s;
  r.step_time_spread_s = {r.step_time_s, r.step_time_s};  // deterministic model: no spread
  r.samples_per_s = static_cast<double>(r.global_batch) / r.step_time_s;
  r.tokens_per_s = r.seq_len > 0 ? r.samples_per_s * static_cast<double>(r.seq_len) : 0;
  // Against one GPU doing the same per-GPU work without communication. (With ZeRO the
  // sharded optimizer is part of that work: a plain 1-GPU baseline would make ZeRO look
  // super-linear, which says nothing about how well the collectives scale.)
  const double one_gpu_step = (pass.mean_forward_s + pass.mean_backward_s) * accumulation + optimizer_s;
  r.scaling_efficiency = one_gpu_step / r.step_time_s;
  r.mfu = pass.flops * accumulation / (r.step_time_s * compute.matrix_peak());
  const auto& gpu = *s.cluster.gpu_entry;
  if (gpu.price_per_hour) r.cost_per_step_usd = r.step_time_s * s.cluster.gpus() * *gpu.price_per_hour / 3600.0;
}

// How the collective was chosen.
std::string auto_rule(Collective configured, const NetworkPath& path) {
  if (configured != Collective::Auto) return "configured (alpha-beta)";
  if (path.nccl) return "auto: NCCL's choice per bucket";
  if (path.library == models::CommLibrary::Gloo) {
    if (!path.gloo) return "auto: Gloo runs rings";
    return "auto: Gloo runs rings, at its measured " + fixed(100 * path.gloo->bandwidth_efficiency, 0) +
           "% of the link bandwidth and " + human_time(path.gloo->step_latency_s) + " more per step";
  }
  return "auto: least alpha-beta time per bucket";
}

// The collective that moves the most bytes names the step's; the why says how it was chosen.
void explain_collective(models::RunRecord& r, const models::Scenario& s, const GradientCollectives& gradients,
                        const NetworkPath& path) {
  const int n = s.cluster.gpus();
  std::string main = gradients.choices.empty() ? "ring" : gradients.choices.front().label();
  double main_bytes = -1;
  for (const auto& [label, bytes] : gradients.bytes_by_algorithm)
    if (bytes > main_bytes) main = label, main_bytes = bytes;
  r.collective_algorithm = n == 1 ? "none" : main;
  if (n == 1) {
    r.collective_why = "one GPU: no gradient exchange";
    return;
  }
  const auto& buckets = gradients.buckets;
  const double largest =
      buckets.empty()
          ? 0
          : std::max_element(buckets.begin(), buckets.end(), [](const models::Bucket& a, const models::Bucket& b) {
              return a.bytes < b.bytes;
            })->bytes;
  std::string mix;
  if (gradients.bytes_by_algorithm.size() > 1)
    for (const auto& [c, bytes] : gradients.bytes_by_algorithm)
      mix += (mix.empty() ? "" : ", ") + c + " for " + human_bytes(bytes);
  const CollectiveOp op = gradients.op;
  r.collective_why = auto_rule(s.data_parallel.collective, path) + (mix.empty() ? "" : " (" + mix + ")") + "; " +
                     std::string(op == CollectiveOp::AllReduce ? "all-reduce" : "reduce-scatter") +
                     " of the largest bucket (" + human_bytes(largest) + ") on " + std::to_string(n) +
                     " GPUs: " + compare_collectives(op, largest, path);
  if (s.data_parallel.overlap && !s.overlaps_communication())
    r.collective_why += "; not overlapped with backward: " + s.cluster.gpu_entry->name +
                        " computes its own communication (communication_uses_compute)";
}

// The record's per-layer and per-bucket entries.
void add_details(models::RunRecord& r, const models::Scenario& s, const models::ModelGraph& graph,
                 const ComputePass& pass, const GradientCollectives& gradients, const CommSchedule& comm) {
  const double act_bytes = models::bytes_per_element(s.training.precision);
  for (LayerId id : graph.forward_order()) {
    const auto& layer = graph.layer(id);
    const auto cost = layer.cost(s.training.micro_batch, act_bytes, act_bytes);
    r.layers.push_back({layer.name, std::string(models::to_string(layer.kind)), graph.owned_params(id),
                        cost.forward_flops, cost.backward_flops(), pass.times[id].forward_s, pass.times[id].backward_s,
                        cost.activation_bytes});
  }
  const int n = s.cluster.gpus();
  const auto& buckets = gradients.buckets;
  const auto& ops = gradients.ops;
  r.marks = comm.marks;
  for (auto g : comm.gathers) {
    if (g.bucket < 0) {  // the step's last span: end_s held its duration
      g.start_s = r.step_time_s - g.end_s;
      g.end_s = r.step_time_s;
    }
    r.gathers.push_back(g);
  }
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    const double start = k < comm.starts_s.size() ? comm.starts_s[k] : ops[k].ready_s;
    const double ready = k < comm.ready_s.size() ? comm.ready_s[k] : pass.gradient_ready_s[buckets[k].layers.back()];
    r.buckets.push_back({static_cast<int>(k), buckets[k].bytes, static_cast<int>(buckets[k].layers.size()), ready,
                         start, start + ops[k].duration_s,
                         n == 1 ? "none" : std::string(models::to_string(gradients.choices[k].algorithm))});
  }
}

}  // namespace

models::RunRecord AnalyticalEngine::predict(const models::Scenario& s, const models::ModelGraph& graph,
                                            const PredictOptions& options) const {
  const ComputeModel compute(*s.cluster.gpu_entry, s.training.precision, s.cluster.gpus_per_node > 1,
                             s.training.memory_format, s.training.fused());
  const NetworkPath path = NetworkPath::from(s);

  models::RunRecord r = models::configured_record(s, graph, options.details);
  r.engine = "analytical";
  const MemoryEstimate memory = estimate_memory(s, graph);
  r.memory = memory.breakdown;
  r.max_micro_batch = memory.max_micro_batch;
  r.feasible = memory.fits();

  const ComputePass pass = compute_pass(s, graph, compute);
  GradientCollectives gradients = gradient_collectives(s, graph, pass, path, r.bucket_bytes);
  const CommSchedule comm = schedule_communication(s, graph, pass, gradients, path, r.params);
  const double local_params = static_cast<double>(r.params) / (s.data_parallel.zero_stage >= 1 ? s.cluster.gpus() : 1);
  const double optimizer_s = optimizer_time(compute, local_params, parameter_tensors(graph), s.training.optimizer,
                                            s.training.optimizer_implementation) +
                             gradient_copies_time(compute, graph, s);
  set_timings(r, s, pass, comm, optimizer_s, compute);
  explain_collective(r, s, gradients, path);
  if (options.details) add_details(r, s, graph, pass, gradients, comm);
  return r;
}

}  // namespace dpcast::sim
