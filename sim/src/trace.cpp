#include "dpcast/sim/trace.hpp"

#include <algorithm>

#include "dpcast/models/error.hpp"
#include "dpcast/models/trace_event.hpp"
#include "dpcast/sim/stragglers.hpp"

namespace dpcast::sim {
using models::Json;

namespace {
using models::trace_event;

Json metadata(const std::string& what, int pid, int tid, const std::string& name) {
  Json j{{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
  if (tid >= 0) j["tid"] = tid;
  return j;
}
}  // namespace

Json chrome_trace(const models::RunRecord& r, const models::Scenario& s, int max_ranks) {
  if (r.layers.empty()) throw Error("a trace needs the record's per-layer timings");
  if (!r.feasible) throw Error("no trace for a configuration that does not fit in memory");
  const int ranks = std::min(r.gpus, std::max(1, max_ranks));
  const auto factors = draw_factors(s.training.compute_noise, r.gpus, 0);
  double mean_forward = 0, mean_backward = 0;
  for (const auto& l : r.layers) {
    mean_forward += l.forward_s;
    mean_backward += l.backward_s;
  }
  // The slowest rank sets the collectives' clock: its last backward starts here.
  const double slowest = (r.breakdown.forward_s + r.breakdown.backward_s + r.breakdown.stragglers_s) /
                         std::max(1e-300, r.breakdown.forward_s + r.breakdown.backward_s);
  const double micro = static_cast<double>(r.grad_accumulation);
  const double last_backward_start = ((micro - 1) * (mean_forward + mean_backward) + mean_forward) * slowest;
  double comm_end = last_backward_start;
  for (const auto& b : r.buckets) comm_end = std::max(comm_end, last_backward_start + b.end_s);
  // Layers are drawn at their own durations; what the collectives they overlap cost them
  // (the record has it per step, not per layer) moves the end of backward.
  const double compute_end = micro * (mean_forward + mean_backward) * slowest + r.breakdown.interference_s;
  const double optimizer_start = std::max(comm_end, compute_end);

  Json events = Json::array();
  for (int rank = 0; rank < ranks; ++rank) {
    const int node = rank / r.gpus_per_node;
    events.push_back(metadata("process_name", rank, -1,
                              "rank " + std::to_string(rank) + " (node " + std::to_string(node) + ", GPU " +
                                  std::to_string(rank % r.gpus_per_node) + ")"));
    events.push_back(metadata("thread_name", rank, 1, "compute"));
    events.push_back(metadata("thread_name", rank, 2, "communication"));
    const double f = r.gpus > 1 ? factors[static_cast<std::size_t>(rank)] : 1.0;
    double t = 0;
    for (std::int64_t m = 0; m < r.grad_accumulation; ++m) {
      const std::string step = r.grad_accumulation > 1 ? " (micro-step " + std::to_string(m) + ")" : "";
      for (const auto& l : r.layers) {
        if (l.forward_s > 0)
          events.push_back(trace_event(l.name + step, "forward", t, l.forward_s * f, rank, 1,
                                       {{"kind", l.kind}, {"flops", l.forward_flops}}));
        t += l.forward_s * f;
      }
      for (auto it = r.layers.rbegin(); it != r.layers.rend(); ++it) {
        if (it->backward_s > 0)
          events.push_back(trace_event(it->name + step, "backward", t, it->backward_s * f, rank, 1,
                                       {{"kind", it->kind}, {"flops", it->backward_flops}}));
        t += it->backward_s * f;
      }
    }
    for (const auto& b : r.buckets)
      events.push_back(
          trace_event("bucket " + std::to_string(b.id) + " " + b.algorithm, "communication",
                      last_backward_start + b.start_s, b.end_s - b.start_s, rank, 2,
                      {{"bucket", b.id}, {"bytes", b.bytes}, {"layers", b.layers}, {"algorithm", b.algorithm}}));
    events.push_back(trace_event("optimizer", "optimizer", optimizer_start, r.breakdown.optimizer_s, rank, 1));
  }
  return Json{{"traceEvents", events},
              {"displayTimeUnit", "ms"},
              {"otherData",
               {{"scenario", r.scenario_name},
                {"engine", r.engine},
                {"gpus", r.gpus},
                {"ranks_shown", ranks},
                {"step_time_s", r.step_time_s}}}};
}

}  // namespace dpcast::sim
