// Calibration fits: α-β from all-reduce timings (our own, nccl-tests, OSU), efficiency curves,
// and a profile from dpcast-train --microbench output.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/sim/calibrate.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/nccl_tests_import.hpp"

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
  // Rank lines must count 0, 1, 2, ...: a missing one is a log cut or edited.
  try {
    (void)sim::parse_nccl_tests(
        "#  Rank  0 Group 0 Pid 1 on a device 0\n#  Rank  2 Group 0 Pid 1 on a device 2\n"
        "1048576 262144 float sum -1 100.0 10.49 0 0\n",
        "gap.log");
    ADD_FAILURE() << "a gap in the rank lines was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "gap.log:2: expected the line of rank 1: the rank lines skip one; give nccl-tests' whole output");
  }
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

namespace {
// The bus bandwidth dpcast predicts for an all-reduce of `bytes` on `nodes` DGX A100.
double predicted_busbw(const models::Catalogue& catalogue, int nodes, double bytes) {
  const auto s =
      models::parse_scenarios("model: mlp\ncluster: {node: dgx-a100, nodes: " + std::to_string(nodes) + "}\n",
                              "test.yaml", catalogue)
          .front();
  const double t = sim::choose_collective(models::Collective::Auto, models::CollectiveOp::AllReduce, bytes,
                                          sim::NetworkPath::from(s))
                       .time_s;
  return bytes / t * sim::bus_bandwidth_factor(models::CollectiveOp::AllReduce, s.cluster.gpus()) / 1e9;
}

// The log's own times, scaled: `factor` x every out-of-place time.
std::string scaled(const std::string& log, double factor) {
  std::istringstream in(log);
  std::ostringstream out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream t(line);
    double size = 0, count = 0, root = 0, us = 0;
    std::string type, redop;
    if (line.empty() || line[0] == '#' || !(t >> size >> count >> type >> redop >> root >> us)) {
      out << line << "\n";
      continue;
    }
    out << static_cast<long long>(size) << " " << static_cast<long long>(count) << " float sum -1 " << us * factor
        << " 0 0 0 " << us * factor << " 0 0 0\n";
  }
  return out.str();
}
}  // namespace

// tests/sim/data/nccl-tests-allreduce-4x8-a100.log: 32 ranks on hosts dgx01-dgx04, bus bandwidth
// approaching 186 GB/s (below 8 HDR ports' 200). What a new user met: the old import wrote 186
// GB/s as each HDR port's speed and made every prediction faster. Now the topology comes from
// the rank lines, the NICs keep their speed, the measured curve sits on the NIC link, and the
// log's own configuration is predicted as measured at every size.
TEST(Calibrate, NcclTestsImportReproducesTheLogOnItsTopologyAndKeepsTheNicsSpeed) {
  const std::string text = read("nccl-tests-allreduce-4x8-a100.log");
  const auto log = sim::parse_nccl_tests(text, "a100.log");
  EXPECT_EQ(log.ranks, 32);
  EXPECT_EQ(log.hosts, (std::vector<std::string>{"dgx01", "dgx02", "dgx03", "dgx04"}));
  EXPECT_EQ(log.op, models::CollectiveOp::AllReduce);
  sim::NcclTestsImport how;
  how.node = "dgx-a100";
  const auto c = sim::calibrate_from_nccl_tests(log, "a100.log", how);
  ASSERT_EQ(c.profile.links.count("ib-hdr"), 1u);
  const auto& hdr = c.profile.links.at("ib-hdr");
  EXPECT_EQ(hdr.bandwidth_bytes_per_s, models::Catalogue::builtin().link("ib-hdr").bandwidth_bytes_per_s);
  EXPECT_EQ(hdr.nccl_time_ratio.points.size(), log.samples.size());
  const auto calibrated = models::apply_profile(models::Catalogue::builtin(), c.profile);
  for (const auto& x : log.samples) {
    const double measured = x.size / x.seconds * 2 * 31 / 32 / 1e9;
    EXPECT_NEAR(predicted_busbw(calibrated, 4, x.size) / measured, 1.0, 1e-9) << x.size;
  }
  EXPECT_NEAR(predicted_busbw(calibrated, 4, 8.0 * (1 << 30)), 185.9, 0.1);
  EXPECT_NE(c.report.front().find("4 x 8 a100-80gb on dgx-a100, nodes from the log's rank lines"), std::string::npos)
      << c.report.front();
}

// A cluster slower than dpcast's model (every time 1.5 x the model's) makes predictions slower,
// never faster: on its own 4 nodes and on 16, at every size; one node (NVLink) is untouched.
TEST(Calibrate, NcclTestsSlowerThanTheModelMakesPredictionsSlower) {
  const auto& builtin = models::Catalogue::builtin();
  std::ostringstream text;
  text << "# Collective test starting: all_reduce_perf\n";
  for (int r = 0; r < 32; ++r)
    text << "#  Rank " << r << " Group 0 Pid 1 on host" << r / 8 << " device " << r % 8 << "\n";
  for (double n = 1024; n <= 4.0 * (1 << 30); n *= 8) {
    const double model = n / (predicted_busbw(builtin, 4, n) * 1e9 / (2.0 * 31 / 32));
    text << static_cast<long long>(n) << " " << static_cast<long long>(n / 4) << " float sum -1 " << model * 1e6
         << " 0 0 0 0 0 0 0\n";
  }
  sim::NcclTestsImport how;
  how.node = "dgx-a100";
  const auto slower = sim::parse_nccl_tests(scaled(text.str(), 1.5), "slow.log");
  const auto calibrated =
      models::apply_profile(builtin, sim::calibrate_from_nccl_tests(slower, "slow.log", how).profile);
  for (int nodes : {4, 16})
    for (double n = 1024; n <= 4.0 * (1 << 30); n *= 8)
      EXPECT_NEAR(predicted_busbw(calibrated, nodes, n) / predicted_busbw(builtin, nodes, n), 1 / 1.5, 1e-3)
          << nodes << " nodes, " << n << " B";
  EXPECT_DOUBLE_EQ(predicted_busbw(calibrated, 1, 1 << 30), predicted_busbw(builtin, 1, 1 << 30));
}

// Every kind of log the import cannot place: no rank lines without --ranks, ranks that do not
// fill the nodes, a node preset without NCCL, an unknown op, no --node.
TEST(Calibrate, NcclTestsImportNamesWhatItCannotPlace) {
  const std::string rows = "1048576 262144 float sum -1 100.0 0 0 0 0 0 0 0\n";
  const auto bare = sim::parse_nccl_tests(rows, "bare.log");
  EXPECT_EQ(bare.ranks, 0);
  sim::NcclTestsImport how;
  how.node = "dgx-a100";
  auto error = [](const sim::AllreduceLog& log, const sim::NcclTestsImport& h) {
    try {
      (void)sim::calibrate_from_nccl_tests(log, "x.log", h);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("imported");
  };
  EXPECT_EQ(error(bare, how),
            "dpcast calibrate: x.log: the log has no rank lines (\"#  Rank  0 ... on HOST device 0\"), so it does not "
            "say how many ranks ran; give --ranks, or --nodes and --gpus-per-node");
  auto with_ranks = how;
  with_ranks.ranks = 16;  // two DGX A100 by the preset's 8 GPUs per node
  EXPECT_EQ(error(bare, with_ranks), "imported");
  with_ranks.nodes = 3;
  EXPECT_EQ(error(bare, with_ranks),
            "dpcast calibrate: x.log: 16 ranks do not fill 3 nodes of 5 GPUs (--nodes, --gpus-per-node)");
  auto no_nccl = with_ranks;
  no_nccl.nodes = 0;
  no_nccl.node = "cpu-host";
  no_nccl.ranks = 2;
  EXPECT_EQ(error(bare, no_nccl),
            "dpcast calibrate: x.log: nccl-tests runs NCCL, and cpu-core on cpu-host has no NCCL (no "
            "compute_capability in the catalogue)");
  auto bad_op = with_ranks;
  bad_op.nodes = 0;
  bad_op.op = "allreduce";
  EXPECT_EQ(error(bare, bad_op),
            "dpcast calibrate: --op: expected all-reduce, all-gather, reduce-scatter, broadcast or reduce, got "
            "'allreduce'");
  auto no_node = with_ranks;
  no_node.node.clear();
  EXPECT_NE(error(bare, no_node).find("--nccl-tests needs --node"), std::string::npos);
}

// What a new user met on this 2-core machine: Open MPI's 2-rank all-reduce runs at 5 GB/s up to
// 16 MiB, then collapses to 0.2 GB/s. One straight line misses it by far (the old calibration's
// only figure); the profile now keeps each size's measured / alpha-beta ratio on the link, and
// the analytical engine predicts the measured times of a 64 MiB and a 100 MB all-reduce (within
// the curve's log-size interpolation); the DES plays the same (test_des).
TEST(Calibrate, MpiAllReduceKeepsItsPerSizeCurve) {
  const auto& builtin = models::Catalogue::builtin();
  auto measured = [](double n) {
    return n <= 16 * 1024 * 1024 ? 2 * 4e-6 + n / 5e9
                                 : 2 * 4e-6 + 16.0 * 1024 * 1024 / 5e9 + (n - 16.0 * 1024 * 1024) / 0.2e9;
  };
  models::Json raw = {{"kind", "microbench"}, {"backend", "cpu"}, {"ranks", 2}, {"allreduce", models::Json::array()}};
  for (double n = 1024; n <= 256.0 * 1024 * 1024; n *= 4)
    raw["allreduce"].push_back({{"bytes", n}, {"seconds", measured(n)}});
  const auto c = sim::calibrate_from_microbench(raw, "raw.json", builtin, "cpu-core", "shared-memory");
  const auto& link = c.profile.links.at("shared-memory");
  ASSERT_EQ(link.alpha_beta_time_ratio.points.size(), 10u);
  const auto again = models::parse_profile(models::profile_yaml(c.profile), "p.yaml");
  const auto& read_back = again.links.at("shared-memory").alpha_beta_time_ratio.points;
  ASSERT_EQ(read_back.size(), link.alpha_beta_time_ratio.points.size());
  for (std::size_t i = 0; i < read_back.size(); ++i)
    EXPECT_NEAR(read_back[i].second / link.alpha_beta_time_ratio.points[i].second, 1.0, 1e-5);  // "%.6g"
  EXPECT_GT(link.alpha_beta_time_ratio.at(256.0 * 1024 * 1024), 10);  // the collapse, which the line misses
  const auto calibrated = models::apply_profile(builtin, c.profile);
  const auto s =
      models::parse_scenarios("model: mlp\ncluster: {node: cpu-host, nodes: 1}\n", "t.yaml", calibrated).front();
  const auto path = sim::NetworkPath::from(s);
  const double mib64 = 64.0 * 1024 * 1024;
  const auto choice = sim::choose_collective(models::Collective::Auto, models::CollectiveOp::AllReduce, mib64, path);
  EXPECT_NEAR(choice.time_s / measured(mib64), 1.0, 1e-9);  // a measured size: exact
  const auto hundred = sim::choose_collective(models::Collective::Auto, models::CollectiveOp::AllReduce, 100e6, path);
  EXPECT_NEAR(hundred.time_s / measured(100e6), 1.0, 0.15);  // between 64 and 256 MiB: interpolated
  EXPECT_GT(hundred.time_s, 0.3);                            // not the line's ~40 ms
}
