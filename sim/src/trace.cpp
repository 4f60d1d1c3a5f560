#include "dpcast/sim/trace.hpp"

#include <algorithm>

#include "dpcast/models/buckets.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/trace_event.hpp"
#include "dpcast/sim/link_load.hpp"
#include "dpcast/sim/memory_model.hpp"
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

// Where the record's step puts things, and what each layer waits for.
struct StepLayout {
  const models::RunRecord& r;
  bool zero3 = false;         // parameters gathered per bucket before its forward and backward
  bool synced_micro = false;  // ZeRO-2/3: every micro-step waits for its collectives
  double period = 0;          // ZeRO-2/3: from one micro-step's start to the next
  std::vector<int> needs;     // ZeRO-3, per layer in forward order: the bucket it needs gathered, or -1
  std::vector<const models::GatherTiming*> forward_gather, backward_gather;  // ZeRO-3, per bucket

  StepLayout(const models::RunRecord& record, const models::Scenario& s) : r(record) {
    const auto micro = r.grad_accumulation;
    zero3 = r.zero_stage >= 3 && r.gpus > 1;
    synced_micro = r.zero_stage >= 2 && r.gpus > 1;
    period = micro > 1 ? r.marks.last_micro_step_start_s / static_cast<double>(micro - 1) : 0;
    if (!zero3) return;
    // The engines' buckets, rebuilt: which layer needs which bucket's parameters.
    const auto graph = s.model.build(s.seq_len());
    const auto buckets = models::make_buckets(graph, gradient_bytes_per_param(s.training.precision),
                                              s.data_parallel.first_bucket_bytes(), s.data_parallel.bucket_bytes());
    std::vector<int> by_id(graph.size(), -1);
    for (std::size_t k = 0; k < buckets.size(); ++k)
      for (auto id : buckets[k].layers) by_id[id] = static_cast<int>(k);
    for (auto id : graph.forward_order()) needs.push_back(by_id[id]);
    forward_gather.assign(buckets.size(), nullptr);
    backward_gather.assign(buckets.size(), nullptr);
    for (const auto& g : r.gathers)
      if (g.bucket >= 0 && static_cast<std::size_t>(g.bucket) < buckets.size())
        (g.phase == "backward" ? backward_gather : forward_gather)[static_cast<std::size_t>(g.bucket)] = &g;
  }

  // Beyond kTracedMicroSteps, micro-steps 2 to n-2 are one span per track (they repeat micro-step 1).
  [[nodiscard]] bool elides() const { return r.grad_accumulation > kTracedMicroSteps; }
  [[nodiscard]] std::string elided_name() const {
    return "micro-steps 2 to " + std::to_string(r.grad_accumulation - 2) + " (each as micro-step 1)";
  }
  [[nodiscard]] Json elided_args() const { return Json{{"micro_steps", r.grad_accumulation - 3}}; }

  // Micro-step m's times are the last one's, earlier by this much (ZeRO-2/3 repeat the last
  // micro-step's schedule every period; otherwise only the last micro-step communicates).
  [[nodiscard]] double shift(std::int64_t m) const {
    return r.marks.last_micro_step_start_s - static_cast<double>(m) * period;
  }
  // When layer `i` (forward order) may start in micro-step m: after its bucket's gather.
  [[nodiscard]] double gathered(std::size_t i, std::int64_t m, bool backward) const {
    if (!zero3 || i >= needs.size() || needs[i] < 0) return 0;
    const auto* g = (backward ? backward_gather : forward_gather)[static_cast<std::size_t>(needs[i])];
    return g ? g->end_s - shift(m) : 0;
  }
};

// One rank's compute track: every micro-step's forward and backward, layer by layer at the
// rank's own speed, each ZeRO-3 layer after its gather.
void compute_track(Json& events, const StepLayout& at, int rank, double factor) {
  const auto& r = at.r;
  double t = 0;
  double micro_step_1_start = 0;
  for (std::int64_t m = 0; m < r.grad_accumulation; ++m) {
    if (m == 2 && at.elides()) {
      const double repeats = static_cast<double>(r.grad_accumulation - 3);
      const double each = t - micro_step_1_start;
      events.push_back(trace_event(at.elided_name(), "compute", t, repeats * each, rank, 1, at.elided_args()));
      t += repeats * each;
      m = r.grad_accumulation - 2;  // on to the last
      continue;
    }
    if (m == 1) micro_step_1_start = t;
    const std::string step = r.grad_accumulation > 1 ? " (micro-step " + std::to_string(m) + ")" : "";
    if (at.synced_micro) t = std::max(t, static_cast<double>(m) * at.period);
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
      const auto& l = r.layers[i];
      t = std::max(t, at.gathered(i, m, false));
      if (l.forward_s > 0)
        events.push_back(trace_event(l.name + step, "forward", t, l.forward_s * factor, rank, 1,
                                     {{"kind", l.kind}, {"flops", l.forward_flops}}));
      t += l.forward_s * factor;
    }
    // ZeRO-3's backward starts where the engine put it (its gathers, and interference, decide).
    if (at.zero3) t = std::max(t, r.marks.last_backward_start_s - at.shift(m));
    for (std::size_t i = r.layers.size(); i-- > 0;) {
      const auto& l = r.layers[i];
      t = std::max(t, at.gathered(i, m, true));
      if (l.backward_s > 0)
        events.push_back(trace_event(l.name + step, "backward", t, l.backward_s * factor, rank, 1,
                                     {{"kind", l.kind}, {"flops", l.backward_flops}}));
      t += l.backward_s * factor;
    }
  }
}

// One collective on the communication track.
struct CommSpan {
  std::string name;
  double start_s = 0;
  double duration_s = 0;
  Json args;
  CollectiveOp op = CollectiveOp::AllReduce;
  double bytes = 0;
  std::string algorithm;
  bool elided = false;  // micro-steps 2 to n-2, as one span: no collective of its own
};

// The communication track: the buckets' collectives (every micro-step with ZeRO-2/3, else the
// last), ZeRO-3's gathers, and ZeRO-1/2's gather after the optimizer, where the record puts them.
std::vector<CommSpan> communication_spans(const StepLayout& at) {
  const auto& r = at.r;
  const CollectiveOp bucket_op = r.zero_stage == 0 ? CollectiveOp::AllReduce : CollectiveOp::ReduceScatter;
  std::vector<CommSpan> spans;
  const auto micro_step_spans = [&](std::int64_t m, std::vector<CommSpan>& into) {
    const std::string step = r.grad_accumulation > 1 ? " (micro-step " + std::to_string(m) + ")" : "";
    const double backward_start = r.marks.last_backward_start_s - at.shift(m);
    for (const auto& b : r.buckets)
      into.push_back({"bucket " + std::to_string(b.id) + " " + b.algorithm + step, backward_start + b.start_s,
                      b.end_s - b.start_s,
                      Json{{"bucket", b.id}, {"bytes", b.bytes}, {"layers", b.layers}, {"algorithm", b.algorithm}},
                      bucket_op, b.bytes, b.algorithm});
    for (const auto& g : r.gathers)
      if (g.bucket >= 0)
        into.push_back({"all-gather bucket " + std::to_string(g.bucket) + " (" + g.phase + ")" + step,
                        g.start_s - at.shift(m), g.end_s - g.start_s,
                        Json{{"gather", g.phase}, {"bytes", g.bytes}, {"algorithm", g.algorithm}},
                        CollectiveOp::AllGather, g.bytes, g.algorithm});
  };
  for (std::int64_t m = 0; m < r.grad_accumulation; ++m) {
    if (!at.synced_micro && m + 1 < r.grad_accumulation) continue;
    if (m == 2 && at.elides()) {  // from micro-step 2's first collective to micro-step n-2's last
      std::vector<CommSpan> first, last;
      micro_step_spans(2, first);
      micro_step_spans(r.grad_accumulation - 2, last);
      double begin = first.empty() ? 0 : first.front().start_s, end = 0;
      for (const auto& span : first) begin = std::min(begin, span.start_s);
      for (const auto& span : last) end = std::max(end, span.start_s + span.duration_s);
      CommSpan span;
      span.name = at.elided_name();
      span.start_s = begin;
      span.duration_s = end - begin;
      span.args = at.elided_args();
      span.elided = true;
      spans.push_back(span);
      m = r.grad_accumulation - 2;
      continue;
    }
    micro_step_spans(m, spans);
  }
  for (const auto& g : r.gathers)
    if (g.bucket < 0)
      spans.push_back({"all-gather parameters (" + g.phase + ")", g.start_s, g.end_s - g.start_s,
                       Json{{"gather", g.phase}, {"bytes", g.bytes}, {"algorithm", g.algorithm}},
                       CollectiveOp::AllGather, g.bytes, g.algorithm});
  return spans;
}

// Counter tracks, one per link the ranks shown leave by (link_load.hpp), under a process of
// their own after the ranks': each collective sets its link's utilisation (%) while it runs.
void link_counters(Json& events, const models::RunRecord& r, const models::Scenario& s,
                   const std::vector<CommSpan>& spans, const std::vector<int>& ranks) {
  if (r.gpus < 2 || spans.empty()) return;
  const des::Layout layout = des::Layout::from(s);
  const int pid = r.gpus;
  events.push_back(metadata("process_name", pid, -1, "links (utilisation %)"));
  std::vector<des::Schedule> schedules;  // per span, the same for every rank
  for (const auto& span : spans)
    if (span.elided)
      schedules.emplace_back();
    else
      schedules.push_back(des::make_schedule(schedule_algorithm(span.algorithm), span.op, span.bytes, layout));
  std::vector<std::string> done;
  for (const int rank : ranks) {
    const auto links = rank_links(s, layout, rank);
    std::vector<std::vector<double>> bytes;  // per span, per link
    for (const auto& schedule : schedules) bytes.push_back(link_bytes(layout, schedule, rank));
    for (std::size_t k = 0; k < links.size(); ++k) {
      // A node's, leaf's or pod's link is the same for every rank under it: shown once.
      if (std::find(done.begin(), done.end(), links[k].name) != done.end()) continue;
      done.push_back(links[k].name);
      const auto counter = [&](double t, double percent) {
        events.push_back(Json{{"name", links[k].name},
                              {"ph", "C"},
                              {"ts", t * 1e6},
                              {"pid", pid},
                              {"args", {{"utilisation %", percent}}}});
      };
      counter(0, 0);
      for (std::size_t i = 0; i < spans.size(); ++i) {
        if (!(spans[i].duration_s > 0) || spans[i].elided) continue;
        const double busy = bytes[i][k] / (spans[i].duration_s * links[k].capacity_bytes_per_s);
        counter(spans[i].start_s, 100 * std::min(1.0, busy));
        counter(spans[i].start_s + spans[i].duration_s, 0);
      }
    }
  }
}

}  // namespace

Json chrome_trace(const models::RunRecord& r, const models::Scenario& s, int max_ranks) {
  std::vector<int> first;
  for (int rank = 0; rank < std::min(r.gpus, std::max(1, max_ranks)); ++rank) first.push_back(rank);
  return chrome_trace(r, s, first);
}

std::vector<int> trace_ranks(const std::string& text, int gpus) {
  const auto fail = [&](const std::string& why) -> std::vector<int> {
    throw Error(SourceLocation{}, "--trace-ranks", why);
  };
  const auto too_many = [](double count) {
    return std::to_string(static_cast<long long>(count)) + " ranks are more than the " +
           std::to_string(kMaxTraceRanks) + " one trace may hold (the limit)";
  };
  const auto integer = [&](const std::string& word) {
    std::size_t used = 0;
    int value = -1;
    try {
      value = std::stoi(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (word.empty() || used != word.size() || value < 0)
      fail("expected a count (8) or ranks and ranges (0,32,64 or 0-3,60-63), got '" + text + "'");
    return value;
  };
  if (text.find_first_of(",-") == std::string::npos) {  // a count: the first ranks
    const int count = integer(text);
    if (count < 1) fail("expected at least one rank");
    if (std::min(count, gpus) > kMaxTraceRanks) fail(too_many(std::min(count, gpus)));
    std::vector<int> first;
    for (int rank = 0; rank < std::min(count, gpus); ++rank) first.push_back(rank);
    return first;
  }
  std::vector<int> ranks;
  double listed = 0;  // ranks named so far, counted before they are listed
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    const std::size_t dash = item.find('-');
    const int low = integer(item.substr(0, dash));
    const int high = dash == std::string::npos ? low : integer(item.substr(dash + 1));
    if (high < low) fail("range " + item + " runs backwards");
    if (high >= gpus)
      fail("rank " + std::to_string(high) + ": the configuration has " + std::to_string(gpus) + " GPUs (ranks 0 to " +
           std::to_string(gpus - 1) + ")");
    listed += static_cast<double>(high) - low + 1;
    if (listed > kMaxTraceRanks) fail(too_many(listed));
    for (int rank = low; rank <= high; ++rank) ranks.push_back(rank);
    begin = end + 1;
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  return ranks;
}

Json chrome_trace(const models::RunRecord& r, const models::Scenario& s, const std::vector<int>& ranks) {
  if (r.layers.empty()) throw Error("a trace needs the record's per-layer timings");
  if (!r.feasible) throw Error("no trace for a configuration that does not fit in memory");
  for (const int rank : ranks)
    if (rank < 0 || rank >= r.gpus)
      throw Error("no rank " + std::to_string(rank) + " in " + std::to_string(r.gpus) + " GPUs");
  const auto factors = draw_factors(s.training.compute_noise, r.gpus, 0);
  const StepLayout layout(r, s);
  const std::vector<CommSpan> spans = communication_spans(layout);
  // The optimizer runs when every collective of the step is done; ZeRO-1/2's parameter gather
  // follows it, and the step ends with whichever is last.
  double final_gather = 0;
  for (const auto& g : r.gathers)
    if (g.bucket < 0) final_gather = g.end_s - g.start_s;
  const double optimizer_start = r.step_time_s - r.breakdown.optimizer_s - final_gather;

  Json events = Json::array();
  for (const int rank : ranks) {
    const int node = rank / r.gpus_per_node;
    events.push_back(metadata("process_name", rank, -1,
                              "rank " + std::to_string(rank) + " (node " + std::to_string(node) + ", GPU " +
                                  std::to_string(rank % r.gpus_per_node) + ")"));
    events.push_back(metadata("thread_name", rank, 1, "compute"));
    events.push_back(metadata("thread_name", rank, 2, "communication"));
    compute_track(events, layout, rank, r.gpus > 1 ? factors[static_cast<std::size_t>(rank)] : 1.0);
    for (const auto& span : spans)
      events.push_back(trace_event(span.name, "communication", span.start_s, span.duration_s, rank, 2, span.args));
    events.push_back(trace_event("optimizer", "optimizer", optimizer_start, r.breakdown.optimizer_s, rank, 1));
  }
  link_counters(events, r, s, spans, ranks);
  return Json{{"traceEvents", events},
              {"displayTimeUnit", "ms"},
              {"otherData",
               {{"scenario", r.scenario_name},
                {"engine", r.engine},
                {"gpus", r.gpus},
                {"ranks_shown", static_cast<int>(ranks.size())},
                {"step_time_s", r.step_time_s}}}};
}

}  // namespace dpcast::sim
