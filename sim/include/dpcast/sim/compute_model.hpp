#pragma once
// Time of one layer pass on one GPU: a roofline with efficiencies.
//   time = launch overhead + max(FLOP / (peak x compute efficiency),
//                                bytes / (memory bandwidth x memory efficiency))
// Matrix layers use the precision's matrix peak (tensor cores); element-wise layers the
// vector peak. Efficiencies come from the hardware entry (later: a calibrated profile).
#include <vector>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"
#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct PassTime {
  double forward_s = 0;
  double backward_s = 0;
};

class ComputeModel {
 public:
  ComputeModel(const models::Gpu& gpu, models::Precision precision);

  /// Roofline time of `flops` and `bytes` on the matrix or vector units, plus the launch overhead.
  [[nodiscard]] double time(double flops, double bytes, bool matrix) const;
  [[nodiscard]] PassTime layer(const models::LayerCost& cost, models::LayerKind kind) const;
  /// Time for a kernel that streams `bytes` through memory (optimizer steps).
  [[nodiscard]] double streaming(double bytes) const;

  [[nodiscard]] double matrix_peak() const { return matrix_peak_; }

 private:
  double matrix_rate_;  // achievable FLOP/s
  double vector_rate_;
  double memory_rate_;  // achievable bytes/s
  double launch_s_;
  double matrix_peak_;
};

/// Forward and backward time of every layer of `graph` (indexed by LayerId) for the
/// scenario's micro-batch and precision; with activation checkpointing a block's backward
/// also runs its forward again. Both engines time compute with this.
[[nodiscard]] std::vector<PassTime> layer_times(const ComputeModel& compute, const models::ModelGraph& graph,
                                                const models::TrainingSpec& training);

/// One optimizer step over `params` parameters: the bytes it streams through memory. Adam
/// reads gradient, weights, m and v and writes weights, m and v (28 B per parameter in fp32;
/// in mixed precision the 16-bit gradient read and 16-bit weight copy replace fp32 ones, also
/// 28 B). SGD with momentum: 20 B either way.
[[nodiscard]] double optimizer_time(const ComputeModel& compute, double params, models::Optimizer optimizer);

}  // namespace dpcast::sim
