// Micro-benchmarks for calibration: the matrix products training makes, and the raw JSON.
#include <gtest/gtest.h>

#include <set>

#include "dpcast/models/zoo.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/microbench.hpp"
#include "dpcast/real/self_communicator.hpp"

namespace dpcast::real {
namespace {

TEST(Microbench, TrainingGemmsOfALinearLayerAndAttention) {
  const auto mlp = models::build_mlp({"m", {8, 16, 4}});
  const auto shapes = training_gemms(mlp, 32, "m");
  ASSERT_EQ(shapes.size(), 6u);  // two linear layers x (forward, input gradient, weight gradient)
  // fc0 on 32 rows, 8 -> 16: x W^T, dy W, dy^T x.
  EXPECT_EQ(std::make_tuple(shapes[0].m, shapes[0].n, shapes[0].k, shapes[0].trans_a, shapes[0].trans_b),
            std::make_tuple(32, 16, 8, false, true));
  EXPECT_EQ(std::make_tuple(shapes[1].m, shapes[1].n, shapes[1].k, shapes[1].trans_a, shapes[1].trans_b),
            std::make_tuple(32, 8, 16, false, false));
  EXPECT_EQ(std::make_tuple(shapes[2].m, shapes[2].n, shapes[2].k, shapes[2].trans_a, shapes[2].trans_b),
            std::make_tuple(16, 8, 32, true, false));
  EXPECT_EQ(shapes[0].source, "m fc0 forward");

  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.layers = 2;
  c.d_model = 64;
  c.heads = 4;
  c.ffn = 256;
  c.vocab = 100;
  c.max_seq_len = 32;
  const auto gpt = training_gemms(models::build_transformer(c, 32), 2, "gpt");
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, bool, bool>> unique;
  bool scores = false;
  for (const auto& s : gpt) {
    EXPECT_TRUE(unique.insert({s.m, s.n, s.k, s.trans_a, s.trans_b}).second) << "repeated: " << s.source;
    scores = scores || (s.m == 32 && s.n == 32 && s.k == 16 && !s.trans_a && s.trans_b);
  }
  EXPECT_TRUE(scores) << "Q K^T per head: 32 x 32 over head_dim 16";
}

TEST(Microbench, RawJsonOnOneRank) {
  cpu::CpuDevice device;
  cpu::CpuKernels kernels(1);
  SelfCommunicator comm(device);
  MicrobenchOptions o;
  o.sizes = {4096, 65536};
  o.gemms = {{64, 48, 32, false, true, "test"}};
  o.square_grid = false;
  o.min_repetitions = 2;
  o.min_seconds = 0;
  o.max_repetitions = 3;
  const models::Json j = run_microbench(device, kernels, comm, 1, o);
  EXPECT_EQ(j.at("kind"), "microbench");
  EXPECT_EQ(j.at("backend"), "cpu");
  EXPECT_EQ(j.at("ranks"), 1);
  EXPECT_EQ(j.at("threads"), 1);
  ASSERT_EQ(j.at("gemm").size(), 1u);
  EXPECT_EQ(j.at("gemm")[0].at("flops"), 2.0 * 64 * 48 * 32);
  EXPECT_GT(j.at("gemm")[0].at("seconds").get<double>(), 0);
  std::set<std::string> kernels_seen;
  for (const auto& e : j.at("elementwise")) {
    kernels_seen.insert(e.at("kernel").get<std::string>());
    EXPECT_GT(e.at("seconds").get<double>(), 0) << e.dump();
    EXPECT_GE(e.at("bytes").get<double>(), e.at("elements").get<double>() * 4) << e.dump();
  }
  for (const char* k :
       {"add_forward", "add_backward", "gelu_forward", "gelu_backward", "relu_forward", "relu_backward",
        "layernorm_forward", "layernorm_backward", "bias_add", "bias_grad", "embedding_forward", "embedding_backward",
        "cross_entropy_forward", "cross_entropy_backward", "sgd_momentum", "adamw"})
    EXPECT_TRUE(kernels_seen.count(k)) << k;
  EXPECT_EQ(j.at("elementwise").size(), kernels_seen.size() * 2);  // two sizes
  EXPECT_TRUE(j.at("allreduce").empty()) << "one rank: nothing to reduce";
}

TEST(Microbench, OnePassPerPrecisionEachEntryNamed) {
  // The CUDA backend times every product once per precision, switching its kernels between
  // passes; each entry says which (calibrate fits one curve per precision).
  cpu::CpuDevice device;
  cpu::CpuKernels kernels(1);
  SelfCommunicator comm(device);
  MicrobenchOptions o;
  o.sizes = {4096};
  o.gemms = {{16, 8, 4, false, true, "a"}, {8, 8, 8, false, false, "b"}};
  o.square_grid = false;
  o.min_repetitions = 1;
  o.min_seconds = 0;
  o.max_repetitions = 1;
  std::vector<std::string> switched;
  for (const char* p : {"fp32", "bf16"}) o.precisions.push_back({p, [&switched, p] { switched.push_back(p); }});
  const models::Json j = run_microbench(device, kernels, comm, 1, o);
  EXPECT_EQ(switched, (std::vector<std::string>{"fp32", "bf16"}));
  ASSERT_EQ(j.at("gemm").size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"fp32", "a"}, {"fp32", "b"}, {"bf16", "a"}, {"bf16", "b"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(j.at("gemm")[i].at("precision"), expected[i].first) << i;
    EXPECT_EQ(j.at("gemm")[i].at("source"), expected[i].second) << i;
  }
}

TEST(Microbench, AllReduceTableAsNcclTestsPrintsIt) {
  // 4 ranks: busbw = algbw x 2 (4 - 1) / 4 = 1.5 algbw.
  const models::Json raw = {
      {"ranks", 4}, {"allreduce", {{{"bytes", 1048576}, {"seconds", 1e-3}}, {{"bytes", 1024}, {"seconds", 2e-5}}}}};
  EXPECT_EQ(allreduce_table(raw),
            "#       size         count      type   redop     time   algbw   busbw\n"
            "#        (B)    (elements)                       (us)  (GB/s)  (GB/s)\n"
            "     1048576        262144     float     sum    1000.0    1.05    1.57\n"
            "        1024           256     float     sum      20.0    0.05    0.08\n");
  EXPECT_EQ(allreduce_table({{"ranks", 1}, {"allreduce", models::Json::array()}}), "");
}

}  // namespace
}  // namespace dpcast::real
