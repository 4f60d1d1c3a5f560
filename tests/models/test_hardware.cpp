// The hardware catalogue: the built-in entries from scenarios/hardware/, and catalogues
// with one bad file each, whose errors must name the file, line, column and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/hardware.hpp"
#include "temp_dir.hpp"

namespace dpcast::models {
namespace {
namespace fs = std::filesystem;

TEST(Hardware, BuiltinHasEveryGpu) {
  const Catalogue& c = Catalogue::builtin();
  for (const char* name : {"h100-sxm", "h100-hbm2e-96gb", "h200", "a100-40gb", "a100-80gb", "v100", "v100-16gb", "l40s",
                           "l4", "mi300x", "p100", "cpu-core"}) {
    const Gpu* g = c.find_gpu(name);
    ASSERT_NE(g, nullptr) << name;
    EXPECT_EQ(g->name, name);
    EXPECT_GT(g->vector_flops, 0) << name;
    EXPECT_GT(g->memory_bytes, 0) << name;
    EXPECT_GT(g->memory_bandwidth_bytes_per_s, 0) << name;
    EXPECT_FALSE(g->peak_flops.empty()) << name;
    EXPECT_NE(g->source.file.find(name), std::string::npos) << name;
    // Only a CPU worker moves its gradients on its own compute units.
    EXPECT_EQ(g->communication_uses_compute, std::string(name) == "cpu-core") << name;
  }
  EXPECT_EQ(c.gpus().size(), 12u);
}

TEST(Hardware, BuiltinHasEveryLink) {
  const Catalogue& c = Catalogue::builtin();
  for (const char* name : {"nvlink2",  "nvlink3",  "nvlink4",  "nvlink5",   "pcie3-x16",     "pcie4-x16", "pcie5-x16",
                           "ib-edr",   "ib-hdr",   "ib-ndr",   "eth-10g",   "eth-25g",       "eth-40g",   "eth-100g",
                           "eth-200g", "eth-400g", "efa-100g", "efa2-100g", "shared-memory", "upi2"}) {
    const Link* l = c.find_link(name);
    ASSERT_NE(l, nullptr) << name;
    EXPECT_GT(l->bandwidth_bytes_per_s, 0) << name;
    EXPECT_GE(l->latency_s, 0) << name;
  }
  EXPECT_EQ(c.links().size(), 20u);
  // First-generation EFA is measured below line rate for NCCL (NVIDIA/nccl#527); EFAv2 is not.
  EXPECT_EQ(c.link("efa-100g").nccl_achieved_bandwidth_bytes_per_s, 7.67e9);
  EXPECT_EQ(c.link("efa2-100g").nccl_achieved_bandwidth_bytes_per_s, 0.0);
  // InfiniBand NDR: 400 Gb/s per direction = 50 GB/s.
  EXPECT_EQ(c.link("ib-ndr").bandwidth_bytes_per_s, 50e9);
}

TEST(Hardware, BuiltinNodesResolve) {
  const Catalogue& c = Catalogue::builtin();
  for (const char* name :
       {"dgx-a100", "dgx-h100", "hgx-h200", "l40s-pcie-8", "ndv4-a100", "cpu-host", "dgx-1-v100", "l4-pcie-1",
        "p4d-24xlarge", "p4de-24xlarge", "p5-48xlarge", "a3-megagpu-8g", "oci-bm-gpu4-8"}) {
    const NodePreset* n = c.find_node(name);
    ASSERT_NE(n, nullptr) << name;
    EXPECT_NE(c.find_gpu(n->gpu), nullptr) << name << ": gpu " << n->gpu;
    EXPECT_NE(c.find_link(n->intra_link), nullptr) << name << ": intra_link " << n->intra_link;
    EXPECT_NE(c.find_link(n->nic_link), nullptr) << name << ": nic_link " << n->nic_link;
    EXPECT_GE(n->gpus_per_node, 1) << name;
    EXPECT_GE(n->nics, 1) << name;
  }
  EXPECT_EQ(c.nodes().size(), 13u);
  const NodePreset& dgx = c.node("dgx-h100");
  EXPECT_EQ(dgx.gpu, "h100-sxm");
  EXPECT_EQ(dgx.gpus_per_node, 8);
  EXPECT_EQ(dgx.fabric, IntraFabric::NvSwitch);
  EXPECT_EQ(dgx.intra_link, "nvlink4");
  EXPECT_EQ(dgx.nic_link, "ib-ndr");
}

TEST(Hardware, V100HasNoBf16) {
  const Gpu& v100 = Catalogue::builtin().gpu("v100");
  EXPECT_EQ(v100.peak_flops.count(Precision::Bf16), 0u);
  EXPECT_EQ(v100.peak_flops.at(Precision::Fp16), 125e12);                             // V100 SXM2 datasheet
  EXPECT_EQ(v100.matrix_peak(Precision::Bf16), v100.peak_flops.at(Precision::Fp32));  // falls back to fp32
}

TEST(Hardware, LookupSuggestsNames) {
  try {
    (void)Catalogue::builtin().gpu("h100-sxn");
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_STREQ(e.what(), "unknown GPU 'h100-sxn' (did you mean 'h100-sxm'?)");
  }
  EXPECT_THROW((void)Catalogue::builtin().link("ib-xdr2"), dpcast::Error);
  EXPECT_THROW((void)Catalogue::builtin().node("dgx-z100"), dpcast::Error);
}

TEST(Hardware, PrecisionNamesAndBytes) {
  EXPECT_EQ(enum_from_name<Precision>("bf16"), Precision::Bf16);
  EXPECT_FALSE(enum_from_name<Precision>("fp8").has_value());
  EXPECT_EQ(bytes_per_element(Precision::Fp16), 2.0);
  EXPECT_EQ(bytes_per_element(Precision::Tf32), 4.0);
}

// ---- Catalogues with a bad file ----

// A fresh directory under the system temp directory with gpus/, links/ and nodes/, holding one
// valid GPU (g1), two links (l1, l2) and one node (n1); removed at the end of the test.
class TempCatalogue : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* sub : {"gpus", "links", "nodes"}) fs::create_directories(dir_ / sub);
    write("gpus/g1.yaml", kGpu);
    write("links/l1.yaml", "name: l1\nbandwidth_bytes_per_s: 1.0e+9\nlatency_s: 1.0e-6\n");
    write("links/l2.yaml", "name: l2\nbandwidth_bytes_per_s: 2.0e+9\nlatency_s: 0\n");
    write("nodes/n1.yaml", kNode);
  }
  std::string write(const std::string& relative, const std::string& text) { return temp_.write(relative, text); }
  std::string load_error() {
    try {
      (void)Catalogue::load(dir_.string());
    } catch (const dpcast::Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no dpcast::Error thrown";
    return "";
  }

  static constexpr const char* kGpu =
      "name: g1\n"
      "peak_flops:\n"
      "  fp32: 1.0e+12\n"
      "  bf16: 4.0e+12\n"
      "vector_flops: 1.0e+12\n"
      "memory_bytes: 8.0e+9\n"
      "memory_bandwidth_bytes_per_s: 1.0e+11\n";
  // A second GPU with only the required keys (five lines): a test appends the key it checks,
  // which then sits on line 6.
  static constexpr const char* kMinimalGpu =
      "name: g2\n"
      "peak_flops: {fp32: 1.0e+12}\n"
      "vector_flops: 1.0e+12\n"
      "memory_bytes: 8.0e+9\n"
      "memory_bandwidth_bytes_per_s: 1.0e+11\n";
  static constexpr const char* kNode =
      "name: n1\n"
      "gpu: g1\n"
      "gpus_per_node: 4\n"
      "fabric: pcie\n"
      "intra_link: l1\n"
      "nics: 1\n"
      "nic_link: l2\n";
  test_support::TempDir temp_{"dpcast-hw"};
  const fs::path& dir_ = temp_.path();
};

TEST_F(TempCatalogue, ValidCatalogueLoads) {
  const Catalogue c = Catalogue::load(dir_.string());
  const Gpu& g = c.gpu("g1");
  EXPECT_EQ(g.peak_flops.at(Precision::Bf16), 4e12);
  EXPECT_EQ(g.matrix_peak(Precision::Fp16), 1e12);  // no fp16: fp32's peak
  EXPECT_EQ(g.compute_efficiency, 0.6);             // defaults
  EXPECT_EQ(g.memory_efficiency, 0.8);
  EXPECT_EQ(g.sustained_clock_ratio, 1.0);
  EXPECT_FALSE(g.price_per_hour.has_value());
  EXPECT_EQ(c.link("l2").latency_s, 0.0);
  EXPECT_EQ(c.node("n1").fabric, IntraFabric::Pcie);
  EXPECT_EQ(c.node("n1").gpus_per_node, 4);
}

TEST_F(TempCatalogue, ZeroBandwidthNamesFileLineAndKey) {
  const std::string file = write("gpus/g2.yaml",
                                 "name: g2\n"
                                 "peak_flops: {fp32: 1.0e+12}\n"
                                 "vector_flops: 1.0e+12\n"
                                 "memory_bytes: 8.0e+9\n"
                                 "memory_bandwidth_bytes_per_s: 0\n");
  EXPECT_EQ(load_error(), file + ":5:31: memory_bandwidth_bytes_per_s: expected a positive number, got 0");
}

TEST_F(TempCatalogue, UnknownKeyInLinkFile) {
  const std::string file = write("links/l3.yaml",
                                 "name: l3\n"
                                 "bandwidth_bytes_per_s: 1.0e+9\n"
                                 "latency_s: 1.0e-6\n"
                                 "latency_us: 1\n");
  EXPECT_EQ(load_error(), file + ":4:1: latency_us: unknown key (did you mean 'latency_s'?)");
}

// A measured NCCL bandwidth caps the link: it is read, and one above the link itself is an error.
TEST_F(TempCatalogue, NcclAchievedBandwidthIsACapBelowTheLink) {
  write("links/l3.yaml",
        "name: l3\nbandwidth_bytes_per_s: 1.0e+9\nlatency_s: 0\nnccl_achieved_bandwidth_bytes_per_s: 6.0e+8\n");
  EXPECT_EQ(Catalogue::load(dir_.string()).link("l3").nccl_achieved_bandwidth_bytes_per_s, 6e8);
  EXPECT_EQ(Catalogue::load(dir_.string()).link("l1").nccl_achieved_bandwidth_bytes_per_s, 0.0);
  const std::string file =
      write("links/l3.yaml",
            "name: l3\nbandwidth_bytes_per_s: 1.0e+9\nlatency_s: 0\nnccl_achieved_bandwidth_bytes_per_s: 2.0e+9\n");
  EXPECT_EQ(load_error(), file +
                              ":4:38: nccl_achieved_bandwidth_bytes_per_s: above the link's bandwidth as NCCL sees it "
                              "(nccl_bandwidth_bytes_per_s, else bandwidth_bytes_per_s); a measured cap is below it");
}

TEST_F(TempCatalogue, NameMustMatchFileStem) {
  const std::string file = write("links/l3.yaml", "name: l4\nbandwidth_bytes_per_s: 1.0e+9\nlatency_s: 0\n");
  EXPECT_EQ(load_error(), file + ":1:7: name: must match the file name 'l3'");
}

TEST_F(TempCatalogue, NodeWithUnknownGpu) {
  // "gpu: g2" is on line 2; g1 is one edit away.
  const std::string file = write("nodes/n2.yaml",
                                 "name: n2\n"
                                 "gpu: g2\n"
                                 "gpus_per_node: 1\n"
                                 "fabric: pcie\n"
                                 "intra_link: l1\n"
                                 "nics: 1\n"
                                 "nic_link: l2\n");
  const std::string msg = load_error();
  EXPECT_NE(msg.find("gpu: unknown gpu 'g2' (did you mean 'g1'?)"), std::string::npos) << msg;
  EXPECT_EQ(msg, file + ":2:6: gpu: unknown gpu 'g2' (did you mean 'g1'?)");
}

TEST_F(TempCatalogue, NodeWithUnknownLink) {
  write("nodes/n2.yaml", "name: n2\ngpu: g1\ngpus_per_node: 1\nfabric: pcie\nintra_link: l1\nnics: 1\nnic_link: l9\n");
  const std::string msg = load_error();
  EXPECT_NE(msg.find("nic_link: unknown nic_link 'l9'"), std::string::npos) << msg;
}

TEST_F(TempCatalogue, EfficiencyAboveOneRejected) {
  const std::string file = write("gpus/g2.yaml", std::string(kMinimalGpu) + "compute_efficiency: 1.5\n");
  EXPECT_EQ(load_error(), file + ":6:21: compute_efficiency: expected a fraction in (0, 1], got 1.5");
}

// The clock a part holds under load is a fraction of its benchmarks': above 1 or 0 is a typo.
TEST_F(TempCatalogue, SustainedClockRatioIsAFraction) {
  const std::string header = kMinimalGpu;
  write("gpus/g2.yaml", header + "sustained_clock_ratio: 0.82\n");
  EXPECT_EQ(Catalogue::load(dir_.string()).gpu("g2").sustained_clock_ratio, 0.82);
  const std::string file = write("gpus/g2.yaml", header + "sustained_clock_ratio: 1.2\n");
  EXPECT_EQ(load_error(), file + ":6:24: sustained_clock_ratio: expected a fraction in (0, 1], got 1.2");
  write("gpus/g2.yaml", header + "sustained_clock_ratio: 0\n");
  EXPECT_NE(load_error().find(file + ":6:24: sustained_clock_ratio: "), std::string::npos);
}

TEST_F(TempCatalogue, MultiprocessorsAreACount) {
  const std::string header = kMinimalGpu;
  write("gpus/g2.yaml", header + "multiprocessors: 132\n");
  EXPECT_EQ(Catalogue::load(dir_.string()).gpu("g2").multiprocessors, 132);
  write("gpus/g2.yaml", header);
  EXPECT_EQ(Catalogue::load(dir_.string()).gpu("g2").multiprocessors, 0);  // not given: no SMs held by NCCL
  const std::string file = write("gpus/g2.yaml", header + "multiprocessors: 0\n");
  const std::string msg = load_error();
  EXPECT_EQ(msg, file + ":6:18: multiprocessors: expected a positive integer, got 0");
}

TEST_F(TempCatalogue, FlashAttentionFigures) {
  const std::string header =
      "name: g2\n"
      "peak_flops: {fp16: 1.0e+12}\n"
      "vector_flops: 1.0e+12\n"
      "memory_bytes: 8.0e+9\n"
      "memory_bandwidth_bytes_per_s: 1.0e+11\n";
  std::string file = write("gpus/g2.yaml", header +
                                               "flash_attention:\n  head_dim_128_causal: [[512, 1e12], [1024, 2e12]]\n"
                                               "flash_attention_v1:\n  head_dim_64: [[512, 3e12]]\n"
                                               "flash_attention_triton:\n  head_dim_64: [[512, 4e12]]\n");
  const auto catalogue = Catalogue::load(dir_.string());
  const auto& table = catalogue.gpu("g2").flash_attention;
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].kernel, AttentionKernel::Flash);
  EXPECT_EQ(table[0].head_dim, 128);
  EXPECT_TRUE(table[0].causal);
  EXPECT_DOUBLE_EQ(table[0].flops_by_seq_len.at(1024), 2e12);
  EXPECT_EQ(table[1].kernel, AttentionKernel::Flash1);
  EXPECT_DOUBLE_EQ(table[1].flops_by_seq_len.at(512), 3e12);
  EXPECT_EQ(table[2].kernel, AttentionKernel::FlashTriton);
  EXPECT_FALSE(table[2].causal);

  file = write("gpus/g2.yaml", header + "flash_attention:\n  head_dim_100: [[512, 1e12]]\n");
  EXPECT_EQ(load_error(), file + ":7:3: flash_attention.head_dim_100: unknown key (did you mean 'head_dim_128'?)");
  file = write("gpus/g2.yaml", header + "flash_attention: {}\n");
  EXPECT_EQ(load_error(),
            file + ":6:18: flash_attention: needs at least one head_dim_<d> or head_dim_<d>_causal curve");
  file = write("gpus/g2.yaml", header + "flash_attention:\n  head_dim_64: [[1024, 2e12], [512, 1e12]]\n");
  EXPECT_EQ(load_error(), file + ":7:32: flash_attention.head_dim_64[1][0]: sizes must increase");
}

TEST_F(TempCatalogue, PcieSwitchesNeedAPcieFabricAndAnEvenSpread) {
  const std::string nvswitch = write("nodes/n2.yaml",
                                     "name: n2\n"
                                     "gpu: g1\n"
                                     "gpus_per_node: 4\n"
                                     "fabric: nvswitch\n"
                                     "intra_link: l1\n"
                                     "nics: 1\n"
                                     "nic_link: l2\n"
                                     "pcie_switches: 2\n");
  EXPECT_EQ(load_error(), nvswitch + ":8:16: pcie_switches: pcie_switches applies to fabric: pcie only");
  const std::string uneven = write("nodes/n2.yaml",
                                   "name: n2\n"
                                   "gpu: g1\n"
                                   "gpus_per_node: 4\n"
                                   "fabric: pcie\n"
                                   "intra_link: l1\n"
                                   "nics: 1\n"
                                   "nic_link: l2\n"
                                   "pcie_switches: 3\n"
                                   "host_link: l1\n");
  EXPECT_EQ(load_error(), uneven + ":8:16: pcie_switches: 4 GPUs do not spread evenly over 3 switches");
}

TEST_F(TempCatalogue, SocketsNeedPcieSwitchesToSpreadAndALink) {
  const std::string node =
      "name: n2\ngpu: g1\ngpus_per_node: 4\nfabric: pcie\nintra_link: l1\nnics: 1\nnic_link: l2\n"
      "pcie_switches: 2\n";
  const std::string no_link = write("nodes/n2.yaml", node + "sockets: 2\n");
  EXPECT_EQ(load_error(), no_link + ":9:10: sockets: sockets: 2 needs socket_link (the link between sockets)");
  const std::string too_many = write("nodes/n2.yaml", node + "sockets: 3\nsocket_link: l1\n");
  EXPECT_EQ(load_error(), too_many + ":9:10: sockets: expected an integer from 1 to 2, got 3");
  const std::string unknown = write("nodes/n2.yaml", node + "sockets: 2\nsocket_link: l9\n");
  EXPECT_EQ(load_error(), unknown + ":10:14: socket_link: unknown socket_link 'l9' (did you mean 'l1'?)");
  const std::string alone = write("nodes/n2.yaml", node + "socket_link: l1\n");
  EXPECT_EQ(load_error(), alone + ":9:14: socket_link: socket_link needs sockets > 1");
}

TEST_F(TempCatalogue, GpuWithoutAnyPrecision) {
  const std::string file = write("gpus/g2.yaml",
                                 "name: g2\n"
                                 "peak_flops: {}\n"
                                 "vector_flops: 1.0e+12\n"
                                 "memory_bytes: 8.0e+9\n"
                                 "memory_bandwidth_bytes_per_s: 1.0e+11\n");
  EXPECT_EQ(load_error(), file + ":2:13: peak_flops: needs at least one precision (fp32, tf32, bf16, fp16)");
}

TEST_F(TempCatalogue, UnknownPrecisionKey) {
  const std::string file = write("gpus/g2.yaml",
                                 "name: g2\n"
                                 "peak_flops:\n"
                                 "  fp32: 1.0e+12\n"
                                 "  bf61: 2.0e+12\n"
                                 "vector_flops: 1.0e+12\n"
                                 "memory_bytes: 8.0e+9\n"
                                 "memory_bandwidth_bytes_per_s: 1.0e+11\n");
  EXPECT_EQ(load_error(), file + ":4:3: peak_flops.bf61: unknown key (did you mean 'bf16'?)");
}

TEST_F(TempCatalogue, MissingDirectory) {
  EXPECT_THROW((void)Catalogue::load((dir_ / "absent").string()), dpcast::Error);
}

TEST_F(TempCatalogue, NcclNetDevicesMustGroupTheNicsEvenly) {
  const std::string base = "name: n2\ngpu: g1\ngpus_per_node: 4\nfabric: pcie\nintra_link: l1\nnic_link: l2\n";
  write("nodes/n2.yaml", base + "nics: 8\nnccl_net_devices: 4\n");
  EXPECT_EQ(Catalogue::load(dir_.string()).node("n2").nccl_net_devices, 4);
  const std::string uneven = write("nodes/n2.yaml", base + "nics: 8\nnccl_net_devices: 3\n");
  EXPECT_EQ(load_error(), uneven + ":8:19: nccl_net_devices: 8 NICs do not group evenly into 3 devices");
  const std::string more = write("nodes/n2.yaml", base + "nics: 2\nnccl_net_devices: 4\n");
  EXPECT_EQ(load_error(), more + ":8:19: nccl_net_devices: expected an integer from 1 to 2, got 4");
}

TEST_F(TempCatalogue, NcclAchievedIsReadWhereTheFileIsAndNeutralWithout) {
  const NcclAchieved neutral = Catalogue::load(dir_.string()).nccl_achieved();
  EXPECT_EQ(neutral.latency_factor, 1.0);
  EXPECT_EQ(neutral.pipeline_factor, 0.0);
  EXPECT_FALSE(neutral.reference_network_latency_s.has_value());
  write("nccl.yaml", "latency_factor: 1.5\npipeline_factor: 0.25\nreference_network_latency_s: 3.0e-6\n");
  const NcclAchieved read = Catalogue::load(dir_.string()).nccl_achieved();
  EXPECT_EQ(read.latency_factor, 1.5);
  EXPECT_EQ(read.pipeline_factor, 0.25);
  EXPECT_EQ(read.reference_network_latency_s, 3.0e-6);
  const std::string zero = write("nccl.yaml", "latency_factor: 0\npipeline_factor: 0\n");
  EXPECT_EQ(load_error(), zero + ":1:17: latency_factor: expected a positive number, got 0");
  const std::string unknown = write("nccl.yaml", "latency_factor: 1\npipeline_factor: 0\nlatency: 2\n");
  EXPECT_EQ(load_error().rfind(unknown + ":3:1: latency: unknown key", 0), 0u) << load_error();
}

TEST_F(TempCatalogue, GlooFiguresAreReadWhereTheFileIsAndNeutralWithout) {
  const GlooFigures neutral = Catalogue::load(dir_.string()).gloo();
  EXPECT_EQ(neutral.bandwidth_efficiency, 1.0);
  EXPECT_EQ(neutral.step_latency_s, 0.0);
  write("gloo.yaml", "bandwidth_efficiency: 0.58\nstep_latency_s: 24.0e-6\n");
  const GlooFigures read = Catalogue::load(dir_.string()).gloo();
  EXPECT_EQ(read.bandwidth_efficiency, 0.58);
  EXPECT_EQ(read.step_latency_s, 24.0e-6);
  const std::string above = write("gloo.yaml", "bandwidth_efficiency: 1.5\nstep_latency_s: 0\n");
  EXPECT_EQ(load_error(), above +
                              ":1:23: bandwidth_efficiency: must be at most 1 (a fraction of the link's bandwidth), "
                              "got 1.5");
  const std::string zero = write("gloo.yaml", "bandwidth_efficiency: 0\nstep_latency_s: 0\n");
  EXPECT_EQ(load_error(), zero + ":1:23: bandwidth_efficiency: expected a positive number, got 0");
  const std::string negative = write("gloo.yaml", "bandwidth_efficiency: 1\nstep_latency_s: -1e-6\n");
  EXPECT_EQ(load_error().rfind(negative + ":2:17: step_latency_s:", 0), 0u) << load_error();
  const std::string missing = write("gloo.yaml", "bandwidth_efficiency: 1\n");
  EXPECT_NE(load_error().find("step_latency_s"), std::string::npos) << load_error();
  const std::string unknown = write("gloo.yaml", "bandwidth_efficiency: 1\nstep_latency_s: 0\nlatency: 2\n");
  EXPECT_EQ(load_error().rfind(unknown + ":3:1: latency: unknown key", 0), 0u) << load_error();
}

}  // namespace
}  // namespace dpcast::models
