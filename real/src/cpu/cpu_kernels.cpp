// The CPU kernels. Loops are written for the compiler to vectorise (compiled with
// -fopenmp-simd for the reductions and -fno-math-errno for sqrt); exp and tanh use a
// branch-free exp (Cephes' expf polynomial, about 1 ulp) because libm's do not vectorise.
// The arithmetic-heavy loops (GELU, softmax, LayerNorm, AdamW) are compiled twice, for
// x86-64 and for x86-64-v3 (AVX2 + FMA), and the loader picks the clone the CPU runs
// (GCC's target_clones): the binary still runs on any x86-64.
#include "dpcast/real/cpu/cpu_kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "dpcast/models/error.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace dpcast::real::cpu {
namespace {

// exp(x) without branches: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-7 polynomial,
// 2^n by building the float's exponent. Inputs are clamped to [-87, 88] (exp(-87) ~ 1.6e-38).
inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // Round x/ln2 to the nearest integer with the 1.5 * 2^23 trick (no SSE4.1 round needed).
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
  return p * std::bit_cast<float>(bits);
}

// tanh(u) = 1 - 2 / (exp(2u) + 1): exact limits of +-1, absolute error about 1e-7.
inline float fast_tanh(float u) {
  return 1.0f - 2.0f / (fast_exp(2.0f * u) + 1.0f);
}

constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

blasint blas_int(std::int64_t v) {
  if (v < 0 || v > INT_MAX) throw Error("matrix dimension " + std::to_string(v) + " exceeds BLAS's int range");
  return static_cast<blasint>(v);
}

#define DPCAST_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

// Causal softmax of one row of scores in place: p[j] = exp(s[j] - max) / sum for j <= last,
// 0 beyond (future positions).
DPCAST_VECTOR_CLONES void causal_softmax_row(float* __restrict p, std::int64_t last, std::int64_t seq) {
  float m = p[0];
#pragma omp simd reduction(max : m)
  for (std::int64_t j = 1; j <= last; ++j) m = std::max(m, p[j]);
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t j = 0; j <= last; ++j) {
    p[j] = fast_exp(p[j] - m);
    sum += p[j];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::int64_t j = 0; j <= last; ++j) p[j] *= inv;
  for (std::int64_t j = last + 1; j < seq; ++j) p[j] = 0;
}

// Through a causal softmax row: d[j] = p[j] (d[j] - sum_k p[k] d[k]) for j <= i, 0 beyond.
DPCAST_VECTOR_CLONES void softmax_backward_row(const float* __restrict p, float* __restrict d, std::int64_t i,
                                               std::int64_t seq) {
  float dot = 0;
#pragma omp simd reduction(+ : dot)
  for (std::int64_t j = 0; j <= i; ++j) dot += p[j] * d[j];
#pragma omp simd
  for (std::int64_t j = 0; j <= i; ++j) d[j] = p[j] * (d[j] - dot);
  for (std::int64_t j = i + 1; j < seq; ++j) d[j] = 0;
}

DPCAST_VECTOR_CLONES void gelu_forward_range(float* __restrict y, const float* __restrict x, std::int64_t i0,
                                             std::int64_t i1) {
#pragma omp simd
  for (std::int64_t i = i0; i < i1; ++i) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + fast_tanh(kGeluC * (v + kGeluA * v * v * v)));
  }
}

inline float gelu_slope(float v) {
  const float t = fast_tanh(kGeluC * (v + kGeluA * v * v * v));
  return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluC * (1.0f + 3.0f * kGeluA * v * v);
}

DPCAST_VECTOR_CLONES void gelu_backward_range(float* __restrict d, const float* __restrict g, const float* __restrict x,
                                              std::int64_t i0, std::int64_t i1, bool accumulate) {
  if (accumulate) {
#pragma omp simd
    for (std::int64_t i = i0; i < i1; ++i) d[i] += g[i] * gelu_slope(x[i]);
  } else {
#pragma omp simd
    for (std::int64_t i = i0; i < i1; ++i) d[i] = g[i] * gelu_slope(x[i]);
  }
}

// Softmax of one row of logits into p; returns log(sum exp(x)) (the row's log-partition).
DPCAST_VECTOR_CLONES float softmax_row(float* __restrict p, const float* __restrict x, std::int64_t classes) {
  float m = x[0];
#pragma omp simd reduction(max : m)
  for (std::int64_t c = 1; c < classes; ++c) m = std::max(m, x[c]);
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t c = 0; c < classes; ++c) {
    p[c] = fast_exp(x[c] - m);
    sum += p[c];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (std::int64_t c = 0; c < classes; ++c) p[c] *= inv;
  return m + std::log(sum);
}

DPCAST_VECTOR_CLONES void layernorm_forward_row(float* __restrict y, const float* __restrict x,
                                                const float* __restrict gamma, const float* __restrict beta,
                                                std::int64_t cols, float eps, float* mean, float* rstd) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t c = 0; c < cols; ++c) sum += x[c];
  const float mu = sum / static_cast<float>(cols);
  float sq = 0;
#pragma omp simd reduction(+ : sq)
  for (std::int64_t c = 0; c < cols; ++c) sq += (x[c] - mu) * (x[c] - mu);
  const float rs = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);
  *mean = mu;
  *rstd = rs;
  if (beta) {
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) y[c] = (x[c] - mu) * rs * gamma[c] + beta[c];
  } else {
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) y[c] = (x[c] - mu) * rs * gamma[c];
  }
}

// One row of LayerNorm's backward: dx (null: not needed), and dgamma/dbeta (null: no shift) added to.
DPCAST_VECTOR_CLONES void layernorm_backward_row(float* __restrict dx, float* __restrict dg, float* __restrict db,
                                                 const float* __restrict gr, const float* __restrict xr,
                                                 const float* __restrict gamma, std::int64_t cols, float mu, float rs,
                                                 bool accumulate_dx) {
  float sum_g = 0, sum_gx = 0;
#pragma omp simd reduction(+ : sum_g, sum_gx)
  for (std::int64_t c = 0; c < cols; ++c) {
    const float g = gr[c] * gamma[c];
    sum_g += g;
    sum_gx += g * ((xr[c] - mu) * rs);
  }
#pragma omp simd
  for (std::int64_t c = 0; c < cols; ++c) dg[c] += gr[c] * ((xr[c] - mu) * rs);
  if (db) {
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) db[c] += gr[c];
  }
  if (!dx) return;
  const float mean_g = sum_g / static_cast<float>(cols), mean_gx = sum_gx / static_cast<float>(cols);
  if (accumulate_dx) {
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) dx[c] += rs * (gr[c] * gamma[c] - mean_g - (xr[c] - mu) * rs * mean_gx);
  } else {
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) dx[c] = rs * (gr[c] * gamma[c] - mean_g - (xr[c] - mu) * rs * mean_gx);
  }
}

DPCAST_VECTOR_CLONES void adamw_range(float* __restrict p, float* __restrict m, float* __restrict v,
                                      const float* __restrict g, std::int64_t i0, std::int64_t i1, float beta1,
                                      float beta2, float eps, float decay, float step, float inv_sqrt_bc2) {
#pragma omp simd
  for (std::int64_t i = i0; i < i1; ++i) {
    m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
    v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
    p[i] = p[i] * decay - step * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace

void set_blas_threads(int threads) {
  openblas_set_num_threads(std::max(1, threads));
}

CpuKernels::CpuKernels(int threads) : pool_(std::make_unique<ThreadPool>(threads)) {
  set_blas_threads(threads);
}

void CpuKernels::gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                      const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                      std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, blas_int(m),
              blas_int(n), blas_int(k), alpha, a, blas_int(lda), b, blas_int(ldb), beta, c, blas_int(ldc));
}

void CpuKernels::add_bias(float* y, const float* bias, std::int64_t rows, std::int64_t cols) {
  pool_->parallel_for(
      rows,
      [&](std::int64_t r0, std::int64_t r1, int) {
        for (std::int64_t r = r0; r < r1; ++r) {
          float* __restrict row = y + r * cols;
#pragma omp simd
          for (std::int64_t c = 0; c < cols; ++c) row[c] += bias[c];
        }
      },
      64);
}

void CpuKernels::bias_grad(float* dbias, const float* dy, std::int64_t rows, std::int64_t cols, bool accumulate) {
  if (!accumulate) std::fill(dbias, dbias + cols, 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* __restrict row = dy + r * cols;
    float* __restrict d = dbias;
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) d[c] += row[c];
  }
}

void CpuKernels::embedding_forward(float* out, const float* table, const std::int32_t* ids, std::int64_t batch,
                                   std::int64_t tokens, std::int64_t dim) {
  const auto row_bytes = static_cast<std::size_t>(dim) * sizeof(float);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int64_t row = ids ? ids[b * tokens + t] : t;
      std::memcpy(out + (b * tokens + t) * dim, table + row * dim, row_bytes);
    }
}

void CpuKernels::embedding_backward(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t batch,
                                    std::int64_t tokens, std::int64_t dim, std::int64_t table_rows, bool accumulate) {
  if (!accumulate) std::fill(dtable, dtable + table_rows * dim, 0.0f);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int64_t row = ids ? ids[b * tokens + t] : t;
      float* __restrict d = dtable + row * dim;
      const float* __restrict g = dout + (b * tokens + t) * dim;
#pragma omp simd
      for (std::int64_t c = 0; c < dim; ++c) d[c] += g[c];
    }
}

void CpuKernels::layernorm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                   const float* beta, std::int64_t rows, std::int64_t cols, float eps) {
  pool_->parallel_for(
      rows,
      [&](std::int64_t r0, std::int64_t r1, int) {
        for (std::int64_t r = r0; r < r1; ++r)
          layernorm_forward_row(y + r * cols, x + r * cols, gamma, beta, cols, eps, mean + r, rstd + r);
      },
      16);
}

void CpuKernels::layernorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                    const float* mean, const float* rstd, const float* gamma, std::int64_t rows,
                                    std::int64_t cols, bool accumulate_dx, bool accumulate_params) {
  if (!accumulate_params) {
    std::fill(dgamma, dgamma + cols, 0.0f);
    if (dbeta) std::fill(dbeta, dbeta + cols, 0.0f);
  }
  // Worker 0 adds into dgamma/dbeta; the others into partial sums added at the end.
  const int workers = pool_->threads();
  std::vector<float> partial(workers > 1 ? static_cast<std::size_t>(2 * (workers - 1) * cols) : 0, 0.0f);
  pool_->parallel_for(
      rows,
      [&](std::int64_t r0, std::int64_t r1, int w) {
        float* __restrict dg = w == 0 ? dgamma : partial.data() + 2 * (w - 1) * cols;
        float* __restrict db = w == 0 ? dbeta : dg + cols;
        for (std::int64_t r = r0; r < r1; ++r)
          layernorm_backward_row(dx ? dx + r * cols : nullptr, dg, db, dy + r * cols, x + r * cols, gamma, cols,
                                 mean[r], rstd[r], accumulate_dx);
      },
      16);
  for (int w = 1; w < workers; ++w) {
    const float* dg = partial.data() + 2 * (w - 1) * cols;
    for (std::int64_t c = 0; c < cols; ++c) {
      dgamma[c] += dg[c];
      if (dbeta) dbeta[c] += dg[cols + c];
    }
  }
}

void CpuKernels::gelu_forward(float* y, const float* x, std::int64_t n) {
  pool_->parallel_for(
      n, [&](std::int64_t i0, std::int64_t i1, int) { gelu_forward_range(y, x, i0, i1); }, 16384);
}

void CpuKernels::gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n, bool accumulate) {
  pool_->parallel_for(
      n, [&](std::int64_t i0, std::int64_t i1, int) { gelu_backward_range(dx, dy, x, i0, i1, accumulate); }, 16384);
}

void CpuKernels::relu_forward(float* y, const float* x, std::int64_t n) {
  float* __restrict yo = y;
  const float* __restrict xi = x;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) yo[i] = xi[i] > 0.0f ? xi[i] : 0.0f;
}

void CpuKernels::relu_backward(float* dx, const float* dy, const float* y, std::int64_t n, bool accumulate) {
  float* __restrict d = dx;
  const float* __restrict g = dy;
  const float* __restrict yo = y;
  // Both operands are loaded unconditionally so the select vectorises.
  if (accumulate) {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      const float gi = g[i], di = d[i];
      d[i] = yo[i] > 0.0f ? di + gi : di;
    }
  } else {
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) {
      const float gi = g[i];
      d[i] = yo[i] > 0.0f ? gi : 0.0f;
    }
  }
}

void CpuKernels::add_forward(float* y, const float* const* inputs, int count, std::int64_t n) {
  float* __restrict yo = y;
  const float* __restrict a = inputs[0];
  const float* __restrict b = inputs[1];
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) yo[i] = a[i] + b[i];
  for (int k = 2; k < count; ++k) {
    const float* __restrict c = inputs[k];
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) yo[i] += c[i];
  }
}

void CpuKernels::copy(float* dst, const float* src, std::int64_t n, bool accumulate) {
  if (!accumulate) {
    std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  float* __restrict d = dst;
  const float* __restrict s = src;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) d[i] += s[i];
}

void CpuKernels::fill(float* x, std::int64_t n, float value) {
  std::fill(x, x + n, value);
}

void CpuKernels::scale(float* x, std::int64_t n, float alpha) {
  float* __restrict v = x;
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) v[i] *= alpha;
}

void CpuKernels::unscale_check(float* x, std::int64_t n, float alpha, float* nonfinite) {
  float* __restrict v = x;
  // |v| <= FLT_MAX is false exactly for infinities and NaN (compiled without -ffinite-math-only).
  int bad = 0;
#pragma omp simd reduction(| : bad)
  for (std::int64_t i = 0; i < n; ++i) {
    bad |= !(std::abs(v[i]) <= FLT_MAX);
    v[i] *= alpha;
  }
  if (bad) *nonfinite = 1.0f;
}

void CpuKernels::attention_forward(float* out, float* probs, const float* qkv, std::int64_t batch, std::int64_t seq,
                                   std::int64_t heads, std::int64_t head_dim) {
  const std::int64_t d = heads * head_dim, ld = 3 * d;
  const float alpha = 1.0f / std::sqrt(static_cast<float>(head_dim));
  pool_->parallel_for(batch * heads, [&](std::int64_t u0, std::int64_t u1, int) {
    for (std::int64_t u = u0; u < u1; ++u) {
      const std::int64_t b = u / heads, h = u % heads;
      const float* q = qkv + b * seq * ld + h * head_dim;
      const float* k = q + d;
      const float* v = q + 2 * d;
      float* p = probs + u * seq * seq;
      // Scores Q K^T / sqrt(head_dim), then a causal softmax per query row.
      gemm(false, true, seq, seq, head_dim, alpha, q, ld, k, ld, 0.0f, p, seq);
      for (std::int64_t i = 0; i < seq; ++i) causal_softmax_row(p + i * seq, i, seq);
      gemm(false, false, seq, head_dim, seq, 1.0f, p, seq, v, ld, 0.0f, out + b * seq * d + h * head_dim, d);
    }
  });
}

std::int64_t CpuKernels::attention_scratch(std::int64_t, std::int64_t seq, std::int64_t) const {
  return static_cast<std::int64_t>(pool_->threads()) * seq * seq;  // one seq x seq block per thread
}

void CpuKernels::attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                                    const float* probs, std::int64_t batch, std::int64_t seq, std::int64_t heads,
                                    std::int64_t head_dim, bool accumulate) {
  const std::int64_t d = heads * head_dim, ld = 3 * d;
  const float alpha = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float beta = accumulate ? 1.0f : 0.0f;
  pool_->parallel_for(batch * heads, [&](std::int64_t u0, std::int64_t u1, int w) {
    float* ds = scratch + w * seq * seq;
    for (std::int64_t u = u0; u < u1; ++u) {
      const std::int64_t b = u / heads, h = u % heads;
      const float* q = qkv + b * seq * ld + h * head_dim;
      const float* k = q + d;
      const float* v = q + 2 * d;
      float* dq = dqkv + b * seq * ld + h * head_dim;
      float* dk = dq + d;
      float* dv = dq + 2 * d;
      const float* p = probs + u * seq * seq;
      const float* dO = dout + b * seq * d + h * head_dim;
      gemm(true, false, seq, head_dim, seq, 1.0f, p, seq, dO, d, beta, dv, ld);  // dV = P^T dO
      gemm(false, true, seq, seq, head_dim, 1.0f, dO, d, v, ld, 0.0f, ds, seq);  // dP = dO V^T
      // Through the softmax: dS = P * (dP - rowsum(P * dP)); zero above the diagonal.
      for (std::int64_t i = 0; i < seq; ++i) softmax_backward_row(p + i * seq, ds + i * seq, i, seq);
      gemm(false, false, seq, head_dim, seq, alpha, ds, seq, k, ld, beta, dq, ld);  // dQ = dS K / sqrt(hd)
      gemm(true, false, seq, head_dim, seq, alpha, ds, seq, q, ld, beta, dk, ld);   // dK = dS^T Q / sqrt(hd)
    }
  });
}

void CpuKernels::cross_entropy_forward(float* probs, float* loss, const float* logits, const std::int32_t* targets,
                                       std::int64_t rows, std::int64_t classes) {
  std::vector<double> partial(static_cast<std::size_t>(pool_->threads()), 0.0);
  pool_->parallel_for(
      rows,
      [&](std::int64_t r0, std::int64_t r1, int w) {
        double total = 0;  // in double: the loss is compared across runs and differenced in checks
        for (std::int64_t r = r0; r < r1; ++r) {
          const float* x = logits + r * classes;
          total += static_cast<double>(softmax_row(probs + r * classes, x, classes)) - x[targets[r]];
        }
        partial[static_cast<std::size_t>(w)] = total;
      },
      8);
  double total = 0;
  for (double v : partial) total += v;
  *loss = static_cast<float>(total / static_cast<double>(rows));
}

void CpuKernels::cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets,
                                        std::int64_t rows, std::int64_t classes, float scale, bool accumulate) {
  pool_->parallel_for(
      rows,
      [&](std::int64_t r0, std::int64_t r1, int) {
        for (std::int64_t r = r0; r < r1; ++r) {
          float* __restrict d = dlogits + r * classes;
          const float* __restrict p = probs + r * classes;
          if (accumulate) {
#pragma omp simd
            for (std::int64_t c = 0; c < classes; ++c) d[c] += p[c] * scale;
          } else {
#pragma omp simd
            for (std::int64_t c = 0; c < classes; ++c) d[c] = p[c] * scale;
          }
          d[targets[r]] -= scale;
        }
      },
      8);
}

void CpuKernels::sgd_momentum(float* param, const float* grad, float* velocity, std::int64_t n, float lr,
                              float momentum) {
  pool_->parallel_for(
      n,
      [&](std::int64_t i0, std::int64_t i1, int) {
        float* __restrict p = param;
        float* __restrict v = velocity;
        const float* __restrict g = grad;
#pragma omp simd
        for (std::int64_t i = i0; i < i1; ++i) {
          v[i] = momentum * v[i] + g[i];
          p[i] -= lr * v[i];
        }
      },
      65536);
}

void CpuKernels::adamw(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  const float decay = 1.0f - s.lr * s.weight_decay;
  const float step = s.lr / s.bias_correction1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(s.bias_correction2);
  pool_->parallel_for(
      n,
      [&](std::int64_t i0, std::int64_t i1, int) {
        adamw_range(param, m, v, grad, i0, i1, s.beta1, s.beta2, s.eps, decay, step, inv_sqrt_bc2);
      },
      65536);
}

}  // namespace dpcast::real::cpu
