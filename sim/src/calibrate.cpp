#include "dpcast/sim/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {

AlphaBetaFit fit_allreduce(const std::vector<TimedSize>& samples, int ranks) {
  if (ranks < 2) throw Error("calibrate: an all-reduce fit needs at least 2 ranks, got " + std::to_string(ranks));
  if (samples.size() < 2) throw Error("calibrate: an all-reduce fit needs at least 2 sizes");
  // t = a + b·n with a = 2(p-1)·α and b = 2(p-1)/(p·B); weights 1/t² make the squares relative.
  double s00 = 0, s01 = 0, s11 = 0, r0 = 0, r1 = 0;
  for (const auto& x : samples) {
    if (!(x.seconds > 0) || !(x.size > 0)) throw Error("calibrate: all-reduce sizes and times must be positive");
    const double w = 1 / (x.seconds * x.seconds);
    s00 += w;
    s01 += w * x.size;
    s11 += w * x.size * x.size;
    r0 += w * x.seconds;
    r1 += w * x.size * x.seconds;
  }
  const double det = s00 * s11 - s01 * s01;
  double a = (r0 * s11 - r1 * s01) / det;
  double b = (s00 * r1 - s01 * r0) / det;
  if (a < 0) {  // latency below what can be resolved: fit the bandwidth alone
    a = 0;
    b = r1 / s11;
  }
  if (!(b > 0)) throw Error("calibrate: all-reduce times do not grow with size; cannot fit a bandwidth");
  const double p = ranks;
  AlphaBetaFit fit;
  fit.latency_s = a / (2 * (p - 1));
  fit.bandwidth_bytes_per_s = 2 * (p - 1) / (p * b);
  for (const auto& x : samples)
    fit.max_relative_error = std::max(fit.max_relative_error, std::abs(a + b * x.size - x.seconds) / x.seconds);
  return fit;
}

namespace {

std::vector<std::string> tokens(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

bool is_number(const std::string& s, double& value) {
  char* end = nullptr;
  value = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && end != s.c_str();
}

}  // namespace

namespace {

// "#  Rank  0 Group  0 Pid  4000 on node47 device  0 [0x18] NVIDIA H100 80GB HBM3" (older
// versions have no Group) and "# Collective test starting: all_gather_perf".
void read_header_line(const std::vector<std::string>& t, AllreduceLog& log, const std::string& file, int line_no) {
  if (t.size() > 1 && t[1] == "Rank") {
    // Rank lines number the ranks 0, 1, 2, ...: one that does not is a log cut at the top.
    double rank = -1;
    if (t.size() < 3 || !is_number(t[2], rank) || rank != log.ranks)
      throw Error(SourceLocation{file, line_no, 0}, "",
                  "expected the line of rank " + std::to_string(log.ranks) +
                      (log.ranks == 0 ? " first: the log is cut at the top" : ": the rank lines skip one") +
                      "; give nccl-tests' whole output");
    ++log.ranks;
    const auto on = std::find(t.begin(), t.end(), "on");
    if (on != t.end() && on + 1 != t.end() &&
        std::find(log.hosts.begin(), log.hosts.end(), *(on + 1)) == log.hosts.end())
      log.hosts.push_back(*(on + 1));
  }
  if (t.size() > 4 && t[1] == "Collective" && t[3] == "starting:") {
    std::string binary = t[4];
    if (binary.size() > 5 && binary.substr(binary.size() - 5) == "_perf") binary.resize(binary.size() - 5);
    std::replace(binary.begin(), binary.end(), '_', '-');
    log.op = models::enum_from_name<models::CollectiveOp>(binary);
  }
}

// A result row's own algbw column (GB/s, two decimals) must be its size over its time: a row
// whose figures disagree was edited or corrupted. Bandwidths printed as below 0.1 GB/s are
// too coarse to check.
void check_row_bandwidth(const std::vector<std::string>& t, std::size_t time_at, double size, double time_us,
                         const std::string& file, int line_no) {
  double algbw = 0;
  if (t.size() <= time_at + 1 || !is_number(t[time_at + 1], algbw) || algbw < 0.1) return;
  const double implied = size / (time_us * 1e3);
  if (std::abs(implied - algbw) > std::max(0.02, 0.05 * algbw))
    throw Error(SourceLocation{file, line_no, 0}, "",
                "size " + fixed(size, 0) + " B in " + t[time_at] + " us is " + fixed(implied, 2) +
                    " GB/s, but the row's algbw says " + t[time_at + 1] + ": not a consistent nccl-tests row");
}

}  // namespace

AllreduceLog parse_nccl_tests(const std::string& text, const std::string& file) {
  AllreduceLog log;
  std::istringstream in(text);
  int line_no = 0;
  bool header = false, footer = false;  // "# nThread ..." opens a run, "# Avg bus bandwidth" closes it
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    const auto t = tokens(line);
    if (t.empty()) continue;
    if (t[0] == "#") {
      read_header_line(t, log, file, line_no);
      header = header || (t.size() > 1 && t[1] == "nThread");
      footer = footer || (t.size() > 3 && t[1] == "Avg" && t[2] == "bus" && t[3] == "bandwidth");
      continue;
    }
    if (t[0][0] == '#') continue;
    double size = 0, count = 0;
    if (t.size() < 8 || !is_number(t[0], size) || !is_number(t[1], count)) continue;  // not a result row
    // size count type redop [root] time algbw busbw #wrong ...: newer versions print a root column.
    double root = 0, time_us = 0;
    const std::size_t time_at = is_number(t[4], root) && t.size() >= 9 ? 5 : 4;
    if (!is_number(t[time_at], time_us) || time_us <= 0)
      throw Error(SourceLocation{file, line_no, 0}, "", "nccl-tests row without a time: " + line);
    check_row_bandwidth(t, time_at, size, time_us, file, line_no);
    if (size > 0) log.samples.push_back({size, time_us * 1e-6});
  }
  if (log.samples.empty())
    throw Error(SourceLocation{file, 0, 0}, "",
                "no nccl-tests result rows (size, count, type, redop, time, ...) found");
  if (header && !footer)
    throw Error(SourceLocation{file, line_no, 0}, "",
                "the log ends before nccl-tests' closing \"# Avg bus bandwidth\" line: it is cut short; give the "
                "whole output");
  return log;
}

AllreduceLog parse_osu_allreduce(const std::string& text, const std::string& file) {
  AllreduceLog log;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto t = tokens(line);
    double size = 0, latency_us = 0;
    if (t.size() < 2 || t[0][0] == '#' || !is_number(t[0], size) || !is_number(t[1], latency_us)) continue;
    if (size > 0 && latency_us > 0) log.samples.push_back({size, latency_us * 1e-6});
  }
  if (log.samples.empty())
    throw Error(SourceLocation{file, 0, 0}, "", "no OSU osu_allreduce rows (size, latency) found");
  return log;
}

models::EfficiencyCurve measured_over_model(const std::vector<TimedSize>& samples,
                                            const std::function<double(double)>& model_seconds) {
  std::map<double, std::pair<double, int>> by_size;  // size -> (sum of ratios, count)
  for (const auto& x : samples) {
    auto& [sum, n] = by_size[x.size];
    sum += x.seconds / model_seconds(x.size);
    ++n;
  }
  models::EfficiencyCurve curve;
  for (const auto& [size, sum_n] : by_size) curve.points.emplace_back(size, sum_n.first / sum_n.second);
  return curve;
}

std::string ratio_range(const models::EfficiencyCurve& curve) {
  const auto [lo, hi] = std::minmax_element(curve.points.begin(), curve.points.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
  return fixed(lo->second, 2) + " at " + human_bytes(lo->first) + " to " + fixed(hi->second, 2) + " at " +
         human_bytes(hi->first);
}

models::EfficiencyCurve fit_efficiency_curve(const std::vector<TimedSize>& samples, double rate, double most) {
  std::map<long, std::vector<std::pair<double, double>>> bins;  // bin -> (size, efficiency)
  for (const auto& x : samples)
    if (x.size > 0 && x.seconds > 0)
      bins[std::lround(std::floor(4 * std::log10(x.size)))].emplace_back(x.size, x.size / (x.seconds * rate));
  models::EfficiencyCurve curve;
  for (auto& [_, points] : bins) {
    std::sort(points.begin(), points.end(), [](auto& a, auto& b) { return a.second < b.second; });
    const auto& median = points[points.size() / 2];
    double log_size = 0;  // the bin's geometric mean size
    for (const auto& pt : points) log_size += std::log(pt.first);
    curve.points.emplace_back(std::exp(log_size / static_cast<double>(points.size())), std::min(most, median.second));
  }
  return curve;
}

namespace {

double get_number(const models::Json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number()) throw Error(SourceLocation{where, 0, 0}, key, "missing or not a number");
  return j[key].get<double>();
}

// The peaks the micro-benchmark measured replace the catalogue's guesses.
struct MeasuredPeaks {
  std::map<models::Precision, double> flops;  // per precision
  double memory_bandwidth_bytes_per_s = 0;
};

MeasuredPeaks fit_peaks(const models::Json& raw, const std::string& file, const models::Gpu& gpu, models::GpuProfile& g,
                        std::vector<std::string>& report) {
  MeasuredPeaks peaks;
  for (const auto& [p, v] : gpu.peak_flops) peaks.flops[p] = v;
  peaks.memory_bandwidth_bytes_per_s = gpu.memory_bandwidth_bytes_per_s;
  if (!raw.contains("peak")) return peaks;
  const auto& pk = raw["peak"];
  if (pk.contains("fp32_flops")) {
    const double measured = get_number(pk, "fp32_flops", file);
    if (raw.value("backend", std::string("cpu")) == "cpu") {
      // A CPU computes every precision in fp32 (see the cpu-core entry).
      for (auto& [p, v] : peaks.flops) v = measured;
      g.peak_flops = peaks.flops;
      g.vector_flops = measured;
    } else {
      peaks.flops[models::Precision::Fp32] = measured;
      g.peak_flops[models::Precision::Fp32] = measured;
    }
    report.push_back("peak: " + human_rate(measured, "FLOP/s") + " fp32 measured (catalogue " +
                     human_rate(gpu.matrix_peak(models::Precision::Fp32), "FLOP/s") + ")");
  }
  if (pk.contains("memory_bandwidth_bytes_per_s")) {
    peaks.memory_bandwidth_bytes_per_s = get_number(pk, "memory_bandwidth_bytes_per_s", file);
    g.memory_bandwidth_bytes_per_s = peaks.memory_bandwidth_bytes_per_s;
    report.push_back("memory bandwidth: " + human_rate(peaks.memory_bandwidth_bytes_per_s, "B/s") +
                     " measured (catalogue " + human_rate(gpu.memory_bandwidth_bytes_per_s, "B/s") + ")");
  }
  return peaks;
}

// Matrix products: one curve per precision measured. Returns whether there were any.
bool fit_matrix_products(const models::Json& raw, const std::string& file, const models::Gpu& gpu,
                         const MeasuredPeaks& peaks, models::GpuProfile& g, std::vector<std::string>& report) {
  std::map<models::Precision, std::vector<TimedSize>> gemm;
  for (const auto& e : raw.value("gemm", models::Json::array())) {
    const auto precision = models::enum_from_name<models::Precision>(e.value("precision", std::string("fp32")));
    if (!precision) throw Error(SourceLocation{file, 0, 0}, "gemm[].precision", "unknown precision");
    gemm[*precision].push_back({get_number(e, "flops", file), get_number(e, "seconds", file)});
  }
  for (auto& [precision, samples] : gemm) {
    const double rate = peaks.flops.count(precision) ? peaks.flops.at(precision) : gpu.matrix_peak(precision);
    g.matrix_efficiency[precision] = fit_efficiency_curve(samples, rate, 1.0);
    const auto& pts = g.matrix_efficiency[precision].points;
    report.push_back("matrix products (" + std::string(models::to_string(precision)) +
                     "): " + std::to_string(samples.size()) + " timings, efficiency " +
                     fixed(100 * pts.front().second, 0) + "% at " + human_rate(pts.front().first, "FLOP") + " to " +
                     fixed(100 * pts.back().second, 0) + "% at " + human_rate(pts.back().first, "FLOP"));
  }
  return !gemm.empty();
}

// Streaming kernels: efficiency against memory bandwidth (above 1 where data fits in cache).
// Returns whether there were any.
bool fit_streaming_kernels(const models::Json& raw, const std::string& file, double bandwidth, models::GpuProfile& g,
                           std::vector<std::string>& report) {
  std::vector<TimedSize> streaming;
  for (const auto& e : raw.value("elementwise", models::Json::array()))
    streaming.push_back({get_number(e, "bytes", file), get_number(e, "seconds", file)});
  if (streaming.empty()) return false;
  g.memory_efficiency_curve = fit_efficiency_curve(streaming, bandwidth, 100.0);
  const auto& pts = g.memory_efficiency_curve.points;
  report.push_back("streaming kernels: " + std::to_string(streaming.size()) + " timings, " +
                   human_rate(pts.front().second * bandwidth, "B/s") + " at " + human_bytes(pts.front().first) +
                   " to " + human_rate(pts.back().second * bandwidth, "B/s") + " at " + human_bytes(pts.back().first));
  return true;
}

// Every rank computing at once against rank 0 alone: the median ratio, per kind of work.
// Sharing a machine cannot make a worker faster: a median below 1 means something else
// disturbed the pass alone, and the profile keeps 1.
void fit_colocated_slowdown(const models::Json& raw, models::GpuProfile& g, std::vector<std::string>& report) {
  auto slowdown = [&](const char* key) -> std::optional<double> {
    std::vector<double> ratios;
    for (const auto& e : raw.value(key, models::Json::array()))
      if (e.contains("seconds_together") && e.value("seconds", 0.0) > 0)
        ratios.push_back(e["seconds_together"].get<double>() / e["seconds"].get<double>());
    if (ratios.empty()) return std::nullopt;
    std::sort(ratios.begin(), ratios.end());
    return std::max(1.0, ratios[ratios.size() / 2]);
  };
  g.colocated_matrix_slowdown = slowdown("gemm");
  g.colocated_streaming_slowdown = slowdown("elementwise");
  if (g.colocated_matrix_slowdown || g.colocated_streaming_slowdown)
    report.push_back("every rank computing at once: matrix products " +
                     fixed(g.colocated_matrix_slowdown.value_or(1), 2) + "x, streaming kernels " +
                     fixed(g.colocated_streaming_slowdown.value_or(1), 2) + "x the time alone (medians over " +
                     std::to_string(raw.value("ranks", 1)) + " ranks)");
}

// All-reduce: the link's α-β, when more than one rank measured it, and the per-size curve.
void fit_link(const models::Json& raw, const std::string& file, const models::Catalogue& catalogue,
              const std::string& link_name, Calibration& c) {
  std::vector<TimedSize> allreduce;
  for (const auto& e : raw.value("allreduce", models::Json::array()))
    allreduce.push_back({get_number(e, "bytes", file), get_number(e, "seconds", file)});
  const int ranks = raw.value("ranks", 1);
  if (allreduce.empty() || ranks < 2) return;
  const auto fit = fit_allreduce(allreduce, ranks);
  models::Link link = catalogue.link(link_name);
  link.latency_s = fit.latency_s;
  link.bandwidth_bytes_per_s = fit.bandwidth_bytes_per_s;
  // What one straight line misses (on a 2-core machine Open MPI's all-reduce collapses above ~16 MiB).
  const double p = ranks;
  link.alpha_beta_time_ratio = measured_over_model(allreduce, [&](double n) {
    return 2 * (p - 1) * fit.latency_s + 2 * (p - 1) / p * n / fit.bandwidth_bytes_per_s;
  });
  c.profile.links[link_name] = link;
  c.report.push_back(
      "link " + link_name + ": alpha " + human_time(fit.latency_s) + ", bandwidth " +
      human_rate(fit.bandwidth_bytes_per_s, "B/s") + " (catalogue " + human_time(catalogue.link(link_name).latency_s) +
      ", " + human_rate(catalogue.link(link_name).bandwidth_bytes_per_s, "B/s") + "), from " +
      std::to_string(allreduce.size()) + " all-reduce sizes on " + std::to_string(ranks) + " ranks, worst fit error " +
      fixed(100 * fit.max_relative_error, 1) + "%; the per-size curve is kept (measured / alpha-beta time " +
      ratio_range(link.alpha_beta_time_ratio) + ")");
}

}  // namespace

Calibration calibrate_from_microbench(const models::Json& raw, const std::string& file,
                                      const models::Catalogue& catalogue, const std::string& gpu_name,
                                      const std::string& link_name) {
  if (!raw.is_object() || raw.value("kind", "") != "microbench")
    throw Error(SourceLocation{file, 0, 0}, "kind", "not dpcast-train --microbench output (kind: microbench)");
  const models::Gpu& gpu = catalogue.gpu(gpu_name);
  Calibration c;
  c.profile.name = raw.value("backend", std::string("cpu")) + "-" + raw.value("host", std::string("host"));
  c.profile.source = "dpcast calibrate from " + file + " (" + raw.value("backend", std::string("?")) + " backend on " +
                     raw.value("host", std::string("?")) + ", " + std::to_string(raw.value("ranks", 1)) + " ranks, " +
                     std::to_string(raw.value("threads", 1)) + " thread(s) per rank)";
  models::GpuProfile g;
  const MeasuredPeaks peaks = fit_peaks(raw, file, gpu, g, c.report);
  const bool matrix = fit_matrix_products(raw, file, gpu, peaks, g, c.report);
  const bool streaming = fit_streaming_kernels(raw, file, peaks.memory_bandwidth_bytes_per_s, g, c.report);
  fit_colocated_slowdown(raw, g, c.report);
  // The curves include each kernel's fixed costs; a separate launch overhead would count them twice.
  if (matrix || streaming) g.launch_overhead_s = 0.0;
  c.profile.gpus[gpu_name] = g;
  fit_link(raw, file, catalogue, link_name, c);
  return c;
}

Calibration calibrate_from_records(const std::vector<models::RunRecord>& records, const std::string& file,
                                   const models::Catalogue& catalogue) {
  Calibration c;
  c.profile.source = "layers measured in " + file;
  std::map<std::string, models::GpuProfile> gpus;
  for (const auto& r : records) {
    if (r.kind != "measured") continue;
    if (r.gpus != 1)
      throw Error(SourceLocation{file, 0, 0}, "",
                  "layers must be measured on one worker (this record of " + r.model + " ran on " +
                      std::to_string(r.gpus) + " GPUs, and its layers already wait for their peers)");
    if (r.scenario_yaml.empty())
      throw Error(SourceLocation{file, 0, 0}, "scenario.yaml",
                  "the record carries no scenario to rebuild its layers from");
    const auto s = models::parse_scenarios(r.scenario_yaml, file, catalogue).front();
    const auto graph = s.model.build(s.seq_len());
    std::map<std::string, const models::Layer*> by_name;
    for (models::LayerId id = 0; id < graph.size(); ++id) by_name[graph.layer(id).name] = &graph.layer(id);
    auto& g = gpus[s.cluster.gpu];
    int count = 0;
    for (const auto& l : r.layers) {
      const auto it = by_name.find(l.name);
      if (it == by_name.end() || it->second->kind == models::LayerKind::Input) continue;
      g.layers[models::layer_signature(*it->second, s.training.micro_batch, s.training.precision)] = {l.forward_s,
                                                                                                      l.backward_s};
      ++count;
    }
    c.report.push_back(std::to_string(count) + " layers of " + r.model + " at micro-batch " +
                       std::to_string(r.micro_batch) + " measured on one " + s.cluster.gpu + " (" +
                       human_time(r.step_time_s) + " a step)");
  }
  if (gpus.empty()) throw Error(SourceLocation{file, 0, 0}, "", "no measured record with layers");
  c.profile.gpus = gpus;
  return c;
}

}  // namespace dpcast::sim
