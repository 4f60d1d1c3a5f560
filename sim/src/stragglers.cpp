#include "dpcast/sim/stragglers.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace dpcast::sim {
using models::ComputeNoise;

double normal_quantile(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  const double low = 0.02425;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normal_quantile(1 - p);
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

namespace {
// Lognormal with mean 1 and coefficient of variation cv: sigma² = ln(1 + cv²), mu = -sigma²/2.
double lognormal_sigma(double cv) {
  return std::sqrt(std::log1p(cv * cv));
}

double factor_at(const ComputeNoise& noise, double z) {
  if (noise.distribution == ComputeNoise::Distribution::LogNormal) {
    const double s = lognormal_sigma(noise.cv);
    return std::exp(-s * s / 2 + s * z);
  }
  return std::max(0.05, 1 + noise.cv * z);
}
}  // namespace

double expected_slowest(const ComputeNoise& noise, int ranks) {
  if (!noise.enabled() || ranks <= 1) return 1.0;  // one rank waits for nobody
  const double n = ranks;
  return factor_at(noise, normal_quantile((n - 0.375) / (n + 0.25)));
}

std::vector<double> draw_factors(const ComputeNoise& noise, int ranks, int step) {
  std::vector<double> out(static_cast<std::size_t>(ranks), 1.0);
  if (!noise.enabled()) return out;
  std::mt19937_64 rng(noise.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(step));
  std::normal_distribution<double> z(0.0, 1.0);
  for (auto& f : out) f = factor_at(noise, z(rng));
  return out;
}

}  // namespace dpcast::sim
