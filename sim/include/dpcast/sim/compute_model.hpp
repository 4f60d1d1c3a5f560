#pragma once
// Time of one layer pass on one GPU: a roofline with efficiencies.
//   time = launch overhead + max(FLOP / (peak x compute efficiency),
//                                bytes / (memory bandwidth x memory efficiency))
// Matrix layers use the precision's matrix peak (tensor cores); element-wise layers the
// vector peak. Efficiencies come from the hardware entry (later: a calibrated profile).
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"

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

}  // namespace dpcast::sim
