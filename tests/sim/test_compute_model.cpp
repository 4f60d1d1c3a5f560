#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/compute_model.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

TEST(ComputeModel, RooflineTakesTheSlowerOfFlopsAndBytesPlusLaunch) {
  auto gpu = test_support::test_catalogue().gpu("test-gpu");
  gpu.compute_efficiency = 0.5;
  gpu.memory_efficiency = 0.8;
  gpu.launch_overhead_s = 3e-6;
  const sim::ComputeModel m(gpu, models::Precision::Bf16);
  // 1e9 FLOP at 100e12·0.5 = 20 us; 1e6 B at 1e12·0.8 = 1.25 us.
  EXPECT_DOUBLE_EQ(m.time(1e9, 1e6, true), 3e-6 + 20e-6);
  // Element-wise on the vector units: 1e9 FLOP at 10e12·0.5 = 200 us.
  EXPECT_DOUBLE_EQ(m.time(1e9, 1e6, false), 3e-6 + 200e-6);
  // Memory bound: 1e9 B at 0.8 TB/s.
  EXPECT_DOUBLE_EQ(m.time(1e6, 1e9, true), 3e-6 + 1.25e-3);
  EXPECT_EQ(m.time(0, 0, true), 0);
  EXPECT_DOUBLE_EQ(m.streaming(8e9), 3e-6 + 10e-3);
}

TEST(ComputeModel, PrecisionPicksThePeak) {
  const auto gpu = test_support::test_catalogue().gpu("test-gpu");
  EXPECT_DOUBLE_EQ(sim::ComputeModel(gpu, models::Precision::Fp32).matrix_peak(), 10e12);
  EXPECT_DOUBLE_EQ(sim::ComputeModel(gpu, models::Precision::Bf16).matrix_peak(), 100e12);
}

TEST(ComputeModel, ProfileCurvesTimeEachMatrixProductAtItsOwnSize) {
  // A calibrated bf16 curve: 10% of peak at 1 MFLOP, 40% at 1 GFLOP, log-interpolated.
  auto gpu = test_support::test_catalogue().gpu("test-gpu");
  gpu.matrix_efficiency_curve[models::Precision::Bf16] = models::EfficiencyCurve{{{1e6, 0.1}, {1e9, 0.4}}};
  gpu.memory_efficiency_curve = models::EfficiencyCurve{{{4096, 2.0}, {1e9, 0.5}}};
  const sim::ComputeModel m(gpu, models::Precision::Bf16);
  auto eff = [](double flops) { return 0.1 + 0.3 * std::log10(flops / 1e6) / 3; };

  // Linear 1024 -> 1024 on 64 tokens: one product of 2·64·1024·1024 FLOP forward; backward
  // the input and weight gradients, each a product of that size.
  const auto linear = models::linear("fc", 64, 1024, 1024, false);
  const double f = 2.0 * 64 * 1024 * 1024;
  const auto cost = linear.cost(1, 2, 2);
  const auto t = m.layer(cost, linear, 1);
  EXPECT_NEAR(t.forward_s, f / (100e12 * eff(f)), 1e-15);
  EXPECT_NEAR(t.backward_s, 2 * f / (100e12 * eff(f)), 1e-15);

  // Attention: scores and values, 2 products per head and sample (12 heads, micro-batch 2).
  const auto attention = models::attention("attn", 128, 12, 12, 64);
  const auto a = attention.cost(2, 2, 2);
  const double per_product = a.forward_flops / (2 * 12 * 2);
  EXPECT_NEAR(m.layer(a, attention, 2).forward_s,
              std::max(a.forward_flops / (100e12 * eff(per_product)), a.forward_bytes / (1e12 * 2.0)), 1e-15);

  // A streaming kernel of 4 KiB runs at twice the memory bandwidth (it fits in cache).
  EXPECT_DOUBLE_EQ(m.streaming(4096), 4096 / 2e12);
}

// A GPU built in code with a zero figure is dpcast's own failure, not bad input: the
// catalogue reader rejects zeros, so a zero here means the code that built it is wrong.
TEST(ComputeModel, ZeroBandwidthIsAnInternalError) {
  auto gpu = test_support::test_catalogue().gpu("test-gpu");
  gpu.memory_bandwidth_bytes_per_s = 0;
  try {
    (void)sim::ComputeModel(gpu, models::Precision::Bf16);
    FAIL() << "no InternalError";
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("GPU 'test-gpu' has a zero peak, bandwidth or efficiency"), std::string::npos)
        << e.what();
  }
}
