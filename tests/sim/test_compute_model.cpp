#include <gtest/gtest.h>

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
