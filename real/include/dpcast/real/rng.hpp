#pragma once
// Counter-based random numbers: every value is a pure function of a few integer keys (seed,
// tensor, element; or seed, sample, position), so every rank draws the same initial weights
// and the same sample for a given global index, in any order, without sharing a generator.
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace dpcast::real {

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A hash of several keys (order matters).
[[nodiscard]] constexpr std::uint64_t hash_keys(std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = 0x2545f4914f6cdd1dULL;
  for (std::uint64_t k : keys) h = mix64(h ^ mix64(k));
  return h;
}

/// Uniform in [0, 1) from 53 bits of a hash.
[[nodiscard]] constexpr double uniform01(std::uint64_t h) {
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

/// Standard normal (Box-Muller) keyed by `h`.
[[nodiscard]] inline double standard_normal(std::uint64_t h) {
  const double u1 = 1.0 - uniform01(mix64(h ^ 0x5851f42d4c957f2dULL));  // (0, 1]
  const double u2 = uniform01(mix64(h ^ 0x14057b7ef767814fULL));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace dpcast::real
