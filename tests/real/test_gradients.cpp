// Every supported layer's gradients (input and parameters) against central finite
// differences of the loss, and whole tiny GPT and MLP models.
//
// Tolerance: the forward runs in fp32 (the loss itself is summed in double), so a loss of
// O(1) carries a rounding error of about 1e-7 relative; a central difference with step
// h = 1e-2 divides it by 2h (~1e-5 absolute), and its truncation error is O(h^2) of the third
// derivative (~1e-4). A gradient passes when |analytic - numeric| <= 2e-3 x (largest
// gradient of its tensor) + 3e-2 x |analytic|. A wrong formula (a missing term, a wrong sign,
// scale or index) is off by O(1) relative, far above that: the Mutation tests below break
// gradients on purpose and check that this comparison fails.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dpcast/models/layer.hpp"
#include "dpcast/models/zoo.hpp"
#include "harness.hpp"

namespace dpcast::real::test {
namespace {
using models::LayerKind;
constexpr float kStep = 1e-2f;

struct Data {
  std::vector<float> features;
  std::vector<std::int32_t> tokens, targets;
};

// Fills data for `h`: normal features (kept away from 0, ReLU's kink), random tokens and targets.
Data random_data(Harness& h, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Data d;
  const std::int64_t b = h.executor.micro_batch();
  if (h.plan.tokens_in()) {
    std::uniform_int_distribution<std::int32_t> token(0, static_cast<std::int32_t>(h.plan.vocab() - 1));
    for (std::int64_t i = 0; i < b * h.plan.input_elements(); ++i) d.tokens.push_back(token(rng));
  } else {
    for (std::int64_t i = 0; i < b * h.plan.input_elements(); ++i) {
      float v = normal(rng);
      d.features.push_back(v >= 0 ? v + 0.1f : v - 0.1f);
    }
  }
  std::uniform_int_distribution<std::int32_t> cls(0, static_cast<std::int32_t>(h.plan.classes() - 1));
  for (std::int64_t i = 0; i < b * h.plan.loss_rows(); ++i) d.targets.push_back(cls(rng));
  return d;
}

void set_data(Harness& h, const Data& d) {
  if (h.plan.tokens_in())
    h.executor.set_tokens(d.tokens);
  else
    h.executor.set_features(d.features);
  h.executor.set_targets(d.targets);
}

// max over values of |analytic - numeric| / allowed (<= 1 passes), and where it is worst.
struct Check {
  double worst = 0;
  std::string where;
};

template <typename Loss>
Check compare(float* values, const std::vector<float>& analytic, std::size_t n, Loss loss, const std::string& what) {
  std::vector<double> numeric(n);
  double largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float keep = values[i];
    values[i] = keep + kStep;
    const double up = loss();
    values[i] = keep - kStep;
    const double down = loss();
    values[i] = keep;
    numeric[i] = (up - down) / (2.0 * kStep);
    largest = std::max(largest, std::abs(static_cast<double>(analytic[i])));
  }
  Check c;
  for (std::size_t i = 0; i < n; ++i) {
    const double allowed = 2e-3 * largest + 3e-2 * std::abs(static_cast<double>(analytic[i])) + 1e-7;
    const double ratio = std::abs(analytic[i] - numeric[i]) / allowed;
    if (ratio > c.worst) {
      c.worst = ratio;
      c.where = what + "[" + std::to_string(i) + "]: analytic " + std::to_string(analytic[i]) + ", numeric " +
                std::to_string(numeric[i]);
    }
  }
  return c;
}

// The analytic gradients after one backward: parameters, then (features models) the input.
struct Gradients {
  std::vector<float> params, input;
};

Gradients backward(Harness& h, const Data& d) {
  set_data(h, d);
  h.executor.forward();
  h.executor.backward(1.0f, false);
  Gradients g;
  g.params.assign(h.grads(), h.grads() + h.total());
  if (!h.plan.tokens_in()) {
    const float* dx = h.executor.input_gradient();
    g.input.assign(dx, dx + h.executor.micro_batch() * h.plan.input_elements());
  }
  return g;
}

// Every parameter tensor's and the input's gradient against finite differences; returns the
// worst ratio (<= 1 passes) and reports each failure unless `quiet`.
double check_all(Harness& h, Data d, const Gradients& g, bool quiet = false) {
  double worst = 0;
  bool nonzero = false;
  auto loss = [&] {
    set_data(h, d);
    return static_cast<double>(h.forward_loss());
  };
  for (const ParamTensor& t : h.layout.tensors()) {
    std::vector<float> analytic(g.params.begin() + static_cast<std::ptrdiff_t>(t.offset),
                                g.params.begin() + static_cast<std::ptrdiff_t>(t.offset + t.count));
    const Check c = compare(h.params() + t.offset, analytic, t.count, loss, t.name);
    if (!quiet) {
      EXPECT_LE(c.worst, 1.0) << c.where;
    }
    worst = std::max(worst, c.worst);
    for (float v : analytic) nonzero = nonzero || v != 0.0f;
  }
  if (!g.input.empty()) {
    const Check c = compare(d.features.data(), g.input, g.input.size(), loss, "input");
    if (!quiet) {
      EXPECT_LE(c.worst, 1.0) << c.where;
    }
    worst = std::max(worst, c.worst);
    for (float v : g.input) nonzero = nonzero || v != 0.0f;
  }
  if (!quiet) {
    EXPECT_TRUE(nonzero) << "every gradient is zero: the check would prove nothing";
  }
  return worst;
}

void expect_gradients_match(models::ModelGraph graph, std::int64_t batch, std::uint32_t seed = 1) {
  Harness h(std::move(graph), batch, /*input_gradient=*/true);
  h.random_params(seed);
  const Data d = random_data(h, seed + 100);
  const Gradients g = backward(h, d);
  check_all(h, d, g);
}

// ---- one layer kind at a time, between the input and the loss ----

TEST(Gradients, Loss) {
  auto g = graph_of("loss-only");
  const auto x = g.add(models::input_layer("x", {3, 5}));
  g.add(models::loss("loss", 3, 5), {x});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, LinearWithBias) {
  auto g = graph_of("linear");
  const auto x = g.add(models::input_layer("x", {3, 4}));
  const auto fc = g.add(models::linear("fc", 3, 4, 5, true), {x});
  g.add(models::loss("loss", 3, 5), {fc});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, LinearWithoutBiasOnAVector) {
  auto g = graph_of("linear-no-bias");
  const auto x = g.add(models::input_layer("x", {6}));
  const auto fc = g.add(models::linear("fc", 1, 6, 4, false), {x});
  g.add(models::loss("loss", 1, 4), {fc});
  expect_gradients_match(std::move(g), 3);
}

TEST(Gradients, LayerNorm) {
  auto g = graph_of("layernorm");
  const auto x = g.add(models::input_layer("x", {3, 6}));
  const auto n = g.add(models::norm("ln", LayerKind::LayerNorm, {3, 6}, 6), {x});
  g.add(models::loss("loss", 3, 6), {n});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, LayerNormWithoutShift) {
  auto g = graph_of("layernorm-no-shift");
  const auto x = g.add(models::input_layer("x", {2, 5}));
  const auto n = g.add(models::norm("ln", LayerKind::LayerNorm, {2, 5}, 5, false), {x});
  g.add(models::loss("loss", 2, 5), {n});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, Gelu) {
  auto g = graph_of("gelu");
  const auto x = g.add(models::input_layer("x", {10}));
  const auto a = g.add(models::elementwise("gelu", LayerKind::Gelu, {10}), {x});
  g.add(models::loss("loss", 1, 10), {a});
  expect_gradients_match(std::move(g), 3);
}

TEST(Gradients, Relu) {
  auto g = graph_of("relu");
  const auto x = g.add(models::input_layer("x", {10}));
  const auto a = g.add(models::elementwise("relu", LayerKind::Relu, {10}), {x});
  g.add(models::loss("loss", 1, 10), {a});
  expect_gradients_match(std::move(g), 3);
}

TEST(Gradients, AddOfABranchAndItsInput) {
  // x feeds both the add and the GELU: its gradient is the sum of two paths.
  auto g = graph_of("residual");
  const auto x = g.add(models::input_layer("x", {2, 5}));
  const auto a = g.add(models::elementwise("gelu", LayerKind::Gelu, {2, 5}), {x});
  const auto s = g.add(models::elementwise("add", LayerKind::Add, {2, 5}, 2), {x, a});
  g.add(models::loss("loss", 2, 5), {s});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, AddOfThree) {
  auto g = graph_of("add3");
  const auto x = g.add(models::input_layer("x", {4}));
  const auto a = g.add(models::elementwise("gelu", LayerKind::Gelu, {4}), {x});
  const auto r = g.add(models::elementwise("relu", LayerKind::Relu, {4}), {x});
  const auto s = g.add(models::elementwise("add", LayerKind::Add, {4}, 3), {x, a, r});
  g.add(models::loss("loss", 1, 4), {s});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, CausalAttention) {
  // 2 heads of 3 over 4 tokens: the input is the fused q, k, v projection.
  auto g = graph_of("attention", 4);
  const auto x = g.add(models::input_layer("qkv", {4, 18}));
  const auto a = g.add(models::attention("attn", 4, 2, 2, 3), {x});
  g.add(models::loss("loss", 4, 6), {a});
  expect_gradients_match(std::move(g), 2);
}

TEST(Gradients, TokenAndPositionEmbeddings) {
  auto g = graph_of("embeddings", 4);
  const auto tokens = g.add(models::input_layer("tokens", {4}));
  const auto wte = g.add(models::embedding("wte", 4, 7, 3), {tokens});
  models::Layer wpe = models::embedding("wpe", 4, 6, 3);
  wpe.positional = true;
  const auto pos = g.add(std::move(wpe), {tokens});
  const auto s = g.add(models::elementwise("add", LayerKind::Add, {4, 3}, 2), {wte, pos});
  g.add(models::loss("loss", 4, 3), {s});
  expect_gradients_match(std::move(g), 3);
}

// ---- whole models ----

models::TransformerConfig tiny_gpt_config() {
  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.name = "tiny-gpt";
  c.vocab = 11;
  c.d_model = 8;
  c.layers = 2;
  c.heads = 2;
  c.kv_heads = 2;
  c.ffn = 16;
  c.max_seq_len = 5;
  return c;
}

TEST(Gradients, TinyGptWithTiedEmbeddings) {
  models::ModelGraph g = models::build_transformer(tiny_gpt_config(), 5);
  Harness h(std::move(g), 2);
  ASSERT_EQ(h.plan.node(h.plan.size() - 2).name, "lm_head");
  ASSERT_EQ(h.plan.node(h.plan.size() - 2).param_owner, h.plan.index_of(1));  // wte's table
  h.random_params(3, 0.3f);
  const Data d = random_data(h, 4);
  const Gradients grads = backward(h, d);
  check_all(h, d, grads);
}

TEST(Gradients, TinyMlp) {
  Harness h(models::build_mlp({"tiny-mlp", {6, 8, 7, 5}}), 3, true);
  h.random_params(5);
  const Data d = random_data(h, 6);
  check_all(h, d, backward(h, d));
}

// ---- the check itself can fail ----

TEST(Mutation, AWrongGradientFailsTheCheck) {
  // Perturb the analytic gradient the way typical bugs would; each must be caught.
  Harness h(models::build_transformer(tiny_gpt_config(), 5), 2);
  h.random_params(7, 0.3f);
  const Data d = random_data(h, 8);
  const Gradients good = backward(h, d);
  EXPECT_LE(check_all(h, d, good, true), 1.0);
  for (const ParamTensor& t : h.layout.tensors()) {
    Gradients scaled = good, flipped = good;
    for (std::size_t i = 0; i < t.count; ++i) {
      scaled.params[t.offset + i] *= 1.25f;   // a wrong scale
      flipped.params[t.offset + i] *= -1.0f;  // a wrong sign
    }
    EXPECT_GT(check_all(h, d, scaled, true), 1.0) << t.name << " scaled by 1.25 passed";
    EXPECT_GT(check_all(h, d, flipped, true), 1.0) << t.name << " with its sign flipped passed";
  }
}

}  // namespace
}  // namespace dpcast::real::test
