#include "dpcast/sim/memory_model.hpp"

#include <cmath>

namespace dpcast::sim {
using models::Optimizer;
using models::Precision;

double gradient_bytes_per_param(Precision p) {
  return models::bytes_per_element(p);
}

MemoryEstimate estimate_memory(const models::Scenario& s, const models::ModelGraph& graph) {
  const double n = s.cluster.gpus();
  const int zero = s.data_parallel.zero_stage;
  const Precision p = s.training.precision;
  const bool mixed = p == Precision::Bf16 || p == Precision::Fp16;
  const double w = models::bytes_per_element(p);
  const double params = static_cast<double>(graph.total_params());

  MemoryEstimate m;
  auto& b = m.breakdown;
  b.params_bytes = params * w / (zero >= 3 ? n : 1);
  b.grads_bytes = params * w / (zero >= 2 ? n : 1);
  const double state_per_param = (s.training.optimizer == Optimizer::Adam ? 8.0 : 4.0) + (mixed ? 4.0 : 0.0);
  b.optimizer_bytes = params * state_per_param / (zero >= 1 ? n : 1);
  m.activation_bytes_per_sample = (s.training.activation_checkpointing ? graph.checkpointed_elements_per_sample()
                                                                       : graph.saved_elements_per_sample()) *
                                  w;
  b.activations_bytes = m.activation_bytes_per_sample * static_cast<double>(s.training.micro_batch);
  const double bucket = s.data_parallel.bucket_bytes();
  const double ddp_buckets = s.data_parallel.gradient_copies == models::GradientCopies::None ? 0 : params * w;
  b.comm_buffers_bytes = n == 1 ? 0 : zero == 0 ? ddp_buckets : 2 * bucket;
  b.reserved_bytes = s.cluster.gpu_entry->reserved_bytes;
  b.capacity_bytes = s.cluster.gpu_entry->memory_bytes;
  const double fixed = b.params_bytes + b.grads_bytes + b.optimizer_bytes + b.comm_buffers_bytes + b.reserved_bytes;
  b.total_bytes = fixed + b.activations_bytes;
  const double room = b.capacity_bytes - fixed;
  m.max_micro_batch =
      room <= 0 ? 0 : static_cast<std::int64_t>(std::floor(room / std::max(m.activation_bytes_per_sample, 1.0)));
  return m;
}

}  // namespace dpcast::sim
