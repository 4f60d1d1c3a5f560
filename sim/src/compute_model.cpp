#include "dpcast/sim/compute_model.hpp"

#include "dpcast/models/error.hpp"
#include "dpcast/models/profile.hpp"

#include <algorithm>

namespace dpcast::sim {

ComputeModel::ComputeModel(const models::Gpu& gpu, models::Precision precision, bool colocated)
    : matrix_rate_(gpu.matrix_peak(precision) * gpu.compute_efficiency),
      vector_rate_(gpu.vector_flops * gpu.compute_efficiency),
      memory_rate_(gpu.memory_bandwidth_bytes_per_s * gpu.memory_efficiency),
      launch_s_(gpu.launch_overhead_s),
      matrix_peak_(gpu.matrix_peak(precision)),
      memory_curve_(gpu.memory_efficiency_curve),
      memory_bandwidth_(gpu.memory_bandwidth_bytes_per_s),
      precision_(precision),
      measured_(&gpu.measured_layers),
      matrix_slowdown_(colocated ? gpu.colocated_matrix_slowdown : 1.0),
      streaming_slowdown_(colocated ? gpu.colocated_streaming_slowdown : 1.0) {
  if (const auto it = gpu.matrix_efficiency_curve.find(precision); it != gpu.matrix_efficiency_curve.end())
    matrix_curve_ = it->second;
  // Every time is work / rate: the catalogue reader rejects a zero figure, a GPU built in code must too.
  DPCAST_ASSERT(matrix_rate_ > 0 && vector_rate_ > 0 && memory_rate_ > 0,
                "GPU '" + gpu.name + "' has a zero peak, bandwidth or efficiency");
}

double ComputeModel::matrix_seconds(double flops, double products) const {
  if (flops <= 0) return 0;
  if (matrix_curve_.empty()) return flops / matrix_rate_;
  return flops / (matrix_peak_ * matrix_curve_.at(flops / std::max(1.0, products)));
}

double ComputeModel::memory_seconds(double bytes) const {
  if (bytes <= 0) return 0;
  if (memory_curve_.empty()) return bytes / memory_rate_;
  return bytes / (memory_bandwidth_ * memory_curve_.at(bytes));
}

double ComputeModel::time(double flops, double bytes, bool matrix, double products) const {
  if (flops <= 0 && bytes <= 0) return 0;
  return launch_s_ + std::max(matrix ? matrix_seconds(flops, products) : flops / vector_rate_, memory_seconds(bytes));
}

PassTime ComputeModel::layer(const models::LayerCost& c, const models::Layer& layer, std::int64_t micro_batch) const {
  PassTime t = roofline(c, layer, micro_batch);
  if (!measured_->empty()) {
    const auto it = measured_->find(models::layer_signature(layer, micro_batch, precision_));
    if (it != measured_->end()) t = {it->second.first, it->second.second};
  }
  const double slowdown = models::is_matrix_layer(layer.kind) ? matrix_slowdown_ : streaming_slowdown_;
  return {t.forward_s * slowdown, t.backward_s * slowdown};
}

PassTime ComputeModel::roofline(const models::LayerCost& c, const models::Layer& layer,
                                std::int64_t micro_batch) const {
  if (!models::is_matrix_layer(layer.kind))
    return {time(c.forward_flops, c.forward_bytes, false), time(c.backward_flops(), c.backward_bytes, false)};
  if (layer.kind == models::LayerKind::Attention) {
    // Scores and values: two products per head and sample, forward; backward's are twice as many.
    const double products = 2.0 * std::max<std::int64_t>(1, layer.heads) * static_cast<double>(micro_batch);
    return {time(c.forward_flops, c.forward_bytes, true, products),
            time(c.backward_flops(), c.backward_bytes, true, 2 * products)};
  }
  // Linear and convolution: one product forward; backward the input and the weight gradient.
  const double backward = matrix_seconds(c.backward_input_flops, 1) + matrix_seconds(c.backward_weight_flops, 1);
  const double backward_s = c.backward_flops() <= 0 && c.backward_bytes <= 0
                                ? 0
                                : launch_s_ + std::max(backward, memory_seconds(c.backward_bytes));
  return {time(c.forward_flops, c.forward_bytes, true), backward_s};
}

double ComputeModel::streaming(double bytes) const {
  return bytes > 0 ? (launch_s_ + memory_seconds(bytes)) * streaming_slowdown_ : 0;
}

std::vector<PassTime> layer_times(const ComputeModel& compute, const models::ModelGraph& graph,
                                  const models::TrainingSpec& training) {
  const double bytes = models::bytes_per_element(training.precision);
  std::vector<PassTime> times(graph.size());
  for (models::LayerId id = 0; id < graph.size(); ++id) {
    const auto& layer = graph.layer(id);
    times[id] = compute.layer(layer.cost(training.micro_batch, bytes, bytes), layer, training.micro_batch);
    if (training.activation_checkpointing && layer.block >= 0) times[id].backward_s += times[id].forward_s;
  }
  return times;
}

double optimizer_time(const ComputeModel& compute, double params, models::Optimizer optimizer) {
  return compute.streaming(params * (optimizer == models::Optimizer::Adam ? 28.0 : 20.0));
}

}  // namespace dpcast::sim
