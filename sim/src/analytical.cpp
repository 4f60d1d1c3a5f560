#include "dpcast/sim/analytical.hpp"

#include <algorithm>
#include <map>

#include "dpcast/models/buckets.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/stragglers.hpp"
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
};

// Runs collectives on one stream in order; returns the end of the last.
double run_stream(std::vector<CommOp>& ops, std::vector<double>* starts = nullptr) {
  double free_at = 0;
  for (auto& op : ops) {
    const double start = std::max(op.ready_s, free_at);
    if (starts) starts->push_back(start);
    free_at = start + op.duration_s;
  }
  return free_at;
}

}  // namespace

models::RunRecord AnalyticalEngine::predict(const models::Scenario& s, const models::ModelGraph& graph,
                                            const PredictOptions& options) const {
  const auto& gpu = *s.cluster.gpu_entry;
  const auto precision = s.training.precision;
  const double act_bytes = models::bytes_per_element(precision);
  const double grad_bytes = gradient_bytes_per_param(precision);
  const auto mb = s.training.micro_batch;
  const auto accumulation = static_cast<double>(s.training.grad_accumulation);
  const int zero = s.data_parallel.zero_stage;
  const int n = s.cluster.gpus();
  const ComputeModel compute(gpu, precision, s.cluster.gpus_per_node > 1);
  const NetworkPath path = NetworkPath::from(s);

  models::RunRecord r = models::configured_record(s, graph, options.details);
  r.engine = "analytical";

  const MemoryEstimate memory = estimate_memory(s, graph);
  r.memory = memory.breakdown;
  r.max_micro_batch = memory.max_micro_batch;
  r.feasible = memory.fits();

  // ---- compute: forward and backward per layer ----
  const auto& order = graph.forward_order();
  const std::vector<PassTime> times = layer_times(compute, graph, s.training);
  double forward = 0, backward = 0, flops = 0;
  for (LayerId id : order) {
    const auto cost = graph.layer(id).cost(mb, act_bytes, act_bytes);
    forward += times[id].forward_s;
    backward += times[id].backward_s;
    flops += cost.forward_flops + cost.backward_flops();
  }
  // The step waits for the slowest rank: its compute is the mean rank's times this factor.
  const double slowest = expected_slowest(s.training.compute_noise, n);
  const double mean_forward = forward, mean_backward = backward;
  forward *= slowest;
  backward *= slowest;
  // When each layer's backward ends (on the slowest rank), from the start of backward.
  std::vector<double> grad_ready(graph.size(), 0);
  {
    double t = 0;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      t += times[*it].backward_s * slowest;
      grad_ready[*it] = t;
    }
  }

  // ---- communication ----
  const auto buckets =
      models::make_buckets(graph, grad_bytes, s.data_parallel.first_bucket_mb * 1024 * 1024, r.bucket_bytes);
  const auto grad_op = zero == 0 ? CollectiveOp::AllReduce : CollectiveOp::ReduceScatter;
  std::vector<CommOp> grad_ops;
  std::vector<CollectiveChoice> choices;
  std::map<Collective, double> bytes_by_algorithm;
  double comm_total = 0;
  for (const auto& b : buckets) {
    const auto choice = choose_collective(s.data_parallel.collective, grad_op, b.bytes, path);
    choices.push_back(choice);
    bytes_by_algorithm[choice.algorithm] += b.bytes;
    const double ready = s.overlaps_communication() ? grad_ready[b.layers.back()] : backward;
    grad_ops.push_back({ready, n > 1 ? choice.time_s : 0});
  }

  double exposed = 0;  // per step
  std::vector<double> starts;
  if (n > 1) {
    if (zero < 3) {
      const double end = run_stream(grad_ops, &starts);
      const double per_sync = std::max(0.0, end - backward);
      for (const auto& op : grad_ops) comm_total += op.duration_s;
      const double syncs = zero == 2 ? accumulation : 1.0;
      exposed += per_sync * syncs;
      comm_total *= syncs;
      if (zero >= 1) {
        // The updated parameter shards are all-gathered after the optimizer step.
        const double params_bytes = static_cast<double>(r.params) * act_bytes;
        const double gather =
            choose_collective(s.data_parallel.collective, CollectiveOp::AllGather, params_bytes, path).time_s;
        exposed += gather;
        comm_total += gather;
      }
    } else {
      // ZeRO-3, per micro-step, on one stream: the forward gathers (in forward order), then
      // in backward AG0, AG1, RS0, AG2, RS1, ... (one gather ahead). Compute waits for a
      // bucket's gather before its first layer; a reduce-scatter waits for its gradients.
      const std::size_t count = buckets.size();
      std::vector<int> needs(graph.size(), -1);
      std::vector<double> gather_s;
      for (std::size_t k = 0; k < count; ++k) {
        for (LayerId id : buckets[k].layers) needs[id] = static_cast<int>(k);
        gather_s.push_back(
            choose_collective(s.data_parallel.collective, CollectiveOp::AllGather, buckets[k].params * act_bytes, path)
                .time_s);
      }
      double comm = 0, comp = 0;
      std::vector<double> forward_gathered(count), backward_gathered(count);
      for (std::size_t k = count; k-- > 0;) forward_gathered[k] = comm += gather_s[k];
      std::vector<bool> have(count, false);
      for (LayerId id : order) {
        if (needs[id] >= 0 && !have[needs[id]])
          comp = std::max(comp, forward_gathered[needs[id]]), have[needs[id]] = true;
        comp += times[id].forward_s * slowest;
      }
      const double backward_start = comp;
      const auto reverse = graph.gradient_ready_order();
      std::size_t next_layer = 0;
      have.assign(count, false);
      auto backward_through = [&](std::size_t bucket) {  // compute until `bucket` is complete (or to the end)
        while (next_layer < reverse.size()) {
          const LayerId id = reverse[next_layer++];
          if (needs[id] >= 0 && !have[needs[id]])
            comp = std::max(comp, backward_gathered[needs[id]]), have[needs[id]] = true;
          comp += times[id].backward_s * slowest;
          if (bucket < count && id == buckets[bucket].layers.back()) return;
        }
      };
      if (count > 0) backward_gathered[0] = comm += gather_s[0];
      starts.assign(count, 0);
      for (std::size_t k = 0; k < count; ++k) {
        if (k + 1 < count) backward_gathered[k + 1] = comm += gather_s[k + 1];
        backward_through(k);
        comm = std::max(comm, comp);
        starts[k] = comm - backward_start;
        grad_ops[k].ready_s = comp - backward_start;
        comm += grad_ops[k].duration_s;
      }
      backward_through(count);
      const double micro_step = std::max(comm, comp);
      for (std::size_t k = 0; k < count; ++k) comm_total += 2 * gather_s[k] + grad_ops[k].duration_s;
      comm_total *= accumulation;
      // Everything beyond the slowest rank's compute is waiting for the network.
      exposed += (micro_step - forward - backward) * accumulation;
    }
  }

  // ---- optimizer ----
  const double local_params = static_cast<double>(r.params) / (zero >= 1 ? n : 1);
  const double optimizer = optimizer_time(compute, local_params, s.training.optimizer);

  r.breakdown.forward_s = mean_forward * accumulation;
  r.breakdown.backward_s = mean_backward * accumulation;
  r.breakdown.stragglers_s =
      ((forward - mean_forward) + (backward - mean_backward)) * accumulation;  // exactly 0 without noise
  r.breakdown.exposed_comm_s = exposed;
  r.breakdown.comm_total_s = comm_total;
  r.breakdown.optimizer_s = optimizer;
  r.step_time_s = r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.stragglers_s + exposed + optimizer;
  r.step_time_spread_s = {r.step_time_s, r.step_time_s};  // deterministic model: no spread
  r.samples_per_s = static_cast<double>(r.global_batch) / r.step_time_s;
  r.tokens_per_s = r.seq_len > 0 ? r.samples_per_s * static_cast<double>(r.seq_len) : 0;
  // Against one GPU doing the same per-GPU work without communication. (With ZeRO the
  // sharded optimizer is part of that work: a plain 1-GPU baseline would make ZeRO look
  // super-linear, which says nothing about how well the collectives scale.)
  const double one_gpu_step = (mean_forward + mean_backward) * accumulation + optimizer;
  r.scaling_efficiency = one_gpu_step / r.step_time_s;
  r.mfu = flops * accumulation / (r.step_time_s * compute.matrix_peak());
  if (gpu.price_per_hour) r.cost_per_step_usd = r.step_time_s * n * *gpu.price_per_hour / 3600.0;

  // ---- which collective, and why ----
  Collective main = choices.empty() ? Collective::Ring : choices.front().algorithm;
  double main_bytes = -1;
  for (const auto& [c, bytes] : bytes_by_algorithm)
    if (bytes > main_bytes) main = c, main_bytes = bytes;
  r.collective_algorithm = n == 1 ? "none" : std::string(models::to_string(main));
  if (n == 1) {
    r.collective_why = "one GPU: no gradient exchange";
  } else {
    const double largest =
        buckets.empty()
            ? 0
            : std::max_element(buckets.begin(), buckets.end(), [](const models::Bucket& a, const models::Bucket& b) {
                return a.bytes < b.bytes;
              })->bytes;
    std::string mix;
    if (bytes_by_algorithm.size() > 1)
      for (const auto& [c, bytes] : bytes_by_algorithm)
        mix += (mix.empty() ? "" : ", ") + std::string(models::to_string(c)) + " for " + human_bytes(bytes);
    r.collective_why =
        std::string(s.data_parallel.collective == Collective::Auto ? "auto: least alpha-beta time per bucket"
                                                                   : "configured") +
        (mix.empty() ? "" : " (" + mix + ")") + "; " +
        std::string(grad_op == CollectiveOp::AllReduce ? "all-reduce" : "reduce-scatter") + " of the largest bucket (" +
        human_bytes(largest) + ") on " + std::to_string(n) + " GPUs: " + compare_collectives(grad_op, largest, path);
    if (s.data_parallel.overlap && !s.overlaps_communication())
      r.collective_why += "; not overlapped with backward: " + gpu.name +
                          " computes its own communication (communication_uses_compute)";
  }

  if (options.details) {
    for (LayerId id : order) {
      const auto& layer = graph.layer(id);
      const auto cost = layer.cost(mb, act_bytes, act_bytes);
      r.layers.push_back({layer.name, std::string(models::to_string(layer.kind)), graph.owned_params(id),
                          cost.forward_flops, cost.backward_flops(), times[id].forward_s, times[id].backward_s,
                          cost.activation_bytes});
    }
    for (std::size_t k = 0; k < buckets.size(); ++k) {
      const double start = k < starts.size() ? starts[k] : grad_ops[k].ready_s;
      const double ready = zero >= 3 && n > 1 ? grad_ops[k].ready_s : grad_ready[buckets[k].layers.back()];
      r.buckets.push_back({static_cast<int>(k), buckets[k].bytes, static_cast<int>(buckets[k].layers.size()), ready,
                           start, start + grad_ops[k].duration_s,
                           n == 1 ? "none" : std::string(models::to_string(choices[k].algorithm))});
    }
  }
  return r;
}

}  // namespace dpcast::sim
