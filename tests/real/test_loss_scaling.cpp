// Dynamic loss scaling (the CUDA backend's fp16 training) is the trainer's, not the GPU's:
// here it runs on the CPU kernels. A power-of-two scale changes no bit of the training; an
// overflowing one skips the step and halves; good steps in a row double it; unscale_check
// flags infinities and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/zoo.hpp"
#include "one_rank.hpp"

namespace dpcast::real {
namespace {

using test::OneRank;
using test::tiny_mlp;

TrainConfig config(int steps) {
  TrainConfig c;
  c.optimizer = models::Optimizer::Adam;
  c.micro_batch = 8;
  c.steps = steps;
  c.warmup = 0;
  return c;
}

TEST(LossScaling, APowerOfTwoScaleChangesNothing) {
  const auto g = tiny_mlp();
  OneRank plain(g, config(5));
  TrainConfig c = config(5);
  c.loss_scaling.enabled = true;  // 2^16: exact in fp32, and nothing overflows on this model
  OneRank scaled(g, c);
  const auto a = plain.trainer.run(), b = scaled.trainer.run();
  for (std::size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].loss, b[t].loss) << "step " << t;
    EXPECT_EQ(a[t].loss_scale, 1.0);
    EXPECT_EQ(b[t].loss_scale, 65536.0);
    EXPECT_FALSE(b[t].skipped);
  }
  EXPECT_EQ(plain.trainer.parameters(), scaled.trainer.parameters());
}

TEST(LossScaling, OverflowSkipsTheStepAndHalvesTheScale) {
  const auto g = tiny_mlp();
  TrainConfig c = config(3);
  c.optimizer = models::Optimizer::Sgd;
  c.lr = 1e35f;  // the first step blows the weights up: the next gradients are not finite
  c.loss_scaling.enabled = true;
  OneRank run(g, c);
  const StepTimes first = run.trainer.step(0);
  EXPECT_FALSE(first.skipped);
  EXPECT_EQ(run.trainer.loss_scale(), 65536);
  const std::vector<float> before = run.trainer.parameters();
  for (int t = 1; t <= 2; ++t) {
    const StepTimes s = run.trainer.step(t);
    EXPECT_TRUE(s.skipped) << "step " << t;
    EXPECT_EQ(s.loss_scale, 65536 >> (t - 1)) << "the step ran with the scale before halving";
    EXPECT_EQ(run.trainer.loss_scale(), 65536 >> t);
    EXPECT_EQ(run.trainer.parameters(), before) << "a skipped step leaves the weights alone";
  }
}

TEST(LossScaling, GoodStepsInARowGrowTheScale) {
  const auto g = tiny_mlp();
  TrainConfig c = config(5);
  c.loss_scaling.enabled = true;
  c.loss_scaling.initial_scale = 1024;
  c.loss_scaling.growth_interval = 2;
  OneRank run(g, c);
  const auto steps = run.trainer.run();
  std::vector<double> scales;
  for (const auto& s : steps) scales.push_back(s.loss_scale);
  EXPECT_EQ(scales, (std::vector<double>{1024, 1024, 2048, 2048, 4096}));
  EXPECT_EQ(run.trainer.loss_scale(), 4096);
}

TEST(LossScaling, RejectsNonsense) {
  const auto g = tiny_mlp();
  TrainConfig c = config(1);
  c.loss_scaling.enabled = true;
  c.loss_scaling.backoff_factor = 1.5f;
  cpu::CpuDevice device;
  cpu::CpuKernels kernels{1};
  SelfCommunicator comm(device);
  EXPECT_THROW(Trainer(g, c, device, kernels, comm), Error);
}

TEST(LossScaling, OnlyFp16TurnsItOn) {
  models::Scenario s;
  for (auto [precision, on] : {std::pair{models::Precision::Fp32, false},
                               {models::Precision::Tf32, false},
                               {models::Precision::Bf16, false},
                               {models::Precision::Fp16, true}}) {
    s.training.precision = precision;
    EXPECT_EQ(TrainConfig::from(s).loss_scaling.enabled, on) << models::to_string(precision);
  }
}

TEST(LossScaling, UnscaleCheckFlagsInfinitiesAndNaN) {
  cpu::CpuKernels k{1};
  std::vector<float> x{2, 4, 8};
  float flag = 0;
  k.unscale_check(x.data(), 3, 0.5f, &flag);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 4}));
  EXPECT_EQ(flag, 0);
  for (float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> y{1, bad, 3};
    flag = 0;
    k.unscale_check(y.data(), 3, 0.5f, &flag);
    EXPECT_EQ(flag, 1);
    EXPECT_EQ(y[0], 0.5f);
    EXPECT_EQ(y[2], 1.5f);
  }
  // A flag already raised stays raised (one flag over several buffers).
  std::vector<float> z{1};
  flag = 1;
  k.unscale_check(z.data(), 1, 1.0f, &flag);
  EXPECT_EQ(flag, 1);
}

}  // namespace
}  // namespace dpcast::real
