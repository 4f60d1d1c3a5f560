// Stragglers: the expected slowest of N ranks, checked against sampling; the engines feel it.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/stragglers.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

TEST(Stragglers, NormalQuantileMatchesTables) {
  EXPECT_NEAR(sim::normal_quantile(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(sim::normal_quantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(sim::normal_quantile(0.001), -3.090232306, 1e-8);
}

TEST(Stragglers, BlomsExpectedSlowestAgreesWithSampling) {
  // Measured: the mean over 400 steps of the largest of N draws, against the closed form.
  for (auto distribution : {models::ComputeNoise::Distribution::Normal, models::ComputeNoise::Distribution::LogNormal})
    for (int n : {8, 64, 1024}) {
      models::ComputeNoise noise{distribution, 0.05, 7, 20};
      double sum = 0;
      const int steps = 400;
      for (int step = 0; step < steps; ++step) {
        const auto f = sim::draw_factors(noise, n, step);
        sum += *std::max_element(f.begin(), f.end());
      }
      const double sampled_excess = sum / steps - 1;
      const double predicted_excess = sim::expected_slowest(noise, n) - 1;
      EXPECT_NEAR(predicted_excess / sampled_excess, 1.0, 0.03) << n << " ranks";
    }
}

TEST(Stragglers, DrawsHaveMeanOneAndTheirCoefficientOfVariation) {
  for (auto distribution :
       {models::ComputeNoise::Distribution::Normal, models::ComputeNoise::Distribution::LogNormal}) {
    const auto f = sim::draw_factors({distribution, 0.1, 3, 20}, 200000, 0);
    const double mean = std::accumulate(f.begin(), f.end(), 0.0) / f.size();
    double var = 0;
    for (double x : f) var += (x - mean) * (x - mean);
    EXPECT_NEAR(mean, 1.0, 0.002);
    EXPECT_NEAR(std::sqrt(var / f.size()), 0.1, 0.002);
  }
  // Deterministic for a seed and step.
  EXPECT_EQ(sim::draw_factors({models::ComputeNoise::Distribution::Normal, 0.1, 3, 20}, 4, 5),
            sim::draw_factors({models::ComputeNoise::Distribution::Normal, 0.1, 3, 20}, 4, 5));
}

TEST(Stragglers, TheAnalyticalStepWaitsForTheExpectedSlowest) {
  auto s = test_support::scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 4}
training: {micro_batch: 2, seq_len: 128, grad_accumulation: 2, compute_noise: {cv: 0.05}}
)");
  const auto graph = s.model.build(s.seq_len());
  const auto noisy = sim::AnalyticalEngine{}.predict(s, graph);
  s.training.compute_noise.cv = 0;
  const auto quiet = sim::AnalyticalEngine{}.predict(s, graph);
  const double slowest = sim::expected_slowest({models::ComputeNoise::Distribution::Normal, 0.05, 1, 20}, 16);
  EXPECT_DOUBLE_EQ(noisy.breakdown.forward_s, quiet.breakdown.forward_s);  // the mean rank
  EXPECT_NEAR(noisy.breakdown.stragglers_s, (slowest - 1) * (quiet.breakdown.forward_s + quiet.breakdown.backward_s),
              1e-12);
  EXPECT_GT(noisy.step_time_s, quiet.step_time_s);
  EXPECT_LT(noisy.scaling_efficiency, quiet.scaling_efficiency);
  EXPECT_NEAR(noisy.step_time_s,
              noisy.breakdown.forward_s + noisy.breakdown.backward_s + noisy.breakdown.stragglers_s +
                  noisy.breakdown.interference_s + noisy.breakdown.exposed_comm_s + noisy.breakdown.optimizer_s,
              1e-12);
}

TEST(Stragglers, BadNoiseIsRejected) {
  EXPECT_THROW((void)test_support::scenario("model: gpt2-small\ncluster: {node: test-node, nodes: 1}\n"
                                            "training: {compute_noise: {cv: 2}}\n"),
               Error);
  EXPECT_THROW((void)test_support::scenario("model: gpt2-small\ncluster: {node: test-node, nodes: 1}\n"
                                            "training: {compute_noise: {cv: 0.1, distribution: gamma}}\n"),
               Error);
  EXPECT_THROW((void)test_support::scenario("model: gpt2-small\ncluster: {node: test-node, nodes: 1}\n"
                                            "training: {compute_noise: {seed: 3}}\n"),
               Error);  // cv is required
}
