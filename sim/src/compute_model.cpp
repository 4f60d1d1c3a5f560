#include "dpcast/sim/compute_model.hpp"

#include <algorithm>

namespace dpcast::sim {

ComputeModel::ComputeModel(const models::Gpu& gpu, models::Precision precision)
    : matrix_rate_(gpu.matrix_peak(precision) * gpu.compute_efficiency),
      vector_rate_(gpu.vector_flops * gpu.compute_efficiency),
      memory_rate_(gpu.memory_bandwidth_bytes_per_s * gpu.memory_efficiency),
      launch_s_(gpu.launch_overhead_s),
      matrix_peak_(gpu.matrix_peak(precision)) {}

double ComputeModel::time(double flops, double bytes, bool matrix) const {
  if (flops <= 0 && bytes <= 0) return 0;
  return launch_s_ + std::max(flops / (matrix ? matrix_rate_ : vector_rate_), bytes / memory_rate_);
}

PassTime ComputeModel::layer(const models::LayerCost& c, models::LayerKind kind) const {
  const bool matrix = models::is_matrix_layer(kind);
  return {time(c.forward_flops, c.forward_bytes, matrix), time(c.backward_flops(), c.backward_bytes, matrix)};
}

double ComputeModel::streaming(double bytes) const { return bytes > 0 ? launch_s_ + bytes / memory_rate_ : 0; }

}  // namespace dpcast::sim
