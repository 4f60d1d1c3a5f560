#pragma once
// A calibrated hardware profile: figures measured on real hardware (by `dpcast calibrate`)
// that replace the catalogue's for the GPUs and links it names, and the network model the
// DES runs with. `dpcast predict --profile FILE` applies one.
//
//   name: cpu-ci                       # what was calibrated
//   source: "dpcast calibrate --backend cpu -n 2 on host ..., 2026-11-23"
//   gpus:
//     cpu-core:                        # a catalogue GPU name
//       peak_flops: {fp32: 1.1e+11}    # measured peaks, where the catalogue's are guesses (optional)
//       vector_flops: 1.1e+11
//       memory_bandwidth_bytes_per_s: 1.2e+10
//       compute_efficiency: 0.62       # any of the catalogue's efficiency keys, replaced
//       memory_efficiency: 0.9
//       sustained_clock_ratio: 0.85      # the SM clock held in long runs / the benchmarks' clock
//       launch_overhead_s: 1.0e-6
//       matrix_kernel_fixed_s: 6.8e-6    # each matrix kernel's fixed time (unused where matrix_efficiency is)
//       matrix_efficiency:             # per precision: [FLOP of one matrix product, fraction of peak]
//         fp32: [[1.0e+6, 0.2], [1.0e+9, 0.8]]
//       memory_efficiency_curve: [[4096, 1.4], [6.7e+7, 0.8]]   # [bytes one kernel streams, fraction]
//       colocated_slowdown: {matrix: 1.2, streaming: 1.4}   # every worker of a node computing at once
//       layers: {"linear [1024] -> [1024] p1049600 b64 fp32": [2.1e-3, 4.4e-3]}   # measured on one worker
//   links:
//     shared-memory: {bandwidth_bytes_per_s: 5.1e+9, latency_s: 2.0e-6,   # α-β fitted per link, and
//                     alpha_beta_time_ratio: [[1024, 1.1], [2.7e+8, 3.9]]}   # measured / α-β time by size
//     ib-hdr: {bandwidth_bytes_per_s: 2.5e+10, latency_s: 3.0e-6,       # nccl-tests imported: measured
//              nccl_time_ratio: [[8, 1.9], [1.07e+9, 0.93]]}             # over dpcast's NCCL time, by size
//   des: {network_model: CM02, tcp_gamma_bytes: 0, crosstraffic: false}
//   validated: {mape_pct: 6.6, pairs: 8, against: "scenarios/measurements/cpu-2core"}   # what compare measured
#include <map>
#include <optional>
#include <string>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"

namespace dpcast::models {

/// SimGrid's network model for the DES. The defaults are the ones chosen on purpose (see
/// the DES field notes): CM02 without the TCP window cap and without reverse traffic.
struct NetworkModelSettings {
  std::string model = "CM02";  // CM02 | LV08 | SMPI (SimGrid network/model)
  double tcp_gamma_bytes = 0;  // network/TCP-gamma: 0 = no window cap
  bool crosstraffic = false;   // network/crosstraffic
};

/// A GPU's measured figures. Each field has one row in models/src/profile_gpu_fields.cpp that
/// reads, writes and applies it.
struct GpuProfile {
  // Measured peaks replace the catalogue's where its figure is a guess (a CPU core's FMA
  // width and clock vary by machine); efficiencies are then relative to these.
  std::map<Precision, double> peak_flops;
  std::optional<double> vector_flops;
  std::optional<double> memory_bandwidth_bytes_per_s;
  std::optional<double> compute_efficiency;
  std::optional<double> memory_efficiency;
  std::optional<double> sustained_clock_ratio;
  std::optional<double> launch_overhead_s;
  std::optional<double> matrix_kernel_fixed_s;
  std::map<Precision, EfficiencyCurve> matrix_efficiency;
  EfficiencyCurve memory_efficiency_curve;
  std::map<std::string, std::pair<double, double>> layers;  // layer_signature -> forward_s, backward_s
  std::optional<double> colocated_matrix_slowdown;
  std::optional<double> colocated_streaming_slowdown;
};

/// What identifies a layer's pass timings: its kind, shapes, parameters, heads, whether it
/// computes an input gradient, the micro-batch and the precision ("linear [128] -> [1024]
/// p132096 b64 fp32").
[[nodiscard]] std::string layer_signature(const Layer& layer, std::int64_t micro_batch, Precision precision);

/// The error `dpcast compare --predict --profile` measured with this profile, so that a
/// prediction made with it can say how far to trust it.
struct ProfileValidation {
  double mape_pct = 0;
  int pairs = 0;
  std::string against;  // the measured records
};

struct Profile {
  std::string name;
  std::string source;
  std::string file;
  std::map<std::string, GpuProfile> gpus;  // by catalogue GPU name
  std::map<std::string, Link> links;       // by catalogue link name (bandwidth and latency)
  NetworkModelSettings network;
  std::optional<ProfileValidation> validated;
};

/// Reads a profile; names must exist in `catalogue`. Throws dpcast::Error at the file, line and key.
[[nodiscard]] Profile load_profile(const std::string& path, const Catalogue& catalogue = Catalogue::builtin());
[[nodiscard]] Profile parse_profile(const std::string& text, const std::string& file,
                                    const Catalogue& catalogue = Catalogue::builtin());
/// YAML text of a profile (what `dpcast calibrate` writes); parse_profile reads it back.
[[nodiscard]] std::string profile_yaml(const Profile& profile);
/// The catalogue with the profile's figures in place of its own.
[[nodiscard]] Catalogue apply_profile(const Catalogue& catalogue, const Profile& profile);

}  // namespace dpcast::models
