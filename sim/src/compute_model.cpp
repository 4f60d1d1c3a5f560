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

std::vector<PassTime> layer_times(const ComputeModel& compute, const models::ModelGraph& graph,
                                  const models::TrainingSpec& training) {
  const double bytes = models::bytes_per_element(training.precision);
  std::vector<PassTime> times(graph.size());
  for (models::LayerId id = 0; id < graph.size(); ++id) {
    const auto& layer = graph.layer(id);
    times[id] = compute.layer(layer.cost(training.micro_batch, bytes, bytes), layer.kind);
    if (training.activation_checkpointing && layer.block >= 0) times[id].backward_s += times[id].forward_s;
  }
  return times;
}

double optimizer_time(const ComputeModel& compute, double params, models::Optimizer optimizer) {
  return compute.streaming(params * (optimizer == models::Optimizer::Adam ? 28.0 : 20.0));
}

}  // namespace dpcast::sim
