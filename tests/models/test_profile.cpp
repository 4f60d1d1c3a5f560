// Calibrated profiles: read with errors at the file, line and key; applied over the catalogue.
#include <gtest/gtest.h>

#include <cmath>

#include "dpcast/models/error.hpp"
#include "dpcast/models/profile.hpp"
#include "temp_dir.hpp"

namespace dpcast::models {
namespace {

const std::string kProfile = R"(name: test
source: "hand-written for the test"
gpus:
  cpu-core:
    peak_flops: {fp32: 1.1e+11}
    memory_bandwidth_bytes_per_s: 1.2e+10
    compute_efficiency: 0.5
    launch_overhead_s: 1.0e-6
    matrix_efficiency:
      fp32: [[1.0e+6, 0.2], [1.0e+8, 0.6]]
    memory_efficiency_curve: [[4096, 2.0], [1.0e+8, 0.8]]
links:
  shared-memory: {bandwidth_bytes_per_s: 5.0e+9, latency_s: 2.0e-6}
des: {network_model: LV08, tcp_gamma_bytes: 4194304, crosstraffic: true}
)";

std::string error_of(const std::string& text) {
  try {
    (void)parse_profile(text, "p.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(EfficiencyCurve, InterpolatesInLogSizeAndIsFlatBeyondTheEnds) {
  const EfficiencyCurve c{{{1e6, 0.2}, {1e8, 0.6}}};
  EXPECT_DOUBLE_EQ(c.at(1e3), 0.2);
  EXPECT_DOUBLE_EQ(c.at(1e6), 0.2);
  EXPECT_NEAR(c.at(1e7), 0.4, 1e-12);  // halfway in log10: 6 -> 8
  EXPECT_DOUBLE_EQ(c.at(1e8), 0.6);
  EXPECT_DOUBLE_EQ(c.at(1e12), 0.6);
}

TEST(Profile, ReadsEveryKey) {
  const Profile p = parse_profile(kProfile, "p.yaml");
  EXPECT_EQ(p.name, "test");
  EXPECT_EQ(p.source, "hand-written for the test");
  const GpuProfile& g = p.gpus.at("cpu-core");
  EXPECT_EQ(*g.compute_efficiency, 0.5);
  EXPECT_FALSE(g.memory_efficiency.has_value());
  EXPECT_EQ(*g.launch_overhead_s, 1e-6);
  EXPECT_EQ(g.matrix_efficiency.at(Precision::Fp32).points.size(), 2u);
  EXPECT_EQ(g.memory_efficiency_curve.points.front(), (std::pair<double, double>{4096, 2.0}));
  EXPECT_EQ(p.links.at("shared-memory").bandwidth_bytes_per_s, 5e9);
  EXPECT_EQ(p.links.at("shared-memory").latency_s, 2e-6);
  EXPECT_EQ(p.network.model, "LV08");
  EXPECT_EQ(p.network.tcp_gamma_bytes, 4194304);
  EXPECT_TRUE(p.network.crosstraffic);
}

TEST(Profile, DefaultsToTheNetworkModelChosenOnPurpose) {
  const Profile p = parse_profile("name: empty\n", "p.yaml");
  EXPECT_EQ(p.network.model, "CM02");
  EXPECT_EQ(p.network.tcp_gamma_bytes, 0);
  EXPECT_FALSE(p.network.crosstraffic);
}

TEST(Profile, ReplacesOnlyWhatItNames) {
  const Catalogue& builtin = Catalogue::builtin();
  const Catalogue c = apply_profile(builtin, parse_profile(kProfile, "p.yaml"));
  const Gpu& cpu = c.gpu("cpu-core");
  EXPECT_EQ(cpu.compute_efficiency, 0.5);
  EXPECT_EQ(cpu.peak_flops.at(Precision::Fp32), 1.1e11);
  EXPECT_EQ(cpu.peak_flops.at(Precision::Bf16), builtin.gpu("cpu-core").peak_flops.at(Precision::Bf16));
  EXPECT_EQ(cpu.memory_bandwidth_bytes_per_s, 1.2e10);
  EXPECT_EQ(cpu.vector_flops, builtin.gpu("cpu-core").vector_flops);
  EXPECT_EQ(cpu.memory_efficiency, builtin.gpu("cpu-core").memory_efficiency);
  EXPECT_EQ(cpu.launch_overhead_s, 1e-6);
  EXPECT_EQ(cpu.matrix_efficiency_curve.at(Precision::Fp32).points.size(), 2u);
  EXPECT_EQ(c.link("shared-memory").bandwidth_bytes_per_s, 5e9);
  EXPECT_EQ(c.link("ib-ndr").bandwidth_bytes_per_s, builtin.link("ib-ndr").bandwidth_bytes_per_s);
  EXPECT_EQ(c.gpu("h100-sxm").compute_efficiency, builtin.gpu("h100-sxm").compute_efficiency);
  EXPECT_EQ(c.nodes().size(), builtin.nodes().size());
}

TEST(Profile, WrittenTextReadsBackTheSame) {
  const Profile p = parse_profile(kProfile, "p.yaml");
  const Profile q = parse_profile(profile_yaml(p), "q.yaml");
  EXPECT_EQ(q.name, p.name);
  EXPECT_EQ(q.source, p.source);
  EXPECT_EQ(q.gpus.at("cpu-core").matrix_efficiency.at(Precision::Fp32).points,
            p.gpus.at("cpu-core").matrix_efficiency.at(Precision::Fp32).points);
  EXPECT_EQ(q.gpus.at("cpu-core").memory_efficiency_curve.points, p.gpus.at("cpu-core").memory_efficiency_curve.points);
  EXPECT_EQ(q.links.at("shared-memory").latency_s, 2e-6);
  EXPECT_EQ(q.gpus.at("cpu-core").peak_flops, p.gpus.at("cpu-core").peak_flops);
  EXPECT_EQ(q.gpus.at("cpu-core").memory_bandwidth_bytes_per_s, 1.2e10);
  EXPECT_EQ(q.network.model, "LV08");
  EXPECT_TRUE(q.network.crosstraffic);
}

TEST(Profile, EveryGpuFieldIsWrittenAsItIsRead) {
  // Every GPU field set, in the form profile_yaml writes: it reads back and writes the same text.
  const std::string every_field = R"(name: every-field
gpus:
  cpu-core:
    peak_flops: {fp32: 1.1e+11, bf16: 2.2e+11}
    vector_flops: 1.1e+11
    memory_bandwidth_bytes_per_s: 1.2e+10
    compute_efficiency: 0.62
    memory_efficiency: 0.9
    launch_overhead_s: 1e-06
    matrix_efficiency:   # [FLOP of one matrix product, fraction of peak]
      fp32: [[1e+06, 0.2], [1e+09, 0.8]]
    memory_efficiency_curve: [[4096, 1.4], [6.7e+07, 0.8]]   # [bytes one kernel streams, fraction of memory bandwidth]
    colocated_slowdown: {matrix: 1.2, streaming: 1.4}   # every worker of a node computing at once
    layers:   # measured on one worker: [forward_s, backward_s] of one pass
      "linear [4] -> [8] p40 b2 fp32": [0.0021, 0.0044]
des: {network_model: CM02, tcp_gamma_bytes: 0, crosstraffic: false}
)";
  const Profile p = parse_profile(every_field, "p.yaml");
  EXPECT_EQ(profile_yaml(p), every_field);
  const Catalogue calibrated = apply_profile(Catalogue::builtin(), p);
  const Gpu& g = calibrated.gpu("cpu-core");
  EXPECT_EQ(g.peak_flops.at(Precision::Bf16), 2.2e11);
  EXPECT_EQ(g.vector_flops, 1.1e11);
  EXPECT_EQ(g.memory_efficiency, 0.9);
  EXPECT_EQ(g.launch_overhead_s, 1e-6);
  EXPECT_EQ(g.matrix_efficiency_curve.at(Precision::Fp32).points.size(), 2u);
  EXPECT_EQ(g.memory_efficiency_curve.points.size(), 2u);
  EXPECT_EQ(g.colocated_matrix_slowdown, 1.2);
  EXPECT_EQ(g.colocated_streaming_slowdown, 1.4);
  EXPECT_EQ(g.measured_layers.at("linear [4] -> [8] p40 b2 fp32"), (std::pair<double, double>{0.0021, 0.0044}));
}

TEST(Profile, BadInputNamesFileLineAndKey) {
  EXPECT_EQ(error_of("source: x\n"), "p.yaml:1:1: name: required key is missing");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-cor: {compute_efficiency: 0.5}\n"),
            "p.yaml:3:3: gpus.cpu-cor: unknown GPU 'cpu-cor' (did you mean 'cpu-core'?)");
  EXPECT_EQ(error_of("name: x\nlinks:\n  ib-nrd: {bandwidth_bytes_per_s: 1, latency_s: 0}\n"),
            "p.yaml:3:3: links.ib-nrd: unknown link 'ib-nrd' (did you mean 'ib-ndr'?)");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {compute_efficiency: 1.5}\n"),
            "p.yaml:3:34: gpus.cpu-core.compute_efficiency: expected a fraction in (0, 1], got 1.5");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {matrix_efficiency: {fp32: [[1.0e+6, 0.2], [1.0e+5, 0.3]]}}\n"),
            "p.yaml:3:57: gpus.cpu-core.matrix_efficiency.fp32[1][0]: sizes must increase");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {matrix_efficiency: {fp32: [[1.0e+6, 1.2]]}}\n"),
            "p.yaml:3:50: gpus.cpu-core.matrix_efficiency.fp32[0][1]: expected an efficiency in (0, 1], got 1.2");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {matrix_efficiency: {fp32: [1.0e+6]}}\n"),
            "p.yaml:3:41: gpus.cpu-core.matrix_efficiency.fp32[0]: expected a list, got 1.0e+6");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {matrix_efficiency: {fp33: [[1, 0.5]]}}\n"),
            "p.yaml:3:34: gpus.cpu-core.matrix_efficiency.fp33: unknown key (did you mean 'fp32'?)");
  EXPECT_EQ(error_of("name: x\ngpus:\n  cpu-core: {compute_efficiancy: 0.5}\n"),
            "p.yaml:3:14: gpus.cpu-core.compute_efficiancy: unknown key (did you mean 'compute_efficiency'?)");
  EXPECT_EQ(error_of("name: x\nlinks:\n  ib-ndr: {bandwidth_bytes_per_s: 0, latency_s: 0}\n"),
            "p.yaml:3:35: links.ib-ndr.bandwidth_bytes_per_s: expected a positive number, got 0");
  EXPECT_EQ(error_of("name: x\ndes: {network_model: LV09}\n"),
            "p.yaml:2:22: des.network_model: expected one of CM02, LV08, SMPI, got LV09 (did you mean 'LV08'?)");
}

TEST(Profile, MissingFileIsAnError) {
  EXPECT_THROW((void)load_profile("/nonexistent/profile.yaml"), Error);
  test_support::TempDir dir("dpcast-profile");
  const std::string path = dir.write("p.yaml", kProfile);
  EXPECT_EQ(load_profile(path).name, "test");
}

}  // namespace
}  // namespace dpcast::models
