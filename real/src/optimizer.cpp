#include "dpcast/real/optimizer.hpp"

#include <cmath>

namespace dpcast::real {

float default_learning_rate(models::Optimizer kind) {
  return kind == models::Optimizer::Sgd ? 0.1f : 1e-3f;
}

Optimizer::Optimizer(models::Optimizer kind, float lr, const ParamLayout& layout, Device& device, Kernels& kernels)
    : kind_(kind), lr_(lr), kernels_(&kernels), first_(device, layout.total()) {
  if (kind == models::Optimizer::Adam) second_ = DeviceArray<float>(device, layout.total());
  for (const ParamTensor& t : layout.tensors()) {
    if (!runs_.empty() && runs_.back().decay == t.decay && runs_.back().offset + runs_.back().count == t.offset)
      runs_.back().count += t.count;
    else
      runs_.push_back({t.offset, t.count, t.decay});
  }
}

void Optimizer::step(float* params, const float* grads) {
  ++steps_;
  for (const Run& r : runs_) {
    const auto n = static_cast<std::int64_t>(r.count);
    if (kind_ == models::Optimizer::Sgd) {
      kernels_->sgd_momentum(params + r.offset, grads + r.offset, first_.data() + r.offset, n, lr_, kMomentum);
      continue;
    }
    AdamWStep s;
    s.lr = lr_;
    s.beta1 = kBeta1;
    s.beta2 = kBeta2;
    s.eps = kEps;
    s.weight_decay = r.decay ? kWeightDecay : 0.0f;
    s.bias_correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(kBeta1), static_cast<double>(steps_)));
    s.bias_correction2 = static_cast<float>(1.0 - std::pow(static_cast<double>(kBeta2), static_cast<double>(steps_)));
    kernels_->adamw(params + r.offset, grads + r.offset, first_.data() + r.offset, second_.data() + r.offset, n, s);
  }
}

}  // namespace dpcast::real
