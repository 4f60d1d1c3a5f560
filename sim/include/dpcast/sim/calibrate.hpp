#pragma once
// Calibration: measured timings fitted into a hardware profile (profile.hpp).
//  * all-reduce timings (dpcast-train --microbench, nccl-tests, OSU) -> a link's α and β, as a
//    ring all-reduce of p ranks takes them: t(n) = 2(p-1)·α + 2(p-1)/p · n / B;
//  * matrix-product timings -> a curve of efficiency against one product's FLOP;
//  * streaming-kernel timings -> a curve of efficiency against the bytes one kernel moves.
// Fits minimise relative error, since sizes span many decades.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct TimedSize {
  double size = 0;  // bytes, or FLOP
  double seconds = 0;
};

struct AlphaBetaFit {
  double latency_s = 0;              // α, per ring step
  double bandwidth_bytes_per_s = 0;  // B
  double max_relative_error = 0;     // of the fitted times against the samples
};

/// Fits the ring all-reduce form to timings of `ranks` ranks (at least 2 samples, 2 ranks).
[[nodiscard]] AlphaBetaFit fit_allreduce(const std::vector<TimedSize>& samples, int ranks);

struct AllreduceLog {
  std::vector<TimedSize> samples;          // bytes, seconds
  int ranks = 0;                           // 0 when the log does not say
  std::vector<std::string> hosts;          // nccl-tests: the distinct hosts of its rank lines, in rank order
  std::optional<models::CollectiveOp> op;  // nccl-tests: "# Collective test starting: all_gather_perf"
};

/// nccl-tests *_perf output (out-of-place times; ranks and hosts from its "#  Rank  0 ... on
/// HOST device 0" lines, the collective from its "Collective test starting" line).
[[nodiscard]] AllreduceLog parse_nccl_tests(const std::string& text, const std::string& file);
/// OSU osu_allreduce output (average latency per size; the log does not give the ranks).
[[nodiscard]] AllreduceLog parse_osu_allreduce(const std::string& text, const std::string& file);

/// Efficiency = size / (seconds x rate) per sample, the median in each log-spaced bin (four per
/// decade), capped at `most`.
[[nodiscard]] models::EfficiencyCurve fit_efficiency_curve(const std::vector<TimedSize>& samples, double rate,
                                                           double most);

/// Each size's measured time over `model_seconds(size)`, one point per size (repeated sizes:
/// their mean): what a model misses, kept as a curve (Link::nccl_time_ratio, alpha_beta_time_ratio).
[[nodiscard]] models::EfficiencyCurve measured_over_model(const std::vector<TimedSize>& samples,
                                                          const std::function<double(double)>& model_seconds);
/// "0.80 at 256 KiB to 10.05 at 256 MiB": the least and the greatest ratio of such a curve.
[[nodiscard]] std::string ratio_range(const models::EfficiencyCurve& curve);

/// What a calibration found, for people: one line per fitted figure.
struct Calibration {
  models::Profile profile;
  std::vector<std::string> report;
};

/// A profile from `dpcast-train --microbench` output: the GPU `gpu` gets a measured peak (when
/// the output has one), its matrix and memory curves; `link` gets the all-reduce's α-β.
[[nodiscard]] Calibration calibrate_from_microbench(const models::Json& raw, const std::string& file,
                                                    const models::Catalogue& catalogue, const std::string& gpu,
                                                    const std::string& link);

/// A profile whose GPUs carry the layers of measured records (each measured on one worker),
/// by layer_signature: the compute model then uses those layers' own times.
[[nodiscard]] Calibration calibrate_from_records(const std::vector<models::RunRecord>& records, const std::string& file,
                                                 const models::Catalogue& catalogue);

}  // namespace dpcast::sim
