#pragma once
// Stragglers: the factor by which the slowest of N ranks stretches a step's compute.
// Each rank draws a factor with mean 1 and coefficient of variation cv (normal, clipped at
// 0.05, or lognormal); a synchronous data-parallel step waits for the largest of N draws.
#include <cstdint>
#include <vector>

#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// Expected largest of `ranks` draws, from Blom's approximation of normal order statistics:
/// E[max of N] = quantile((N - 0.375) / (N + 0.25)).
[[nodiscard]] double expected_slowest(const models::ComputeNoise& noise, int ranks);

/// One step's factors, one per rank (deterministic for a seed and step index).
[[nodiscard]] std::vector<double> draw_factors(const models::ComputeNoise& noise, int ranks, int step);

/// The inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
[[nodiscard]] double normal_quantile(double p);

}  // namespace dpcast::sim
