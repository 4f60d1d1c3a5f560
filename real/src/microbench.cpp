#include "dpcast/real/microbench.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>
#include <tuple>

#include "dpcast/models/byte_units.hpp"
#include "dpcast/real/graph_plan.hpp"
#include "dpcast/real/measurement.hpp"

namespace dpcast::real {
namespace {

std::vector<double> powers_of_4(double from, double to) {
  std::vector<double> v;
  for (double s = from; s <= to; s *= 4) v.push_back(s);
  return v;
}

std::string hostname() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// The median time of `call`, after one untimed call, over at least min_repetitions calls and
// at least min_seconds (at most max_repetitions). Calls are queued in rounds of
// min_repetitions with a mark between each, and resolved after each round.
double time_median(Device& device, const MicrobenchOptions& o, const std::function<void()>& call) {
  call();
  device.synchronize();
  device.forget_marks();
  std::vector<double> times;
  double total = 0;
  const int round = std::max(1, o.min_repetitions);
  while (static_cast<int>(times.size()) < o.max_repetitions &&
         (static_cast<int>(times.size()) < o.min_repetitions || total < o.min_seconds)) {
    const int calls = std::min(round, o.max_repetitions - static_cast<int>(times.size()));
    std::vector<Mark> marks{device.mark()};
    for (int i = 0; i < calls; ++i) {
      call();
      marks.push_back(device.mark());
    }
    for (int i = 0; i < calls; ++i) {
      times.push_back(device.elapsed(marks[static_cast<std::size_t>(i)], marks[static_cast<std::size_t>(i) + 1]));
      total += times.back();
    }
    device.forget_marks();
  }
  return percentile(times, 50);
}

}  // namespace

std::vector<GemmShape> training_gemms(const models::ModelGraph& graph, std::int64_t micro_batch,
                                      const std::string& label) {
  const GraphPlan plan(graph);
  std::vector<GemmShape> out;
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, bool, bool>> seen;
  auto add = [&](std::int64_t m, std::int64_t n, std::int64_t k, bool ta, bool tb, const std::string& what) {
    if (seen.insert({m, n, k, ta, tb}).second) out.push_back({m, n, k, ta, tb, label + " " + what});
  };
  for (const PlanNode& p : plan.nodes()) {
    const std::int64_t rows = micro_batch * p.rows;
    if (p.kind == models::LayerKind::Linear) {
      add(rows, p.cols, p.in_cols, false, true, p.name + " forward");
      add(rows, p.in_cols, p.cols, false, false, p.name + " input gradient");
      add(p.cols, p.in_cols, rows, true, false, p.name + " weight gradient");
    } else if (p.kind == models::LayerKind::Attention) {
      const std::int64_t s = p.rows, hd = p.head_dim;
      add(s, s, hd, false, true, p.name + " scores (per head)");
      add(s, hd, s, false, false, p.name + " values (per head)");
      add(s, hd, s, true, false, p.name + " value gradient (per head)");
      add(s, s, hd, false, true, p.name + " probability gradient (per head)");
      add(s, hd, s, false, false, p.name + " query gradient (per head)");
      add(s, hd, s, true, false, p.name + " key gradient (per head)");
    }
  }
  return out;
}

namespace {

// Times every matrix product (the options' shapes, and the square grid), once per precision,
// appending entries with their median "seconds" to `gemm`.
void measure_gemms(Device& device, Kernels& kernels, const MicrobenchOptions& o, models::Json& gemm) {
  std::vector<GemmShape> shapes = o.gemms;
  if (o.square_grid)
    for (std::int64_t s = 32; s <= 2048; s *= 2)
      shapes.push_back({s, s, s, false, false, "square " + std::to_string(s)});
  // One pass per precision (or one at the kernels' own).
  std::vector<std::pair<std::string, std::function<void()>>> precisions = o.precisions;
  if (precisions.empty()) precisions.push_back({"", [] {}});
  for (const auto& [precision, use_precision] : precisions) {
    use_precision();
    for (const GemmShape& g : shapes) {
      const std::int64_t a_rows = g.trans_a ? g.k : g.m, a_cols = g.trans_a ? g.m : g.k;
      const std::int64_t b_rows = g.trans_b ? g.n : g.k, b_cols = g.trans_b ? g.k : g.n;
      DeviceArray<float> a(device, static_cast<std::size_t>(a_rows * a_cols)),
          bm(device, static_cast<std::size_t>(b_rows * b_cols)), c(device, static_cast<std::size_t>(g.m * g.n));
      kernels.fill(a.data(), a_rows * a_cols, 0.5f);
      kernels.fill(bm.data(), b_rows * b_cols, 0.25f);
      const double s = time_median(device, o, [&] {
        kernels.gemm(g.trans_a, g.trans_b, g.m, g.n, g.k, 1.0f, a.data(), a_cols, bm.data(), b_cols, 0.0f, c.data(),
                     g.n);
      });
      models::Json entry{
          {"m", g.m},
          {"n", g.n},
          {"k", g.k},
          {"trans_a", g.trans_a},
          {"trans_b", g.trans_b},
          {"flops", 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k)},
          {"seconds", s},
          {"source", g.source}};
      if (!precision.empty()) entry["precision"] = precision;
      gemm.push_back(std::move(entry));
    }
  }
}

// Times every element-wise kernel at every size, appending entries to `elementwise`:
// `elements` of the main operand, `bytes` read + written, the median "seconds".
void measure_elementwise(Device& device, Kernels& kernels, const MicrobenchOptions& o, models::Json& elementwise) {
  const std::vector<double> sizes = o.sizes.empty() ? powers_of_4(4096, 64 * models::kMiB) : o.sizes;
  constexpr std::int64_t kRowWidth = 1024;  // row width of the row-wise kernels (norms, softmax)
  for (double size : sizes) {
    const auto n = std::max<std::int64_t>(1, static_cast<std::int64_t>(size / sizeof(float)));
    const std::int64_t cols = std::min(n, kRowWidth), rows = std::max<std::int64_t>(1, n / cols), nn = rows * cols;
    DeviceArray<float> x(device, static_cast<std::size_t>(nn)), y(device, static_cast<std::size_t>(nn)),
        z(device, static_cast<std::size_t>(nn)), w(device, static_cast<std::size_t>(nn));
    DeviceArray<float> vec(device, static_cast<std::size_t>(cols)), vec2(device, static_cast<std::size_t>(cols)),
        stat(device, static_cast<std::size_t>(rows)), stat2(device, static_cast<std::size_t>(rows)), scalar(device, 1);
    DeviceArray<std::int32_t> ids(device, static_cast<std::size_t>(rows));  // zeros: valid rows and classes
    kernels.fill(x.data(), nn, 0.3f);
    kernels.fill(y.data(), nn, 0.2f);
    kernels.fill(vec.data(), cols, 1.0f);
    const double f = sizeof(float);
    const double e = static_cast<double>(nn);
    struct Case {
      const char* kernel;
      double bytes;
      std::function<void()> call;
    };
    const float* pair[2] = {x.data(), y.data()};
    AdamWStep adam;
    adam.weight_decay = 0.01f;
    const std::vector<Case> cases{
        {"add_forward", 3 * e * f, [&] { kernels.add_forward(z.data(), pair, 2, nn); }},
        {"add_backward", 3 * e * f, [&] { kernels.copy(z.data(), x.data(), nn, true); }},
        {"copy", 2 * e * f, [&] { kernels.copy(z.data(), x.data(), nn, false); }},
        {"gelu_forward", 2 * e * f, [&] { kernels.gelu_forward(z.data(), x.data(), nn); }},
        {"gelu_backward", 3 * e * f, [&] { kernels.gelu_backward(z.data(), y.data(), x.data(), nn, false); }},
        {"relu_forward", 2 * e * f, [&] { kernels.relu_forward(z.data(), x.data(), nn); }},
        {"relu_backward", 3 * e * f, [&] { kernels.relu_backward(z.data(), y.data(), x.data(), nn, false); }},
        {"bias_add", 2 * e * f, [&] { kernels.add_bias(z.data(), vec.data(), rows, cols); }},
        {"bias_grad", e * f, [&] { kernels.bias_grad(vec2.data(), y.data(), rows, cols, false); }},
        {"layernorm_forward", 2 * e * f,
         [&] {
           kernels.layernorm_forward(z.data(), stat.data(), stat2.data(), x.data(), vec.data(), vec2.data(), rows, cols,
                                     1e-5f);
         }},
        {"layernorm_backward", 3 * e * f,
         [&] {
           kernels.layernorm_backward(z.data(), vec2.data(), w.data(), y.data(), x.data(), stat.data(), stat2.data(),
                                      vec.data(), rows, cols, false, false);
         }},
        {"embedding_forward", 2 * e * f,
         [&] { kernels.embedding_forward(z.data(), x.data(), nullptr, 1, rows, cols); }},
        {"embedding_backward", 3 * e * f,
         [&] { kernels.embedding_backward(z.data(), y.data(), nullptr, 1, rows, cols, rows, true); }},
        {"cross_entropy_forward", 2 * e * f,
         [&] { kernels.cross_entropy_forward(z.data(), scalar.data(), x.data(), ids.data(), rows, cols); }},
        {"cross_entropy_backward", 2 * e * f,
         [&] { kernels.cross_entropy_backward(w.data(), z.data(), ids.data(), rows, cols, 1.0f, false); }},
        {"sgd_momentum", 5 * e * f, [&] { kernels.sgd_momentum(z.data(), y.data(), w.data(), nn, 1e-6f, 0.9f); }},
        {"adamw", 7 * e * f, [&] { kernels.adamw(z.data(), y.data(), w.data(), x.data(), nn, adam); }},
    };
    for (const Case& c : cases)
      elementwise.push_back(
          {{"kernel", c.kernel}, {"elements", nn}, {"bytes", c.bytes}, {"seconds", time_median(device, o, c.call)}});
  }
}

// Times every matrix product and element-wise kernel, appending entries to `gemm` and
// `elementwise` (each with its median "seconds").
void measure_compute(Device& device, Kernels& kernels, const MicrobenchOptions& o, models::Json& gemm,
                     models::Json& elementwise) {
  measure_gemms(device, kernels, o, gemm);
  measure_elementwise(device, kernels, o, elementwise);
}

}  // namespace

models::Json run_microbench(Device& device, Kernels& kernels, Communicator& comm, int threads,
                            const MicrobenchOptions& o) {
  const bool lead = comm.rank() == 0;
  const bool together = comm.size() > 1 && !o.compute_on_lead_only;
  models::Json result{{"kind", "microbench"},
                      {"backend", device.name()},
                      {"host", hostname()},
                      {"threads", threads},
                      {"ranks", comm.size()},
                      {"gemm", models::Json::array()},
                      {"elementwise", models::Json::array()},
                      {"allreduce", models::Json::array()}};

  // Rank 0 alone ("seconds"), the others waiting; then, with several ranks, every rank at
  // once ("seconds_together"): ranks on one machine share its caches and memory bandwidth.
  if (lead) measure_compute(device, kernels, o, result["gemm"], result["elementwise"]);
  if (comm.size() > 1) (void)comm.sum(0);
  if (together) {
    models::Json gemm = models::Json::array(), elementwise = models::Json::array();
    measure_compute(device, kernels, o, gemm, elementwise);
    if (lead) {
      for (std::size_t i = 0; i < gemm.size(); ++i) result["gemm"][i]["seconds_together"] = gemm[i]["seconds"];
      for (std::size_t i = 0; i < elementwise.size(); ++i)
        result["elementwise"][i]["seconds_together"] = elementwise[i]["seconds"];
    }
    (void)comm.sum(0);
  }

  // ---- the all-reduce, as the trainer calls it: in place, started then waited for ----
  if (comm.size() > 1) {
    const std::vector<double> ar_sizes = o.sizes.empty() ? powers_of_4(1024, 256 * models::kMiB) : o.sizes;
    for (double size : ar_sizes) {
      const auto n = std::max<std::size_t>(1, static_cast<std::size_t>(size / sizeof(float)));
      DeviceArray<float> buffer(device, n);
      std::vector<double> times;
      double total = 0;
      for (int rep = -1; rep < o.max_repetitions; ++rep) {
        // Every rank decides together whether to go on (rank 0's count and time), then starts together.
        if (comm.broadcast(rep >= o.min_repetitions && total >= o.min_seconds ? 1 : 0)) break;
        comm.clear();
        device.forget_marks();
        const Mark a = device.mark();
        (void)comm.start_allreduce(buffer.data(), n);
        comm.wait_all();
        const Mark b = device.mark();
        if (rep >= 0) {
          times.push_back(device.elapsed(a, b));
          total += times.back();
        }
      }
      comm.clear();
      const auto all = comm.gather(times);
      if (lead) {
        std::vector<double> slowest(times.size(), 0);
        for (const auto& r : all)
          for (std::size_t i = 0; i < r.size() && i < slowest.size(); ++i) slowest[i] = std::max(slowest[i], r[i]);
        result["allreduce"].push_back({{"bytes", static_cast<double>(n * sizeof(float))},
                                       {"seconds", percentile(slowest, 50)},
                                       {"repetitions", static_cast<int>(slowest.size())}});
      }
    }
  }
  return lead ? result : models::Json();
}

std::string allreduce_table(const models::Json& raw) {
  const models::Json rows = raw.value("allreduce", models::Json::array());
  if (rows.empty()) return "";
  const double n = raw.value("ranks", 1);
  const double bus = n > 1 ? 2.0 * (n - 1) / n : 1.0;
  std::string out =
      "#       size         count      type   redop     time   algbw   busbw\n"
      "#        (B)    (elements)                       (us)  (GB/s)  (GB/s)\n";
  for (const auto& r : rows) {
    const double bytes = r.at("bytes").get<double>(), seconds = r.at("seconds").get<double>();
    const double algbw = seconds > 0 ? bytes / seconds / 1e9 : 0;
    char line[160];
    std::snprintf(line, sizeof line, "%12.0f  %12.0f  %8s  %6s  %8.1f  %6.2f  %6.2f\n", bytes, bytes / sizeof(float),
                  "float", "sum", seconds * 1e6, algbw, algbw * bus);
    out += line;
  }
  return out;
}

}  // namespace dpcast::real
