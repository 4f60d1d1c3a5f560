// Every CUDA kernel against the CPU kernel of the same name on random inputs (the CPU kernels
// are checked against finite differences in tests/real/test_gradients.cpp), including the
// accumulate variants and shapes that exercise every launch's edges (rows that do not fill a
// block, several chunks of column sums, inputs beyond one add launch). Matrix products are
// checked at each precision with an error bound that follows from rounding the inputs to its
// mantissa: |C_gpu - C_cpu| <= tol x sum_k |A_ik| |B_kj|.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "../float_vectors.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/cuda/cuda_device.hpp"
#include "dpcast/real/cuda/cuda_kernels.hpp"
#include "gpu.hpp"

namespace dpcast::real::test {
namespace {
using cuda::GemmPrecision;

using test_support::random_vector;

// |gpu - cpu| <= atol + rtol |cpu| everywhere; reports the worst element.
void expect_close(const std::vector<float>& gpu, const std::vector<float>& cpu, double rtol, double atol,
                  const std::string& what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double excess = std::abs(static_cast<double>(gpu[i]) - cpu[i]) - (atol + rtol * std::abs(cpu[i]));
    if (!(excess <= worst)) {  // NaN counts as worst
      worst = std::isnan(excess) ? std::numeric_limits<double>::infinity() : excess;
      at = i;
    }
  }
  EXPECT_LE(worst, 0.0) << what << ": element " << at << " gpu " << gpu[at] << " cpu " << cpu[at];
}

class CudaKernelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DPCAST_REQUIRE_GPUS(1);
    device = std::make_unique<cuda::CudaDevice>(0);
    gpu = std::make_unique<cuda::CudaKernels>(*device);
  }
  void TearDown() override {
    arrays.clear();
    id_arrays.clear();
    gpu.reset();
    device.reset();
  }

  // Device copies of host data (kept until the test ends).
  float* put(const std::vector<float>& host) {
    arrays.emplace_back(*device, host.size());
    device->upload(arrays.back().data(), host.data(), host.size() * sizeof(float));
    return arrays.back().data();
  }
  std::int32_t* put_ids(const std::vector<std::int32_t>& host) {
    id_arrays.emplace_back(*device, host.size());
    device->upload(id_arrays.back().data(), host.data(), host.size() * sizeof(std::int32_t));
    return id_arrays.back().data();
  }
  std::vector<float> get(const float* d, std::size_t n) {
    std::vector<float> host(n);
    device->download(host.data(), d, n * sizeof(float));
    return host;
  }

  std::unique_ptr<cuda::CudaDevice> device;
  std::unique_ptr<cuda::CudaKernels> gpu;
  cpu::CpuKernels cpu{1};
  std::vector<DeviceArray<float>> arrays;
  std::vector<DeviceArray<std::int32_t>> id_arrays;
};

struct PrecisionCase {
  GemmPrecision precision;
  double tolerance;  // of the normalised error
};

TEST_F(CudaKernelsTest, GemmEveryTransposeAndPrecision) {
  const std::int64_t m = 37, n = 53, k = 29;
  for (const PrecisionCase pc : {PrecisionCase{GemmPrecision::Fp32, 1e-5}, PrecisionCase{GemmPrecision::Tf32, 2e-3},
                                 PrecisionCase{GemmPrecision::Fp16, 2e-3}, PrecisionCase{GemmPrecision::Bf16, 1e-2}}) {
    gpu->set_precision(pc.precision);
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      SCOPED_TRACE(std::string(cuda::to_string(pc.precision)) + (ta ? " A^T" : " A") + (tb ? " B^T" : " B"));
      // Stored shapes with a leading dimension wider than the rows (3 spare columns).
      const std::int64_t a_rows = ta ? k : m, a_cols = ta ? m : k, lda = a_cols + 3;
      const std::int64_t b_rows = tb ? n : k, b_cols = tb ? k : n, ldb = b_cols + 3, ldc = n + 3;
      const auto a = random_vector(static_cast<std::size_t>(a_rows * lda), 1);
      const auto b = random_vector(static_cast<std::size_t>(b_rows * ldb), 2);
      const auto c0 = random_vector(static_cast<std::size_t>(m * ldc), 3);
      std::vector<float> c_cpu = c0;
      cpu.gemm(ta, tb, m, n, k, 0.75f, a.data(), lda, b.data(), ldb, 0.5f, c_cpu.data(), ldc);
      float* dc = put(c0);
      gpu->gemm(ta, tb, m, n, k, 0.75f, put(a), lda, put(b), ldb, 0.5f, dc, ldc);
      const auto c_gpu = get(dc, c0.size());
      double worst = 0;
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < ldc; ++j) {
          const auto at = static_cast<std::size_t>(i * ldc + j);
          if (j >= n) {
            EXPECT_EQ(c_gpu[at], c0[at]) << "beyond the n columns nothing is written";
            continue;
          }
          double bound = 0.5 * std::abs(c0[at]);
          for (std::int64_t p = 0; p < k; ++p) {
            const float av = ta ? a[static_cast<std::size_t>(p * lda + i)] : a[static_cast<std::size_t>(i * lda + p)];
            const float bv = tb ? b[static_cast<std::size_t>(j * ldb + p)] : b[static_cast<std::size_t>(p * ldb + j)];
            bound += 0.75 * std::abs(av) * std::abs(bv);
          }
          worst = std::max(worst, std::abs(static_cast<double>(c_gpu[at]) - c_cpu[at]) / bound);
        }
      EXPECT_LE(worst, pc.tolerance);
    }
  }
}

TEST_F(CudaKernelsTest, ReducedPrecisionsDoRoundTheInputs) {
  // The precision switch takes effect: bf16 products differ from fp32 ones (a check that can fail).
  const std::int64_t m = 64, n = 64, k = 256;
  const auto a = random_vector(static_cast<std::size_t>(m * k), 4),
             b = random_vector(static_cast<std::size_t>(k * n), 5);
  float *da = put(a), *db = put(b), *dc = put(std::vector<float>(static_cast<std::size_t>(m * n)));
  gpu->set_precision(GemmPrecision::Fp32);
  gpu->gemm(false, false, m, n, k, 1.0f, da, k, db, n, 0.0f, dc, n);
  const auto fp32 = get(dc, static_cast<std::size_t>(m * n));
  gpu->set_precision(GemmPrecision::Bf16);
  gpu->gemm(false, false, m, n, k, 1.0f, da, k, db, n, 0.0f, dc, n);
  const auto bf16 = get(dc, static_cast<std::size_t>(m * n));
  EXPECT_GT(relative_difference(bf16, fp32), 1e-4);
}

TEST_F(CudaKernelsTest, ElementWise) {
  const std::int64_t n = 100003;  // not a multiple of any block
  const auto x = random_vector(static_cast<std::size_t>(n), 10, 2.0f),
             g = random_vector(static_cast<std::size_t>(n), 11);
  const auto y0 = random_vector(static_cast<std::size_t>(n), 12);
  float *dx = put(x), *dg = put(g);
  auto check = [&](const std::string& what, auto cpu_call, auto gpu_call) {
    std::vector<float> c = y0;
    cpu_call(c.data());
    float* d = put(y0);
    gpu_call(d);
    expect_close(get(d, y0.size()), c, 1e-5, 1e-6, what);
  };
  for (bool acc : {false, true}) {
    SCOPED_TRACE(acc ? "accumulate" : "overwrite");
    check(
        "gelu_backward", [&](float* c) { cpu.gelu_backward(c, g.data(), x.data(), n, acc); },
        [&](float* d) { gpu->gelu_backward(d, dg, dx, n, acc); });
    check(
        "relu_backward", [&](float* c) { cpu.relu_backward(c, g.data(), x.data(), n, acc); },
        [&](float* d) { gpu->relu_backward(d, dg, dx, n, acc); });
    check(
        "copy", [&](float* c) { cpu.copy(c, x.data(), n, acc); }, [&](float* d) { gpu->copy(d, dx, n, acc); });
  }
  check(
      "gelu_forward", [&](float* c) { cpu.gelu_forward(c, x.data(), n); },
      [&](float* d) { gpu->gelu_forward(d, dx, n); });
  check(
      "relu_forward", [&](float* c) { cpu.relu_forward(c, x.data(), n); },
      [&](float* d) { gpu->relu_forward(d, dx, n); });
  check(
      "fill", [&](float* c) { cpu.fill(c, n, 0.25f); }, [&](float* d) { gpu->fill(d, n, 0.25f); });
  check(
      "scale", [&](float* c) { cpu.scale(c, n, -1.5f); }, [&](float* d) { gpu->scale(d, n, -1.5f); });
  check(
      "sgd_momentum",
      [&](float* c) {
        std::vector<float> v = g;
        cpu.sgd_momentum(c, x.data(), v.data(), n, 0.1f, 0.9f);
      },
      [&](float* d) { gpu->sgd_momentum(d, dx, put(g), n, 0.1f, 0.9f); });
  AdamWStep s;
  s.lr = 1e-2f;
  s.weight_decay = 0.01f;
  s.bias_correction1 = 0.19f;
  s.bias_correction2 = 0.002f;
  const auto m0 = random_vector(static_cast<std::size_t>(n), 13, 0.1f);
  std::vector<float> v0 = random_vector(static_cast<std::size_t>(n), 14, 0.1f);
  for (float& v : v0) v = v * v;
  std::vector<float> cm = m0, cv = v0;
  float *gm = put(m0), *gv = put(v0);
  check(
      "adamw", [&](float* c) { cpu.adamw(c, x.data(), cm.data(), cv.data(), n, s); },
      [&](float* d) { gpu->adamw(d, dx, gm, gv, n, s); });
  expect_close(get(gm, m0.size()), cm, 1e-5, 1e-7, "adamw first moment");
  expect_close(get(gv, v0.size()), cv, 1e-5, 1e-9, "adamw second moment");
}

TEST_F(CudaKernelsTest, AddOfManyInputs) {
  const std::int64_t n = 5000;
  for (int count : {2, 3, 8, 11}) {  // 11: more inputs than one launch takes
    std::vector<std::vector<float>> in;
    std::vector<const float*> host_ptrs, dev_ptrs;
    for (int k = 0; k < count; ++k)
      in.push_back(random_vector(static_cast<std::size_t>(n), 20 + static_cast<unsigned>(k)));
    for (int k = 0; k < count; ++k) {
      host_ptrs.push_back(in[static_cast<std::size_t>(k)].data());
      dev_ptrs.push_back(put(in[static_cast<std::size_t>(k)]));
    }
    std::vector<float> c(static_cast<std::size_t>(n));
    cpu.add_forward(c.data(), host_ptrs.data(), count, n);
    float* d = put(std::vector<float>(static_cast<std::size_t>(n), 7.0f));
    gpu->add_forward(d, dev_ptrs.data(), count, n);
    expect_close(get(d, c.size()), c, 1e-6, 1e-6, "add of " + std::to_string(count));
  }
}

TEST_F(CudaKernelsTest, UnscaleCheckFindsInfinitiesAndNaN) {
  std::vector<float> x = random_vector(1000, 30);
  float* flag = put({0.0f});
  float* d = put(x);
  gpu->unscale_check(d, 1000, 0.5f, flag);
  EXPECT_EQ(get(flag, 1)[0], 0.0f) << "all finite: the flag stays";
  const auto halved = get(d, 1000);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(halved[i], x[i] * 0.5f);
  for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                    std::numeric_limits<float>::quiet_NaN()}) {
    x[517] = bad;
    float* f = put({0.0f});
    gpu->unscale_check(put(x), 1000, 0.5f, f);
    EXPECT_EQ(get(f, 1)[0], 1.0f) << bad;
  }
}

TEST_F(CudaKernelsTest, BiasAddAndGradient) {
  const std::int64_t rows = 1000, cols = 77;  // several chunks of rows, a partial column tile
  const auto y0 = random_vector(static_cast<std::size_t>(rows * cols), 40),
             bias = random_vector(static_cast<std::size_t>(cols), 41);
  std::vector<float> c = y0;
  cpu.add_bias(c.data(), bias.data(), rows, cols);
  float* d = put(y0);
  gpu->add_bias(d, put(bias), rows, cols);
  expect_close(get(d, c.size()), c, 1e-6, 1e-6, "add_bias");
  for (bool acc : {false, true}) {
    const auto db0 = random_vector(static_cast<std::size_t>(cols), 42);
    std::vector<float> cb = db0;
    cpu.bias_grad(cb.data(), y0.data(), rows, cols, acc);
    float* gb = put(db0);
    gpu->bias_grad(gb, put(y0), rows, cols, acc);
    expect_close(get(gb, cb.size()), cb, 1e-4, 1e-4, acc ? "bias_grad accumulate" : "bias_grad");
  }
}

TEST_F(CudaKernelsTest, Embeddings) {
  const std::int64_t batch = 3, tokens = 11, dim = 40, vocab = 9, positions = 16;
  const auto table = random_vector(static_cast<std::size_t>(vocab * dim), 50);
  const auto ptable = random_vector(static_cast<std::size_t>(positions * dim), 51);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(batch * tokens));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>((i * 7) % vocab);  // repeats
  const std::size_t out_n = static_cast<std::size_t>(batch * tokens * dim);
  std::int32_t* dids = put_ids(ids);
  for (bool positional : {false, true}) {
    SCOPED_TRACE(positional ? "positions" : "token ids");
    const auto& t = positional ? ptable : table;
    const std::int64_t rows = positional ? positions : vocab;
    std::vector<float> c(out_n);
    cpu.embedding_forward(c.data(), t.data(), positional ? nullptr : ids.data(), batch, tokens, dim);
    float* d = put(std::vector<float>(out_n));
    gpu->embedding_forward(d, put(t), positional ? nullptr : dids, batch, tokens, dim);
    expect_close(get(d, out_n), c, 0, 0, "embedding_forward");
    const auto dout = random_vector(out_n, 52);
    for (bool acc : {false, true}) {
      const auto dt0 = random_vector(static_cast<std::size_t>(rows * dim), 53);
      std::vector<float> cd = dt0;
      cpu.embedding_backward(cd.data(), dout.data(), positional ? nullptr : ids.data(), batch, tokens, dim, rows, acc);
      float* gd = put(dt0);
      gpu->embedding_backward(gd, put(dout), positional ? nullptr : dids, batch, tokens, dim, rows, acc);
      expect_close(get(gd, cd.size()), cd, 1e-5, 1e-5, acc ? "embedding_backward accumulate" : "embedding_backward");
    }
  }
}

TEST_F(CudaKernelsTest, LayerNorm) {
  const std::int64_t rows = 300, cols = 129;  // rows not a multiple of 8 warps, cols not of 32 lanes
  const auto x = random_vector(static_cast<std::size_t>(rows * cols), 60, 3.0f);
  const auto gamma = random_vector(static_cast<std::size_t>(cols), 61),
             beta = random_vector(static_cast<std::size_t>(cols), 62);
  const auto dy = random_vector(static_cast<std::size_t>(rows * cols), 63);
  const std::size_t n = x.size(), r = static_cast<std::size_t>(rows), c = static_cast<std::size_t>(cols);
  for (bool shift : {true, false}) {
    SCOPED_TRACE(shift ? "with shift" : "without shift");
    std::vector<float> y(n), mean(r), rstd(r);
    cpu.layernorm_forward(y.data(), mean.data(), rstd.data(), x.data(), gamma.data(), shift ? beta.data() : nullptr,
                          rows, cols, 1e-5f);
    float *gy = put(std::vector<float>(n)), *gm = put(std::vector<float>(r)), *gr = put(std::vector<float>(r));
    float *gx = put(x), *gg = put(gamma);
    gpu->layernorm_forward(gy, gm, gr, gx, gg, shift ? put(beta) : nullptr, rows, cols, 1e-5f);
    expect_close(get(gy, n), y, 1e-4, 1e-5, "layernorm_forward");
    expect_close(get(gm, r), mean, 1e-4, 1e-6, "mean");
    expect_close(get(gr, r), rstd, 1e-4, 1e-6, "rstd");
    for (int flags = 0; flags < 4; ++flags) {
      const bool acc_dx = flags & 1, acc_params = flags & 2;
      SCOPED_TRACE("accumulate dx " + std::to_string(acc_dx) + ", params " + std::to_string(acc_params));
      const auto dx0 = random_vector(n, 64), dg0 = random_vector(c, 65), db0 = random_vector(c, 66);
      std::vector<float> dx = dx0, dg = dg0, db = db0;
      cpu.layernorm_backward(dx.data(), dg.data(), shift ? db.data() : nullptr, dy.data(), x.data(), mean.data(),
                             rstd.data(), gamma.data(), rows, cols, acc_dx, acc_params);
      float *gdx = put(dx0), *gdg = put(dg0), *gdb = put(db0);
      gpu->layernorm_backward(gdx, gdg, shift ? gdb : nullptr, put(dy), gx, put(mean), put(rstd), gg, rows, cols,
                              acc_dx, acc_params);
      expect_close(get(gdx, n), dx, 1e-4, 1e-5, "dx");
      expect_close(get(gdg, c), dg, 1e-4, 1e-4, "dgamma");
      if (shift) expect_close(get(gdb, c), db, 1e-4, 1e-4, "dbeta");
    }
    // No input gradient wanted (dx null): parameters still.
    std::vector<float> dg(c), db(c);
    cpu.layernorm_backward(nullptr, dg.data(), db.data(), dy.data(), x.data(), mean.data(), rstd.data(), gamma.data(),
                           rows, cols, false, false);
    float *gdg = put(std::vector<float>(c)), *gdb = put(std::vector<float>(c));
    gpu->layernorm_backward(nullptr, gdg, gdb, put(dy), gx, put(mean), put(rstd), gg, rows, cols, false, false);
    expect_close(get(gdg, c), dg, 1e-4, 1e-4, "dgamma without dx");
  }
}

TEST_F(CudaKernelsTest, CausalAttention) {
  const std::int64_t batch = 2, seq = 17, heads = 3, hd = 8, d = heads * hd;
  const auto qkv = random_vector(static_cast<std::size_t>(batch * seq * 3 * d), 70);
  const std::size_t out_n = static_cast<std::size_t>(batch * seq * d),
                    p_n = static_cast<std::size_t>(batch * heads * seq * seq);
  std::vector<float> out(out_n), probs(p_n);
  cpu.attention_forward(out.data(), probs.data(), qkv.data(), batch, seq, heads, hd);
  float *gout = put(std::vector<float>(out_n)), *gp = put(std::vector<float>(p_n)), *gqkv = put(qkv);
  gpu->attention_forward(gout, gp, gqkv, batch, seq, heads, hd);
  expect_close(get(gout, out_n), out, 1e-4, 1e-5, "attention output");
  expect_close(get(gp, p_n), probs, 1e-4, 1e-6, "attention probabilities");
  const auto dout = random_vector(out_n, 71);
  for (bool acc : {false, true}) {
    const auto dqkv0 = random_vector(qkv.size(), 72);
    std::vector<float> dqkv = dqkv0, scratch(static_cast<std::size_t>(cpu.attention_scratch(batch, seq, heads)));
    cpu.attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), probs.data(), batch, seq, heads, hd,
                           acc);
    float* gd = put(dqkv0);
    float* gs = put(std::vector<float>(static_cast<std::size_t>(gpu->attention_scratch(batch, seq, heads))));
    gpu->attention_backward(gd, gs, put(dout), gqkv, gp, batch, seq, heads, hd, acc);
    expect_close(get(gd, dqkv.size()), dqkv, 1e-4, 1e-5, acc ? "dqkv accumulate" : "dqkv");
  }
}

TEST_F(CudaKernelsTest, SoftmaxCrossEntropy) {
  const std::int64_t rows = 13, classes = 1000;  // a row longer than a block
  const auto logits = random_vector(static_cast<std::size_t>(rows * classes), 80, 3.0f);
  std::vector<std::int32_t> targets(static_cast<std::size_t>(rows));
  for (std::size_t r = 0; r < targets.size(); ++r) targets[r] = static_cast<std::int32_t>((r * 131) % classes);
  const std::size_t n = logits.size();
  std::vector<float> probs(n);
  float loss = 0;
  cpu.cross_entropy_forward(probs.data(), &loss, logits.data(), targets.data(), rows, classes);
  float *gp = put(std::vector<float>(n)), *gl = put({0.0f});
  std::int32_t* gt = put_ids(targets);
  gpu->cross_entropy_forward(gp, gl, put(logits), gt, rows, classes);
  expect_close(get(gp, n), probs, 1e-4, 1e-7, "probabilities");
  EXPECT_NEAR(get(gl, 1)[0], loss, 1e-5 * std::abs(loss)) << "mean loss";
  for (bool acc : {false, true}) {
    const auto d0 = random_vector(n, 81);
    std::vector<float> d = d0;
    cpu.cross_entropy_backward(d.data(), probs.data(), targets.data(), rows, classes, 0.125f, acc);
    float* gd = put(d0);
    gpu->cross_entropy_backward(gd, gp, gt, rows, classes, 0.125f, acc);
    expect_close(get(gd, n), d, 1e-4, 1e-7, acc ? "dlogits accumulate" : "dlogits");
  }
}

}  // namespace
}  // namespace dpcast::real::test
