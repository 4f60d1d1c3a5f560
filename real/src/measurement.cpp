#include "dpcast/real/measurement.hpp"

#include <algorithm>
#include <cmath>

#include "dpcast/models/error.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/models/trace_event.hpp"

namespace dpcast::real {
namespace {
constexpr double kMicros = models::kTraceMicros;
using models::trace_event;

double median(std::vector<double> v) {
  return percentile(std::move(v), 50);
}

// The median over measured steps of f(step).
template <typename F>
double median_of(const std::vector<StepTimes>& steps, std::size_t first, F f) {
  std::vector<double> v;
  for (std::size_t t = first; t < steps.size(); ++t) v.push_back(f(steps[t]));
  return median(std::move(v));
}
}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double at = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

models::RunRecord measured_record(const models::Scenario& s, const Trainer& trainer,
                                  const std::vector<StepTimes>& steps, const std::vector<double>& slowest,
                                  const RunContext& context) {
  const TrainConfig& c = trainer.config();
  const auto first = static_cast<std::size_t>(c.warmup);
  if (steps.size() <= first || slowest.size() != steps.size()) throw Error("no measured steps to report");
  const GraphPlan& plan = trainer.plan();
  const ParamLayout& layout = trainer.layout();
  const models::ModelGraph& graph = plan.graph();

  // The record says what ran: this backend's gradients are views of its buckets (ParamLayout),
  // so DDP's copies into the buckets and back never happen, whatever the scenario asked.
  models::Scenario ran = s;
  if (ran.data_parallel.zero_stage == 0) ran.data_parallel.gradient_copies = models::GradientCopies::None;
  models::RunRecord r = models::configured_record(ran, graph);
  r.kind = "measured";
  r.engine = context.engine;
  r.step_times_s.assign(slowest.begin() + static_cast<std::ptrdiff_t>(first), slowest.end());
  r.step_time_s = median(r.step_times_s);
  r.step_time_spread_s = {percentile(r.step_times_s, 10), percentile(r.step_times_s, 90)};
  r.samples_per_s = static_cast<double>(r.global_batch) / r.step_time_s;
  r.tokens_per_s = r.seq_len > 0 ? r.samples_per_s * static_cast<double>(r.seq_len) : 0;
  r.breakdown.forward_s = median_of(steps, first, [](const StepTimes& t) { return t.forward_s(); });
  r.breakdown.backward_s = median_of(steps, first, [](const StepTimes& t) { return t.backward_s(); });
  r.breakdown.exposed_comm_s = median_of(steps, first, [](const StepTimes& t) { return t.exposed_comm_s(); });
  r.breakdown.comm_total_s = median_of(steps, first, [](const StepTimes& t) { return t.comm_total_s(); });
  r.breakdown.optimizer_s = median_of(steps, first, [](const StepTimes& t) { return t.optimizer_s(); });
  // As the predictors define it: the same per-rank work without communication, over the step.
  r.scaling_efficiency = (r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.optimizer_s) / r.step_time_s;
  double flops = 0;
  for (const auto& p : plan.nodes()) {
    const auto cost = graph.layer(p.id).cost(c.micro_batch, 4, 4);
    flops += cost.forward_flops + cost.backward_flops();
  }
  if (s.cluster.gpu_entry)
    r.mfu = flops * static_cast<double>(c.accumulation) /
            (r.step_time_s * s.cluster.gpu_entry->matrix_peak(s.training.precision));
  for (const StepTimes& t : steps) r.loss_per_step.push_back(t.loss);

  // Memory this rank allocated.
  const double param_bytes = static_cast<double>(layout.total()) * sizeof(float);
  r.memory.params_bytes = param_bytes;
  r.memory.grads_bytes = param_bytes;
  r.memory.optimizer_bytes = trainer.optimizer().state_bytes();
  r.memory.activations_bytes = trainer.executor().activation_bytes();
  r.memory.comm_buffers_bytes = 0;  // buckets are all-reduced in place
  r.memory.total_bytes =
      r.memory.params_bytes + r.memory.grads_bytes + r.memory.optimizer_bytes + r.memory.activations_bytes;
  if (s.cluster.gpu_entry) r.memory.capacity_bytes = s.cluster.gpu_entry->memory_bytes;

  r.collective_algorithm = context.collective_algorithm;
  r.collective_why = context.collective_why;

  const std::size_t layers = static_cast<std::size_t>(plan.size());
  for (std::size_t i = 0; i < layers; ++i) {
    const PlanNode& p = plan.node(static_cast<int>(i));
    const models::Layer& l = graph.layer(p.id);
    const auto cost = l.cost(c.micro_batch, 4, 4);
    std::vector<double> fwd, bwd;  // every measured micro-step
    for (std::size_t t = first; t < steps.size(); ++t)
      for (std::size_t a = 0; a < steps[t].micro; ++a) {
        fwd.push_back(steps[t].forward_end[a * layers + i] - steps[t].forward_begin[a * layers + i]);
        bwd.push_back(steps[t].backward_end[a * layers + i] - steps[t].backward_begin[a * layers + i]);
      }
    r.layers.push_back({l.name, std::string(models::to_string(l.kind)), graph.owned_params(p.id), cost.forward_flops,
                        cost.backward_flops(), median(fwd), median(bwd), cost.activation_bytes});
  }
  for (const BucketSpan& b : layout.buckets()) {
    const auto k = static_cast<std::size_t>(b.id);
    auto from_backward = [&](const std::vector<double> StepTimes::*field) {
      return median_of(steps, first, [&](const StepTimes& t) { return (t.*field)[k] - t.backward_start_s; });
    };
    r.buckets.push_back({b.id, b.bytes(), static_cast<int>(b.nodes.size()), from_backward(&StepTimes::bucket_ready_s),
                         from_backward(&StepTimes::bucket_start_s), from_backward(&StepTimes::bucket_end_s),
                         r.collective_algorithm});
  }
  return r;
}

namespace {

models::Json metadata(const std::string& what, int pid, int tid, const std::string& name) {
  models::Json j{{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
  if (tid >= 0) j["tid"] = tid;
  return j;
}
}  // namespace

models::Json measured_trace(const models::RunRecord& r, const Trainer& trainer, const std::vector<StepTimes>& ranks,
                            int step) {
  const GraphPlan& plan = trainer.plan();
  const ParamLayout& layout = trainer.layout();
  const std::size_t layers = static_cast<std::size_t>(plan.size());
  models::Json events = models::Json::array();
  for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
    const StepTimes& s = ranks[rank];
    const int pid = static_cast<int>(rank);
    events.push_back(metadata("process_name", pid, -1,
                              "rank " + std::to_string(rank) + " (node " +
                                  std::to_string(pid / std::max(1, r.gpus_per_node)) + ", worker " +
                                  std::to_string(pid % std::max(1, r.gpus_per_node)) + ")"));
    events.push_back(metadata("thread_name", pid, 1, "compute"));
    events.push_back(metadata("thread_name", pid, 2, "communication"));
    for (std::size_t a = 0; a < s.micro; ++a) {
      const std::string suffix = s.micro > 1 ? " (micro-step " + std::to_string(a) + ")" : "";
      for (std::size_t i = 0; i < layers; ++i) {
        const PlanNode& p = plan.node(static_cast<int>(i));
        if (p.kind == models::LayerKind::Input) continue;
        const std::string kind(models::to_string(p.kind));
        const std::size_t at = a * layers + i;
        events.push_back(trace_event(p.name + suffix, "forward", s.forward_begin[at],
                                     s.forward_end[at] - s.forward_begin[at], pid, 1, {{"kind", kind}}));
        events.push_back(trace_event(p.name + suffix, "backward", s.backward_begin[at],
                                     s.backward_end[at] - s.backward_begin[at], pid, 1, {{"kind", kind}}));
      }
    }
    if (s.exposed_comm_s() > 0)
      events.push_back(trace_event("wait for all-reduces", "exposed_comm", s.wait_begin_s, s.exposed_comm_s(), pid, 1));
    for (const BucketSpan& b : layout.buckets()) {
      const auto k = static_cast<std::size_t>(b.id);
      if (r.collective_algorithm == "none") break;  // one rank: nothing exchanged
      events.push_back(trace_event("bucket " + std::to_string(b.id) + " all-reduce", "communication",
                                   s.bucket_start_s[k], s.bucket_end_s[k] - s.bucket_start_s[k], pid, 2,
                                   {{"bucket", b.id},
                                    {"bytes", b.bytes()},
                                    {"layers", static_cast<int>(b.nodes.size())},
                                    {"ready_us", s.bucket_ready_s[k] * kMicros},
                                    {"algorithm", r.collective_algorithm}}));
    }
    events.push_back(trace_event("optimizer", "optimizer", s.optimizer_begin_s, s.optimizer_s(), pid, 1));
  }
  return models::Json{{"traceEvents", events},
                      {"displayTimeUnit", "ms"},
                      {"otherData",
                       {{"scenario", r.scenario_name},
                        {"engine", r.engine},
                        {"kind", r.kind},
                        {"gpus", r.gpus},
                        {"step", step},
                        {"step_time_s", ranks.empty() ? 0.0 : ranks[0].step_s}}}};
}

}  // namespace dpcast::real
