// Calibration fits: α-β from all-reduce timings (our own, nccl-tests, OSU), efficiency curves,
// and a profile from dpcast-train --microbench output.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/calibrate.hpp"

using namespace dpcast;

namespace {
std::string read(const std::string& relative) {
  std::ifstream in(std::string(DPCAST_SOURCE_DIR) + "/tests/sim/data/" + relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(Calibrate, RingAllReduceFitRecoversAlphaAndBeta) {
  // 4 ranks, α = 3 us, B = 20 GB/s: t = 6·α + 1.5·n/B exactly.
  std::vector<sim::TimedSize> samples;
  for (double n = 1024; n <= 256e6; n *= 4) samples.push_back({n, 6 * 3e-6 + 1.5 * n / 20e9});
  const auto fit = sim::fit_allreduce(samples, 4);
  EXPECT_NEAR(fit.latency_s, 3e-6, 1e-12);
  EXPECT_NEAR(fit.bandwidth_bytes_per_s / 20e9, 1.0, 1e-9);
  EXPECT_LT(fit.max_relative_error, 1e-9);
}

TEST(Calibrate, AllReduceFitRejectsWhatCannotBeFitted) {
  EXPECT_THROW((void)sim::fit_allreduce({{1024, 1e-5}}, 2), Error);
  EXPECT_THROW((void)sim::fit_allreduce({{1024, 1e-5}, {2048, 2e-5}}, 1), Error);
  EXPECT_THROW((void)sim::fit_allreduce({{1024, 2e-5}, {1e9, 1e-5}}, 2), Error);  // faster when larger
}

TEST(Calibrate, NcclTestsLogGivesRanksAndTheLinkAlphaBeta) {
  // tests/sim/data/nccl-tests-allreduce-8.log: all_reduce_perf on 8 GPUs, generated from α = 5 us
  // and B = 100 GB/s and printed as nccl-tests does (times to 0.01 us).
  const auto log = sim::parse_nccl_tests(read("nccl-tests-allreduce-8.log"), "nccl.log");
  EXPECT_EQ(log.ranks, 8);
  ASSERT_EQ(log.samples.size(), 13u);  // 8 B to 128 MiB, x4
  EXPECT_EQ(log.samples.front().size, 8);
  EXPECT_NEAR(log.samples.front().seconds, 70e-6, 1e-12);  // out-of-place, not in-place
  const auto fit = sim::fit_allreduce(log.samples, log.ranks);
  EXPECT_NEAR(fit.latency_s / 5e-6, 1.0, 1e-3);
  EXPECT_NEAR(fit.bandwidth_bytes_per_s / 100e9, 1.0, 1e-3);
  EXPECT_THROW((void)sim::parse_nccl_tests("# nothing here\n", "empty.log"), Error);
}

TEST(Calibrate, OsuLogGivesSizesAndLatencies) {
  // osu_allreduce on 2 ranks, generated from α = 2 us and B = 10 GB/s (latency to 0.01 us).
  const auto log = sim::parse_osu_allreduce(read("osu-allreduce-2.log"), "osu.log");
  EXPECT_EQ(log.ranks, 0);
  ASSERT_EQ(log.samples.size(), 10u);
  const auto fit = sim::fit_allreduce(log.samples, 2);
  EXPECT_NEAR(fit.latency_s / 2e-6, 1.0, 1e-2);
  EXPECT_NEAR(fit.bandwidth_bytes_per_s / 10e9, 1.0, 1e-2);
}

TEST(Calibrate, EfficiencyCurveTakesTheMedianOfEachBin) {
  // Three timings near 1 MFLOP at 100 GFLOP/s peak: efficiencies 0.1, 0.2, 0.9 -> median 0.2.
  const auto curve = sim::fit_efficiency_curve({{1.00e6, 1e6 / (0.1 * 1e11)},
                                                {1.05e6, 1.05e6 / (0.9 * 1e11)},
                                                {1.1e6, 1.1e6 / (0.2 * 1e11)},
                                                {1e9, 1e9 / (0.8 * 1e11)}},
                                               1e11, 1.0);
  ASSERT_EQ(curve.points.size(), 2u);
  EXPECT_NEAR(curve.points[0].second, 0.2, 1e-12);
  EXPECT_NEAR(curve.points[1].second, 0.8, 1e-12);
  EXPECT_NEAR(curve.points[1].first, 1e9, 1e-3);
  // Capped: nothing beats the peak it is measured against.
  EXPECT_EQ(sim::fit_efficiency_curve({{1e9, 1e9 / 2e11}}, 1e11, 1.0).points[0].second, 1.0);
}

TEST(Calibrate, ColocatedSlowdownIsTheMedianRatioAndNeverASpeedUp) {
  models::Json raw = {{"kind", "microbench"},
                      {"backend", "cpu"},
                      {"host", "ci"},
                      {"threads", 1},
                      {"ranks", 2},
                      {"gemm", models::Json::array()},
                      {"elementwise", models::Json::array()},
                      {"allreduce", models::Json::array()}};
  // Matrix products 1.1x, 1.3x and 2x slower together: the median is 1.3x.
  for (double ratio : {1.1, 2.0, 1.3})
    raw["gemm"].push_back(
        {{"m", 1}, {"n", 1}, {"k", 1}, {"flops", 1e8}, {"seconds", 1e-3}, {"seconds_together", ratio * 1e-3}});
  // Streaming kernels "faster together" (the pass alone was disturbed): kept at 1.
  for (double ratio : {0.8, 0.9})
    raw["elementwise"].push_back(
        {{"kernel", "add"}, {"bytes", 1e6}, {"seconds", 1e-4}, {"seconds_together", ratio * 1e-4}});
  const auto c =
      sim::calibrate_from_microbench(raw, "raw.json", models::Catalogue::builtin(), "cpu-core", "shared-memory");
  const auto& g = c.profile.gpus.at("cpu-core");
  EXPECT_DOUBLE_EQ(*g.colocated_matrix_slowdown, 1.3);
  EXPECT_DOUBLE_EQ(*g.colocated_streaming_slowdown, 1.0);
}

TEST(Calibrate, MicrobenchOutputBecomesAProfile) {
  models::Json raw = {{"kind", "microbench"},
                      {"backend", "cpu"},
                      {"host", "ci"},
                      {"threads", 1},
                      {"ranks", 2},
                      {"peak", {{"fp32_flops", 1.2e11}, {"memory_bandwidth_bytes_per_s", 2e10}}},
                      {"gemm", models::Json::array()},
                      {"elementwise", models::Json::array()},
                      {"allreduce", models::Json::array()}};
  for (double f : {1e6, 1e8, 1e10})
    raw["gemm"].push_back({{"m", 1}, {"n", 1}, {"k", 1}, {"flops", f}, {"seconds", f / (0.5e11)}});
  for (double b : {4096.0, 1e8}) raw["elementwise"].push_back({{"kernel", "add"}, {"bytes", b}, {"seconds", b / 1e10}});
  for (double n = 1024; n <= 64e6; n *= 4) raw["allreduce"].push_back({{"bytes", n}, {"seconds", 2 * 4e-6 + n / 5e9}});
  const auto c =
      sim::calibrate_from_microbench(raw, "raw.json", models::Catalogue::builtin(), "cpu-core", "shared-memory");
  const auto& g = c.profile.gpus.at("cpu-core");
  EXPECT_EQ(g.peak_flops.at(models::Precision::Fp32), 1.2e11);
  EXPECT_EQ(g.peak_flops.at(models::Precision::Bf16), 1.2e11);  // a CPU computes bf16 in fp32
  EXPECT_NEAR(g.matrix_efficiency.at(models::Precision::Fp32).at(1e8), 0.5 / 1.2, 1e-12);
  EXPECT_NEAR(g.memory_efficiency_curve.at(1e8), 0.5, 1e-12);  // 10 GB/s of 20 measured
  EXPECT_EQ(*g.launch_overhead_s, 0);
  const auto& link = c.profile.links.at("shared-memory");
  EXPECT_NEAR(link.latency_s, 4e-6, 1e-12);
  EXPECT_NEAR(link.bandwidth_bytes_per_s / 5e9, 1.0, 1e-9);
  EXPECT_EQ(c.report.size(), 5u);
  // It reads back as a profile and applies.
  const auto again = models::parse_profile(models::profile_yaml(c.profile), "p.yaml");
  EXPECT_EQ(again.links.at("shared-memory").latency_s, link.latency_s);
  EXPECT_THROW((void)sim::calibrate_from_microbench({{"kind", "record"}}, "x.json", models::Catalogue::builtin(),
                                                    "cpu-core", "shared-memory"),
               Error);
}

TEST(Calibrate, CudaMicrobenchGivesOneCurvePerPrecision) {
  // What dpcast-train --microbench --backend cuda writes: every gemm once per precision, the
  // fp32 (CUDA-core) peak and the copy bandwidth measured, the device described.
  models::Json raw = {{"kind", "microbench"},
                      {"backend", "cuda"},
                      {"host", "gpu-box"},
                      {"threads", 1},
                      {"ranks", 1},
                      {"peak", {{"fp32_flops", 60e12}, {"memory_bandwidth_bytes_per_s", 3e12}}},
                      {"device", {{"name", "NVIDIA H100"}, {"compute_capability", "9.0"}, {"nccl", "none"}}},
                      {"gemm", models::Json::array()},
                      {"elementwise", models::Json::array()},
                      {"allreduce", models::Json::array()}};
  const std::map<std::string, double> efficiency{{"fp32", 0.8}, {"tf32", 0.5}, {"bf16", 0.6}, {"fp16", 0.7}};
  for (const auto& [precision, e] : efficiency)
    for (double f : {1e9, 1e12}) {
      const double peak = precision == "fp32" ? 60e12 : precision == "tf32" ? 494.7e12 : 989.4e12;
      raw["gemm"].push_back({{"m", 1},
                             {"n", 1},
                             {"k", 1},
                             {"flops", f},
                             {"seconds", f / (e * peak)},
                             {"precision", precision},
                             {"source", "square"}});
    }
  raw["elementwise"].push_back({{"kernel", "add_forward"}, {"bytes", 1e9}, {"seconds", 1e9 / 2.4e12}});
  const auto c = sim::calibrate_from_microbench(raw, "raw.json", models::Catalogue::builtin(), "h100-sxm", "nvlink4");
  const auto& g = c.profile.gpus.at("h100-sxm");
  // A GPU's measured fp32 peak replaces only fp32: tensor-core peaks stay the catalogue's.
  EXPECT_EQ(g.peak_flops.at(models::Precision::Fp32), 60e12);
  EXPECT_EQ(g.peak_flops.count(models::Precision::Bf16), 0u);
  for (const auto& [precision, e] : efficiency) {
    const auto p = *models::enum_from_name<models::Precision>(precision);
    ASSERT_EQ(g.matrix_efficiency.count(p), 1u) << precision;
    EXPECT_NEAR(g.matrix_efficiency.at(p).at(1e12), e, 1e-9) << precision;
  }
  EXPECT_NEAR(g.memory_efficiency_curve.at(1e9), 0.8, 1e-12);
  EXPECT_EQ(c.profile.links.count("nvlink4"), 0u) << "one rank: no all-reduce to fit";
  // An unknown precision is an error at its key.
  raw["gemm"][0]["precision"] = "fp8";
  EXPECT_THROW(
      (void)sim::calibrate_from_microbench(raw, "raw.json", models::Catalogue::builtin(), "h100-sxm", "nvlink4"),
      Error);
}
