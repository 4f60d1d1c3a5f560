// The optimizer step: SGD with momentum and AdamW as PyTorch defines them, worked by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "dpcast/models/zoo.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/optimizer.hpp"

namespace dpcast::real {
namespace {

struct TinyMlp {
  models::ModelGraph graph = models::build_mlp({"m", {2, 3}});  // weight 3x2 (decay) + bias 3 (no decay)
  GraphPlan plan{graph};
  ParamLayout layout{plan, 1 << 20, 25 << 20};
  cpu::CpuDevice device;
  cpu::CpuKernels kernels{1};
};

TEST(Optimizer, SgdWithMomentum) {
  TinyMlp s;
  Optimizer opt(models::Optimizer::Sgd, 0.1f, s.layout, s.device, s.kernels);
  std::vector<float> p(s.layout.total(), 1.0f), g(s.layout.total(), 0.5f);
  opt.step(p.data(), g.data());  // v = 0.5; p = 1 - 0.05
  for (float v : p) EXPECT_FLOAT_EQ(v, 0.95f);
  g.assign(g.size(), -1.0f);
  opt.step(p.data(), g.data());  // v = 0.9 * 0.5 - 1 = -0.55; p = 0.95 + 0.055
  for (float v : p) EXPECT_FLOAT_EQ(v, 1.005f);
}

TEST(Optimizer, AdamWDecaysOnlyMatrices) {
  TinyMlp s;
  const float lr = 0.01f;
  Optimizer opt(models::Optimizer::Adam, lr, s.layout, s.device, s.kernels);
  std::vector<float> p(s.layout.total(), 2.0f), g(s.layout.total());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = 0.1f * static_cast<float>(i + 1);
  // Two steps by hand, in double.
  std::vector<double> ref(p.begin(), p.end()), m(p.size(), 0), v(p.size(), 0);
  for (int t = 1; t <= 2; ++t) {
    opt.step(p.data(), g.data());
    for (const ParamTensor& tensor : s.layout.tensors())
      for (std::size_t i = tensor.offset; i < tensor.offset + tensor.count; ++i) {
        if (tensor.decay) ref[i] *= 1.0 - lr * 0.01;
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const double mhat = m[i] / (1 - std::pow(0.9, t)), vhat = v[i] / (1 - std::pow(0.999, t));
        ref[i] -= lr * mhat / (std::sqrt(vhat) + 1e-8);
      }
    for (std::size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], ref[i], 1e-6) << "step " << t << " element " << i;
  }
  // Without gradients only decay moves parameters, and only the weight matrix.
  Optimizer fresh(models::Optimizer::Adam, lr, s.layout, s.device, s.kernels);
  std::vector<float> q(s.layout.total(), 2.0f), zero(s.layout.total(), 0.0f);
  fresh.step(q.data(), zero.data());
  for (const ParamTensor& tensor : s.layout.tensors())
    for (std::size_t i = tensor.offset; i < tensor.offset + tensor.count; ++i)
      EXPECT_FLOAT_EQ(q[i], tensor.decay ? 2.0f * (1 - lr * 0.01f) : 2.0f) << tensor.name;
}

TEST(Optimizer, DefaultLearningRates) {
  EXPECT_FLOAT_EQ(default_learning_rate(models::Optimizer::Sgd), 0.1f);
  EXPECT_FLOAT_EQ(default_learning_rate(models::Optimizer::Adam), 1e-3f);
}

}  // namespace
}  // namespace dpcast::real
