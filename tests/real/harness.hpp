#pragma once
// A model graph ready to run in-process on the CPU kernels: plan, layout, executor.
#include <memory>
#include <random>
#include <vector>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/executor.hpp"

namespace dpcast::real::test {

struct Harness {
  Harness(models::ModelGraph g, std::int64_t batch, bool input_gradient = false, int threads = 1,
          double first_bucket_bytes = 1 << 20, double bucket_bytes = 25 << 20)
      : graph(std::move(g)),
        plan(graph),
        layout(plan, first_bucket_bytes, bucket_bytes),
        kernels(threads),
        executor(plan, layout, device, kernels, ExecutorOptions{batch, input_gradient}) {}

  models::ModelGraph graph;
  GraphPlan plan;
  ParamLayout layout;
  cpu::CpuDevice device;
  cpu::CpuKernels kernels;
  Executor executor;

  /// Host views of the flat buffers (the CPU device's memory is host memory).
  [[nodiscard]] float* params() { return executor.params(); }
  [[nodiscard]] float* grads() { return executor.grads(); }
  [[nodiscard]] std::size_t total() const { return layout.total(); }

  void random_params(std::uint32_t seed, float scale = 0.5f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    for (std::size_t i = 0; i < total(); ++i) params()[i] = normal(rng);
  }
  float forward_loss() {
    executor.forward();
    return executor.loss();
  }
};

/// Graph-building shorthand.
inline models::ModelGraph graph_of(std::string name, std::int64_t seq_len = 0) {
  return models::ModelGraph(models::ModelInfo{std::move(name), seq_len});
}

}  // namespace dpcast::real::test
