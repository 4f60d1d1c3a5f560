#pragma once
// Executor: runs a planned model graph forward and backward on a device, with the parameters
// and gradients in the bucket-ordered flat buffers of a ParamLayout. It owns every buffer
// (activations kept for backward, gradients of activations, saved statistics) and calls the
// backend's Kernels; it knows nothing of ranks, timing or optimizers — an observer is told
// before and after each layer's pass, which is where the trainer times layers and starts a
// bucket's all-reduce the moment its last gradient is computed.
#include <cstdint>
#include <vector>

#include "dpcast/real/device.hpp"
#include "dpcast/real/graph_plan.hpp"
#include "dpcast/real/kernels.hpp"
#include "dpcast/real/param_layout.hpp"

namespace dpcast::real {

enum class Pass { Forward, Backward };

class LayerObserver {
 public:
  virtual ~LayerObserver() = default;
  virtual void before(int node, Pass pass) = 0;
  virtual void after(int node, Pass pass) = 0;
};

struct ExecutorOptions {
  std::int64_t micro_batch = 1;
  /// Also compute the gradient of the loss with respect to the input features (for checks).
  bool input_gradient = false;
};

class Executor {
 public:
  /// LayerNorm's epsilon (GPT-2, PyTorch's default).
  static constexpr float kLayerNormEps = 1e-5f;

  Executor(const GraphPlan& plan, const ParamLayout& layout, Device& device, Kernels& kernels, ExecutorOptions options);

  // ---- one micro-batch of data (host arrays, micro_batch samples) ----
  void set_features(const std::vector<float>& features);
  void set_tokens(const std::vector<std::int32_t>& tokens);
  void set_targets(const std::vector<std::int32_t>& targets);

  void forward(LayerObserver* observer = nullptr);
  /// Gradients of loss_scale x (the mean loss of this micro-batch). With `accumulate` they
  /// add to the parameter gradients already there (gradient accumulation); without, they
  /// replace them.
  void backward(float loss_scale, bool accumulate, LayerObserver* observer = nullptr);
  /// The mean loss of the last forward (copied from the device).
  [[nodiscard]] float loss();

  [[nodiscard]] float* params() { return params_.data(); }
  [[nodiscard]] float* grads() { return grads_.data(); }
  /// d(loss)/d(features) after backward (only with ExecutorOptions::input_gradient).
  [[nodiscard]] const float* input_gradient() const;
  [[nodiscard]] const GraphPlan& plan() const { return *plan_; }
  [[nodiscard]] const ParamLayout& layout() const { return *layout_; }
  [[nodiscard]] std::int64_t micro_batch() const { return batch_; }
  [[nodiscard]] Device& device() { return *device_; }
  [[nodiscard]] Kernels& kernels() { return *kernels_; }
  /// Device bytes of activations and everything kept for backward.
  [[nodiscard]] double activation_bytes() const { return activation_bytes_; }

 private:
  struct NodeState {
    DeviceArray<float> out;              // output activations (features, for the input)
    DeviceArray<float> grad;             // gradient of the loss with respect to out
    DeviceArray<float> stat_a, stat_b;   // LayerNorm mean and 1/std; attention/loss probabilities (a)
    DeviceArray<std::int32_t> ids;       // token ids (input) or targets (loss)
    std::vector<bool> first_grad_write;  // per input: the first to write that input's gradient in backward
    bool first_param_write = false;      // the first to write its parameters' gradient in backward
    std::size_t weight = 0, bias = 0;    // parameter offsets
  };
  [[nodiscard]] float* out(int i) { return state_[static_cast<std::size_t>(i)].out.data(); }
  /// Gradient buffer of node i's output, or null when nothing needs it.
  [[nodiscard]] float* grad(int i) { return state_[static_cast<std::size_t>(i)].grad.data(); }
  void forward_node(int i);
  void backward_node(int i, float loss_scale, bool accumulate);

  const GraphPlan* plan_;
  const ParamLayout* layout_;
  Device* device_;
  Kernels* kernels_;
  std::int64_t batch_;
  DeviceArray<float> params_, grads_, scratch_;
  std::vector<NodeState> state_;
  double activation_bytes_ = 0;
};

}  // namespace dpcast::real
