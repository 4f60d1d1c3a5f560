#include "dpcast/real/cpu/peak.hpp"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace dpcast::real::cpu {
namespace {

using Clock = std::chrono::steady_clock;

// Each loop runs 12 independent FMA chains in registers (enough to cover the FMA latency on
// two pipes) and returns a value that depends on all of them, so nothing is optimised away.
// The chains are named variables, not an array: GCC kept an array in memory.
#define DPCAST_TWELVE(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) float fma_avx512(long iterations, double& flops) {
#define DECLARE(i) __m512 c##i = _mm512_set1_ps(0.001f * (i));
#define STEP(i) c##i = _mm512_fmadd_ps(c##i, a, b);
#define SUM(i) sum = _mm512_add_ps(sum, c##i);
  DPCAST_TWELVE(DECLARE)
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long n = 0; n < iterations; ++n) {
    DPCAST_TWELVE(STEP)
  }
  __m512 sum = _mm512_setzero_ps();
  DPCAST_TWELVE(SUM)
#undef DECLARE
#undef STEP
#undef SUM
  alignas(64) float out[16];
  _mm512_store_ps(out, sum);
  flops = static_cast<double>(iterations) * 12 * 16 * 2;
  return out[0] + out[15];
}

__attribute__((target("avx2,fma"))) float fma_avx2(long iterations, double& flops) {
#define DECLARE(i) __m256 c##i = _mm256_set1_ps(0.001f * (i));
#define STEP(i) c##i = _mm256_fmadd_ps(c##i, a, b);
#define SUM(i) sum = _mm256_add_ps(sum, c##i);
  DPCAST_TWELVE(DECLARE)
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long n = 0; n < iterations; ++n) {
    DPCAST_TWELVE(STEP)
  }
  __m256 sum = _mm256_setzero_ps();
  DPCAST_TWELVE(SUM)
#undef DECLARE
#undef STEP
#undef SUM
  alignas(32) float out[8];
  _mm256_store_ps(out, sum);
  flops = static_cast<double>(iterations) * 12 * 8 * 2;
  return out[0] + out[7];
}

float mul_add_sse(long iterations, double& flops) {
#define DECLARE(i) __m128 c##i = _mm_set1_ps(0.001f * (i));
#define STEP(i) c##i = _mm_add_ps(_mm_mul_ps(c##i, a), b);
#define SUM(i) sum = _mm_add_ps(sum, c##i);
  DPCAST_TWELVE(DECLARE)
  const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  for (long n = 0; n < iterations; ++n) {
    DPCAST_TWELVE(STEP)
  }
  __m128 sum = _mm_setzero_ps();
  DPCAST_TWELVE(SUM)
#undef DECLARE
#undef STEP
#undef SUM
  alignas(16) float out[4];
  _mm_store_ps(out, sum);
  flops = static_cast<double>(iterations) * 12 * 4 * 2;
  return out[0] + out[3];
}

#undef DPCAST_TWELVE

}  // namespace

double measure_peak_flops() {
  __builtin_cpu_init();
  auto kernel = __builtin_cpu_supports("avx512f")                                 ? fma_avx512
                : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? fma_avx2
                                                                                  : mul_add_sse;
  double best = 0;
  volatile float sink = 0;
  for (int run = 0; run < 5; ++run) {
    double flops = 0;
    const long iterations = 2'000'000;  // ~50 ms at 100 GFLOP/s with AVX-512
    const auto t0 = Clock::now();
    sink = sink + kernel(iterations, flops);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, flops / s);
  }
  return best;
}

double measure_memory_bandwidth() {
  const std::size_t n = (32u << 20) / sizeof(float);
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
  const float s = 3.0f;
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = Clock::now();
    float* __restrict pa = a.data();
    const float* __restrict pb = b.data();
    const float* __restrict pc = c.data();
    for (std::size_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 3.0 * static_cast<double>(n * sizeof(float)) / seconds);
  }
  volatile float sink = a[n / 2];
  (void)sink;
  return best;
}

}  // namespace dpcast::real::cpu
