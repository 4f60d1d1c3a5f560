#pragma once
// The optimizer step over the flat parameter buffer (the scenario's training.optimizer):
//  * sgd:  SGD with momentum 0.9, as torch.optim.SGD (v = 0.9 v + g; p -= lr v); no decay.
//  * adam: AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW: betas 0.9/0.999, eps 1e-8,
//          decoupled weight decay 0.01 on matrices only (linear weights and embedding tables,
//          not biases or LayerNorm), as common GPT recipes (nanoGPT, Megatron-LM) do.
// Its states live on the device in the parameters' layout.
#include <cstdint>

#include "dpcast/models/scenario.hpp"
#include "dpcast/real/device.hpp"
#include "dpcast/real/kernels.hpp"
#include "dpcast/real/param_layout.hpp"

namespace dpcast::real {

/// The learning rate when none is given: 0.1 for SGD with momentum, 1e-3 for AdamW.
[[nodiscard]] float default_learning_rate(models::Optimizer kind);

class Optimizer {
 public:
  static constexpr float kMomentum = 0.9f;
  static constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f, kWeightDecay = 0.01f;

  Optimizer(models::Optimizer kind, float lr, const ParamLayout& layout, Device& device, Kernels& kernels);
  /// One update of `params` from `grads` (device pointers in the layout).
  void step(float* params, const float* grads);
  [[nodiscard]] models::Optimizer kind() const { return kind_; }
  [[nodiscard]] float learning_rate() const { return lr_; }
  [[nodiscard]] double state_bytes() const { return static_cast<double>(first_.bytes() + second_.bytes()); }

 private:
  struct Run {  // consecutive tensors that share a weight-decay setting
    std::size_t offset, count;
    bool decay;
  };
  models::Optimizer kind_;
  float lr_;
  Kernels* kernels_;
  DeviceArray<float> first_, second_;  // momentum, or Adam's first and second moments
  std::vector<Run> runs_;
  std::int64_t steps_ = 0;
};

}  // namespace dpcast::real
