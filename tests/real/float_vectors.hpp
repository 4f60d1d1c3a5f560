#pragma once
// Vectors of floats for the kernel and trainer tests: a seeded random one, and how far two
// results are apart.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace dpcast::test_support {

/// `n` draws of a normal distribution of standard deviation `scale`, the same for a seed.
inline std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

/// Largest |a - b| relative to the largest |a|.
inline double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(a[i])));
  }
  return diff / scale;
}

}  // namespace dpcast::test_support
