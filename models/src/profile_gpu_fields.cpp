// The GPU fields of a calibrated profile: one row per field (read, write, apply).
#include "profile_gpu_fields.hpp"

#include <array>
#include <cstdio>

namespace dpcast::models {

std::string profile_number(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

namespace {

constexpr std::array kPrecisions{Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16};

// ---- one number ----

enum class Bound { Positive, Fraction, NonNegative };

double read_number(const YamlValue& v, Bound bound) {
  if (bound == Bound::NonNegative) return v.as_number_at_least(0);
  const double x = v.as_positive_number();
  if (bound == Bound::Fraction && x > 1) v.fail("expected a fraction in (0, 1], got " + describe(v.node()));
  return x;
}

// A figure of the catalogue's Gpu, measured: `key: number`.
template <std::optional<double> GpuProfile::*field, double Gpu::*target, Bound bound>
constexpr GpuProfileField number_field(std::string_view key) {
  return {key,
          [](MapReader& gpu, std::string_view k, GpuProfile& p) {
            if (auto v = gpu.optional(k)) p.*field = read_number(*v, bound);
          },
          [](std::ostream& out, std::string_view k, const GpuProfile& p) {
            if (p.*field) out << "    " << k << ": " << profile_number(*(p.*field)) << "\n";
          },
          [](const GpuProfile& p, Gpu& gpu) {
            if (p.*field) gpu.*target = *(p.*field);
          }};
}

// ---- the rows that are not one number ----

// peak_flops: {fp32: 1.1e+11, ...}, measured peaks where the catalogue's are guesses.
constexpr GpuProfileField kPeakFlops{"peak_flops",
                                     [](MapReader& gpu, std::string_view key, GpuProfile& p) {
                                       MapReader peaks = gpu.map(key);
                                       for (Precision pr : kPrecisions)
                                         if (auto v = peaks.optional(to_string(pr)))
                                           p.peak_flops[pr] = v->as_positive_number();
                                       peaks.finish();
                                     },
                                     [](std::ostream& out, std::string_view key, const GpuProfile& p) {
                                       if (p.peak_flops.empty()) return;
                                       out << "    " << key << ": {";
                                       bool first = true;
                                       for (const auto& [precision, peak] : p.peak_flops) {
                                         out << (first ? "" : ", ") << to_string(precision) << ": "
                                             << profile_number(peak);
                                         first = false;
                                       }
                                       out << "}\n";
                                     },
                                     [](const GpuProfile& p, Gpu& gpu) {
                                       for (const auto& [precision, peak] : p.peak_flops)
                                         gpu.peak_flops[precision] = peak;
                                     }};

// matrix_efficiency: per precision, [FLOP of one matrix product, fraction of peak].
constexpr GpuProfileField kMatrixEfficiency{
    "matrix_efficiency",
    [](MapReader& gpu, std::string_view key, GpuProfile& p) {
      MapReader curves = gpu.map(key);
      for (Precision pr : kPrecisions)
        if (auto v = curves.optional(to_string(pr))) p.matrix_efficiency[pr] = read_curve(*v, 1);
      curves.finish();
    },
    [](std::ostream& out, std::string_view key, const GpuProfile& p) {
      if (p.matrix_efficiency.empty()) return;
      out << "    " << key << ":   # [FLOP of one matrix product, fraction of peak]\n";
      for (const auto& [precision, c] : p.matrix_efficiency)
        out << "      " << to_string(precision) << ": " << curve_text(c) << "\n";
    },
    [](const GpuProfile& p, Gpu& gpu) {
      for (const auto& [precision, curve] : p.matrix_efficiency) gpu.matrix_efficiency_curve[precision] = curve;
    }};

// memory_efficiency_curve: [bytes one kernel streams, fraction of memory bandwidth]. Kernels
// on data that fits in cache stream faster than memory: up to 100x.
constexpr GpuProfileField kMemoryEfficiencyCurve{
    "memory_efficiency_curve",
    [](MapReader& gpu, std::string_view key, GpuProfile& p) {
      if (auto v = gpu.optional(key)) p.memory_efficiency_curve = read_curve(*v, 100);
    },
    [](std::ostream& out, std::string_view key, const GpuProfile& p) {
      if (!p.memory_efficiency_curve.empty())
        out << "    " << key << ": " << curve_text(p.memory_efficiency_curve)
            << "   # [bytes one kernel streams, fraction of memory bandwidth]\n";
    },
    [](const GpuProfile& p, Gpu& gpu) {
      if (!p.memory_efficiency_curve.empty()) gpu.memory_efficiency_curve = p.memory_efficiency_curve;
    }};

// colocated_slowdown: {matrix: 1.2, streaming: 1.4}, every worker of a node computing at once.
constexpr GpuProfileField kColocatedSlowdown{"colocated_slowdown",
                                             [](MapReader& gpu, std::string_view key, GpuProfile& p) {
                                               if (!gpu.has(key)) return;
                                               MapReader c = gpu.map(key);
                                               if (auto v = c.optional("matrix"))
                                                 p.colocated_matrix_slowdown = v->as_number_at_least(0.1);
                                               if (auto v = c.optional("streaming"))
                                                 p.colocated_streaming_slowdown = v->as_number_at_least(0.1);
                                               c.finish();
                                             },
                                             [](std::ostream& out, std::string_view key, const GpuProfile& p) {
                                               const auto& matrix = p.colocated_matrix_slowdown;
                                               const auto& streaming = p.colocated_streaming_slowdown;
                                               if (!matrix && !streaming) return;
                                               out << "    " << key << ": {";
                                               if (matrix) out << "matrix: " << profile_number(*matrix);
                                               if (matrix && streaming) out << ", ";
                                               if (streaming) out << "streaming: " << profile_number(*streaming);
                                               out << "}   # every worker of a node computing at once\n";
                                             },
                                             [](const GpuProfile& p, Gpu& gpu) {
                                               if (p.colocated_matrix_slowdown)
                                                 gpu.colocated_matrix_slowdown = *p.colocated_matrix_slowdown;
                                               if (p.colocated_streaming_slowdown)
                                                 gpu.colocated_streaming_slowdown = *p.colocated_streaming_slowdown;
                                             }};

// layers: layer_signature -> [forward_s, backward_s], measured on one worker.
constexpr GpuProfileField kLayers{
    "layers",
    [](MapReader& gpu, std::string_view key, GpuProfile& p) {
      auto v = gpu.optional(key);
      if (!v) return;
      if (!v->node().IsMap()) v->fail("expected a map of layer signatures to [forward_s, backward_s]");
      for (const auto& entry : v->node()) {
        const std::string signature = entry.first.as<std::string>();
        const YamlValue times(v->file(), entry.second, v->path() + "." + signature);
        const auto pair = times.as_list();
        if (pair.size() != 2) times.fail("expected [forward_s, backward_s], got " + describe(times.node()));
        p.layers[signature] = {pair[0].as_number_at_least(0), pair[1].as_number_at_least(0)};
      }
    },
    [](std::ostream& out, std::string_view key, const GpuProfile& p) {
      if (p.layers.empty()) return;
      out << "    " << key << ":   # measured on one worker: [forward_s, backward_s] of one pass\n";
      for (const auto& [signature, t] : p.layers)
        out << "      \"" << signature << "\": [" << profile_number(t.first) << ", " << profile_number(t.second)
            << "]\n";
    },
    [](const GpuProfile& p, Gpu& gpu) {
      for (const auto& [signature, t] : p.layers) gpu.measured_layers[signature] = t;
    }};

}  // namespace

// ---- efficiency curves ----

// [[size, efficiency], ...] with sizes increasing and efficiencies in (0, most].
EfficiencyCurve read_curve(const YamlValue& value, double most) {
  EfficiencyCurve curve;
  const auto points = value.as_list();
  if (points.empty()) value.fail("needs at least one [size, efficiency] point");
  for (const auto& point : points) {
    const auto pair = point.as_list();
    if (pair.size() != 2) point.fail("expected [size, efficiency], got " + describe(point.node()));
    const double size = pair[0].as_positive_number();
    const double efficiency = pair[1].as_positive_number();
    if (efficiency > most)
      pair[1].fail("expected an efficiency in (0, " + describe(YAML::Node(most)) + "], got " +
                   describe(pair[1].node()));
    if (!curve.points.empty() && size <= curve.points.back().first) pair[0].fail("sizes must increase");
    curve.points.emplace_back(size, efficiency);
  }
  return curve;
}

std::string curve_text(const EfficiencyCurve& c) {
  std::string out = "[";
  for (std::size_t i = 0; i < c.points.size(); ++i)
    out += (i ? ", [" : "[") + profile_number(c.points[i].first) + ", " + profile_number(c.points[i].second) + "]";
  return out + "]";
}

std::span<const GpuProfileField> gpu_profile_fields() {
  static constexpr std::array<GpuProfileField, 12> fields{
      kPeakFlops,
      number_field<&GpuProfile::vector_flops, &Gpu::vector_flops, Bound::Positive>("vector_flops"),
      number_field<&GpuProfile::memory_bandwidth_bytes_per_s, &Gpu::memory_bandwidth_bytes_per_s, Bound::Positive>(
          "memory_bandwidth_bytes_per_s"),
      number_field<&GpuProfile::compute_efficiency, &Gpu::compute_efficiency, Bound::Fraction>("compute_efficiency"),
      number_field<&GpuProfile::memory_efficiency, &Gpu::memory_efficiency, Bound::Fraction>("memory_efficiency"),
      number_field<&GpuProfile::sustained_clock_ratio, &Gpu::sustained_clock_ratio, Bound::Fraction>(
          "sustained_clock_ratio"),
      number_field<&GpuProfile::launch_overhead_s, &Gpu::launch_overhead_s, Bound::NonNegative>("launch_overhead_s"),
      number_field<&GpuProfile::matrix_kernel_fixed_s, &Gpu::matrix_kernel_fixed_s, Bound::NonNegative>(
          "matrix_kernel_fixed_s"),
      kMatrixEfficiency,
      kMemoryEfficiencyCurve,
      kColocatedSlowdown,
      kLayers,
  };
  return fields;
}

}  // namespace dpcast::models
