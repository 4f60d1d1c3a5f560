// The CPU kernels against plain double-precision references, and with several threads
// against one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "float_vectors.hpp"

namespace dpcast::real::cpu {
namespace {

using test_support::random_vector;

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(static_cast<double>(a[i]) - b[i]));
  return d;
}

TEST(CpuKernels, GemmEveryTransposeWithLeadingDimensions) {
  CpuKernels k(1);
  const std::int64_t m = 5, n = 7, kk = 3, pad = 2;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      // op(A) is m x k, stored (ta ? k x m : m x k) with lda = cols + pad.
      const std::int64_t a_rows = ta ? kk : m, a_cols = ta ? m : kk, lda = a_cols + pad;
      const std::int64_t b_rows = tb ? n : kk, b_cols = tb ? kk : n, ldb = b_cols + pad;
      const auto a = random_vector(static_cast<std::size_t>(a_rows * lda), 1);
      const auto b = random_vector(static_cast<std::size_t>(b_rows * ldb), 2);
      auto c = random_vector(static_cast<std::size_t>(m * (n + pad)), 3);
      const auto c0 = c;
      k.gemm(ta, tb, m, n, kk, 0.5f, a.data(), lda, b.data(), ldb, 2.0f, c.data(), n + pad);
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (std::int64_t p = 0; p < kk; ++p)
            s += static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
          const double expect = 0.5 * s + 2.0 * c0[i * (n + pad) + j];
          EXPECT_NEAR(c[i * (n + pad) + j], expect, 1e-5) << ta << tb << " at " << i << "," << j;
        }
      for (std::int64_t i = 0; i < m; ++i)  // the padding is not written
        for (std::int64_t j = n; j < n + pad; ++j) EXPECT_EQ(c[i * (n + pad) + j], c0[i * (n + pad) + j]);
    }
}

TEST(CpuKernels, GeluIsGpt2sTanhApproximation) {
  CpuKernels k(1);
  std::vector<float> x(2001), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = -10.0f + 0.01f * static_cast<float>(i);
  k.gelu_forward(y.data(), x.data(), static_cast<std::int64_t>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double ref = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(y[i], ref, 2e-6 * std::max(1.0, std::abs(v))) << "x = " << v;
  }
}

TEST(CpuKernels, CrossEntropyIsMeanNegativeLogSoftmax) {
  CpuKernels k(1);
  const std::int64_t rows = 4, classes = 9;
  auto logits = random_vector(static_cast<std::size_t>(rows * classes), 4, 3.0f);
  logits[3] = 80.0f;  // large logits must not overflow
  const std::vector<std::int32_t> targets{0, 8, 3, 5};
  std::vector<float> probs(logits.size());
  float loss = 0;
  k.cross_entropy_forward(probs.data(), &loss, logits.data(), targets.data(), rows, classes);
  double expect = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    double m = -1e300, sum = 0, psum = 0;
    for (std::int64_t c = 0; c < classes; ++c) m = std::max(m, static_cast<double>(logits[r * classes + c]));
    for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(logits[r * classes + c] - m);
    for (std::int64_t c = 0; c < classes; ++c) {
      EXPECT_NEAR(probs[r * classes + c], std::exp(logits[r * classes + c] - m) / sum, 1e-6);
      psum += probs[r * classes + c];
    }
    EXPECT_NEAR(psum, 1.0, 1e-5);
    expect += std::log(sum) + m - logits[r * classes + targets[r]];
  }
  EXPECT_NEAR(loss, expect / rows, 1e-5);
  // Backward: (p - onehot) * scale, added to what is there when accumulating.
  std::vector<float> d(logits.size(), 1.0f);
  k.cross_entropy_backward(d.data(), probs.data(), targets.data(), rows, classes, 0.5f, true);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < classes; ++c)
      EXPECT_NEAR(d[r * classes + c], 1.0f + 0.5f * (probs[r * classes + c] - (c == targets[r] ? 1 : 0)), 1e-6);
}

TEST(CpuKernels, AttentionIsCausalSoftmaxOfScaledScores) {
  CpuKernels k(1);
  const std::int64_t b = 2, s = 5, h = 3, hd = 4, d = h * hd;
  const auto qkv = random_vector(static_cast<std::size_t>(b * s * 3 * d), 5);
  std::vector<float> out(static_cast<std::size_t>(b * s * d)), probs(static_cast<std::size_t>(b * h * s * s));
  k.attention_forward(out.data(), probs.data(), qkv.data(), b, s, h, hd);
  for (std::int64_t bi = 0; bi < b; ++bi)
    for (std::int64_t hi = 0; hi < h; ++hi)
      for (std::int64_t i = 0; i < s; ++i) {
        std::vector<double> score(static_cast<std::size_t>(i + 1));
        double m = -1e300, sum = 0;
        for (std::int64_t j = 0; j <= i; ++j) {
          double dot = 0;
          for (std::int64_t e = 0; e < hd; ++e)
            dot += static_cast<double>(qkv[(bi * s + i) * 3 * d + hi * hd + e]) *
                   qkv[(bi * s + j) * 3 * d + d + hi * hd + e];
          score[static_cast<std::size_t>(j)] = dot / std::sqrt(static_cast<double>(hd));
          m = std::max(m, score[static_cast<std::size_t>(j)]);
        }
        for (double& v : score) sum += (v = std::exp(v - m));
        const float* p = probs.data() + ((bi * h + hi) * s + i) * s;
        for (std::int64_t j = 0; j < s; ++j)
          EXPECT_NEAR(p[j], j <= i ? score[static_cast<std::size_t>(j)] / sum : 0.0, 1e-6) << "no peeking ahead";
        for (std::int64_t e = 0; e < hd; ++e) {
          double o = 0;
          for (std::int64_t j = 0; j <= i; ++j)
            o += score[static_cast<std::size_t>(j)] / sum * qkv[(bi * s + j) * 3 * d + 2 * d + hi * hd + e];
          EXPECT_NEAR(out[(bi * s + i) * d + hi * hd + e], o, 1e-5);
        }
      }
}

TEST(CpuKernels, EmbeddingsGatherAndScatterAdd) {
  CpuKernels k(1);
  const std::vector<float> table{0, 1, 10, 11, 20, 21};  // 3 rows of 2
  const std::vector<std::int32_t> ids{2, 0, 2};
  std::vector<float> out(6);
  k.embedding_forward(out.data(), table.data(), ids.data(), 1, 3, 2);
  EXPECT_EQ(out, (std::vector<float>{20, 21, 0, 1, 20, 21}));
  k.embedding_forward(out.data(), table.data(), nullptr, 1, 3, 2);  // by position
  EXPECT_EQ(out, table);
  std::vector<float> dtable(6, 5.0f);
  const std::vector<float> dout{1, 2, 3, 4, 5, 6};
  k.embedding_backward(dtable.data(), dout.data(), ids.data(), 1, 3, 2, 3, false);
  EXPECT_EQ(dtable, (std::vector<float>{3, 4, 0, 0, 6, 8}));
  k.embedding_backward(dtable.data(), dout.data(), nullptr, 1, 3, 2, 3, true);
  EXPECT_EQ(dtable, (std::vector<float>{4, 6, 3, 4, 11, 14}));
}

TEST(CpuKernels, SeveralThreadsComputeWhatOneDoes) {
  CpuKernels one(1), four(4);
  const std::int64_t rows = 37, cols = 24;
  const auto x = random_vector(static_cast<std::size_t>(rows * cols), 6);
  const auto dy = random_vector(x.size(), 7);
  const auto gamma = random_vector(static_cast<std::size_t>(cols), 8);
  const auto beta = random_vector(static_cast<std::size_t>(cols), 9);
  struct Out {
    std::vector<float> y, mean, rstd, dx, dg, db;
  };
  auto layernorm = [&](CpuKernels& k) {
    Out o{std::vector<float>(x.size()), std::vector<float>(rows),       std::vector<float>(rows),
          std::vector<float>(x.size()), std::vector<float>(cols, 1.0f), std::vector<float>(cols, 1.0f)};
    k.layernorm_forward(o.y.data(), o.mean.data(), o.rstd.data(), x.data(), gamma.data(), beta.data(), rows, cols,
                        1e-5f);
    k.layernorm_backward(o.dx.data(), o.dg.data(), o.db.data(), dy.data(), x.data(), o.mean.data(), o.rstd.data(),
                         gamma.data(), rows, cols, false, true);
    return o;
  };
  const Out a = layernorm(one), b = layernorm(four);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.dx, b.dx);
  EXPECT_LT(max_abs_diff(a.dg, b.dg), 1e-5);  // partial sums per thread: another summation order
  EXPECT_LT(max_abs_diff(a.db, b.db), 1e-5);
  EXPECT_NE(a.dg, std::vector<float>(cols, 1.0f));

  const std::int64_t batch = 3, s = 6, h = 2, hd = 4;
  const auto qkv = random_vector(static_cast<std::size_t>(batch * s * 3 * h * hd), 10);
  const auto dout = random_vector(static_cast<std::size_t>(batch * s * h * hd), 11);
  auto attention = [&](CpuKernels& k) {
    std::vector<float> out(dout.size()), probs(static_cast<std::size_t>(batch * h * s * s)), dqkv(qkv.size());
    std::vector<float> scratch(static_cast<std::size_t>(k.attention_scratch(batch, s, h)));
    k.attention_forward(out.data(), probs.data(), qkv.data(), batch, s, h, hd);
    k.attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), probs.data(), batch, s, h, hd, false);
    out.insert(out.end(), dqkv.begin(), dqkv.end());
    return out;
  };
  EXPECT_EQ(attention(one), attention(four));
}

}  // namespace
}  // namespace dpcast::real::cpu
