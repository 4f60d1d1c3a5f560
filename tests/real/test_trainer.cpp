// The trainer on one rank (SelfCommunicator): the loss falls, gradient accumulation over
// micro-steps equals one larger micro-batch, initial weights do not depend on the layout,
// and every step is timed in order.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "dpcast/models/zoo.hpp"
#include "float_vectors.hpp"
#include "one_rank.hpp"

namespace dpcast::real {
namespace {

models::ModelGraph tiny_gpt() {
  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.name = "tiny-gpt";
  c.vocab = 32;
  c.d_model = 32;
  c.layers = 2;
  c.heads = 2;
  c.ffn = 64;
  c.max_seq_len = 16;
  return models::build_transformer(c, 16);
}

using test::OneRank;
using test::tiny_mlp;

TrainConfig config(models::Optimizer opt, std::int64_t micro_batch, std::int64_t accumulation, int steps) {
  TrainConfig c;
  c.optimizer = opt;
  c.micro_batch = micro_batch;
  c.accumulation = accumulation;
  c.steps = steps;
  c.warmup = 0;
  return c;
}

double mean_loss(const std::vector<StepTimes>& steps, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t t = from; t < to; ++t) s += steps[t].loss;
  return s / static_cast<double>(to - from);
}

TEST(Trainer, LossFallsOnTheTinyGpt) {
  const auto g = tiny_gpt();
  TrainConfig c = config(models::Optimizer::Adam, 8, 1, 40);
  c.lr = 3e-3f;
  OneRank run(g, c);
  const auto steps = run.trainer.run();
  const double first = steps.front().loss, last = mean_loss(steps, 35, 40);
  EXPECT_NEAR(first, std::log(32.0), 0.3) << "starts near uniform predictions";
  EXPECT_LT(last, std::log(32.0) - 1.0) << "first " << first << ", last " << last;
}

TEST(Trainer, LossFallsOnTheTinyMlp) {
  const auto g = tiny_mlp();
  OneRank run(g, config(models::Optimizer::Sgd, 32, 1, 40));
  const auto steps = run.trainer.run();
  const double first = mean_loss(steps, 0, 5), last = mean_loss(steps, 35, 40);
  EXPECT_LT(last, 0.6 * first) << "first " << first << ", last " << last;
}

using test_support::relative_difference;

// 2 micro-steps of 2 samples see the samples 1 micro-step of 4 sees: the same gradients,
// and after 3 steps the same weights. Weights are compared under SGD: Adam divides by the
// root of the second moment, so a coordinate whose gradient is zero up to round-off (the
// key biases: softmax ignores a constant added to a row of scores) moves by +-lr on noise.
void expect_accumulation_matches(const models::ModelGraph& g, models::Optimizer opt) {
  OneRank twice(g, config(opt, 2, 2, 3)), once(g, config(opt, 4, 1, 3)), half(g, config(opt, 2, 1, 3));
  (void)twice.trainer.step(0);
  (void)once.trainer.step(0);
  (void)half.trainer.step(0);
  const std::size_t n = twice.trainer.layout().total();
  const std::vector<float> g2(twice.trainer.executor().grads(), twice.trainer.executor().grads() + n);
  const std::vector<float> g1(once.trainer.executor().grads(), once.trainer.executor().grads() + n);
  const std::vector<float> gh(half.trainer.executor().grads(), half.trainer.executor().grads() + n);
  EXPECT_LT(relative_difference(g1, g2), 1e-5) << "gradients";
  EXPECT_GT(relative_difference(g1, gh), 1e-2) << "half the batch gives other gradients: the check can fail";
  for (int t = 1; t < 3; ++t) {
    (void)twice.trainer.step(t);
    (void)once.trainer.step(t);
    (void)half.trainer.step(t);
  }
  if (opt == models::Optimizer::Sgd) {
    EXPECT_LT(relative_difference(once.trainer.parameters(), twice.trainer.parameters()), 1e-5) << "weights";
    EXPECT_GT(relative_difference(once.trainer.parameters(), half.trainer.parameters()), 1e-3) << "weights";
  }
}

TEST(Trainer, AccumulatingTwoMicroStepsEqualsOneStepOfTwiceTheBatch) {
  expect_accumulation_matches(tiny_mlp(), models::Optimizer::Sgd);
  expect_accumulation_matches(tiny_gpt(), models::Optimizer::Sgd);
  expect_accumulation_matches(tiny_gpt(), models::Optimizer::Adam);
}

TEST(Trainer, InitialWeightsDoNotDependOnBuckets) {
  const auto g = tiny_gpt();
  TrainConfig one_bucket = config(models::Optimizer::Adam, 1, 1, 1), many = one_bucket;
  many.first_bucket_bytes = 1024;
  many.bucket_bytes = 8192;
  OneRank a(g, one_bucket), b(g, many);
  ASSERT_EQ(a.trainer.layout().buckets().size(), 1u);
  ASSERT_GT(b.trainer.layout().buckets().size(), 3u);
  const auto pa = a.trainer.parameters(), pb = b.trainer.parameters();
  std::map<std::string, std::vector<float>> by_name;
  for (const ParamTensor& t : a.trainer.layout().tensors())
    by_name[t.name].assign(pa.begin() + static_cast<std::ptrdiff_t>(t.offset),
                           pa.begin() + static_cast<std::ptrdiff_t>(t.offset + t.count));
  for (const ParamTensor& t : b.trainer.layout().tensors())
    EXPECT_EQ(by_name.at(t.name), std::vector<float>(pb.begin() + static_cast<std::ptrdiff_t>(t.offset),
                                                     pb.begin() + static_cast<std::ptrdiff_t>(t.offset + t.count)))
        << t.name;
  // GPT-2 style: LayerNorm scale 1, biases 0, weights ~ N(0, 0.02), residual projections smaller.
  auto stddev = [](const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    return std::sqrt(s / static_cast<double>(v.size()));
  };
  EXPECT_EQ(by_name.at("h0.norm1.scale"), std::vector<float>(32, 1.0f));
  EXPECT_EQ(by_name.at("h0.attn.qkv.bias"), std::vector<float>(96, 0.0f));
  EXPECT_NEAR(stddev(by_name.at("h0.mlp.fc.weight")), 0.02, 0.002);
  EXPECT_NEAR(stddev(by_name.at("h0.mlp.proj.weight")), 0.02 / std::sqrt(4.0), 0.001);  // 2 blocks x 2 projections
  EXPECT_NEAR(stddev(by_name.at("wte.table")), 0.02, 0.002);
}

TEST(Trainer, MlpStartsFromPyTorchsDefaults) {
  const auto g = tiny_mlp();
  OneRank run(g, config(models::Optimizer::Sgd, 1, 1, 1));
  const auto p = run.trainer.parameters();
  for (const ParamTensor& t : run.trainer.layout().tensors()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(run.trainer.plan().node(t.node).in_cols));
    double largest = 0;
    for (std::size_t i = t.offset; i < t.offset + t.count; ++i)
      largest = std::max(largest, std::abs(static_cast<double>(p[i])));
    EXPECT_LE(largest, bound) << t.name;
    EXPECT_GT(largest, 0.8 * bound) << t.name << ": U(-1/sqrt(in), 1/sqrt(in)) reaches near its bound";
  }
}

TEST(Trainer, StepsAreTimedInOrder) {
  const auto g = tiny_gpt();
  TrainConfig c = config(models::Optimizer::Adam, 2, 2, 1);
  c.first_bucket_bytes = 4096;
  c.bucket_bytes = 16384;
  OneRank run(g, c);
  const StepTimes s = run.trainer.step(0);
  ASSERT_EQ(s.micro, 2u);
  ASSERT_EQ(s.layers, static_cast<std::size_t>(run.trainer.plan().size()));
  ASSERT_GT(s.buckets, 2u);
  for (std::size_t a = 0; a < s.micro; ++a)
    for (std::size_t i = 0; i + 1 < s.layers; ++i) {
      const std::size_t at = a * s.layers + i;
      EXPECT_LE(s.forward_begin[at], s.forward_end[at]);
      EXPECT_LE(s.forward_end[at], s.forward_begin[at + 1]) << "forward runs first to last";
      EXPECT_LE(s.backward_end[at + 1], s.backward_begin[at]) << "backward runs last to first";
    }
  EXPECT_GT(s.forward_s(), 0);
  EXPECT_GT(s.backward_s(), 0);
  EXPECT_EQ(s.backward_start_s, s.backward_begin[s.layers * 2 - 1]) << "the last micro-step's backward";
  for (std::size_t k = 0; k < s.buckets; ++k) {
    EXPECT_GE(s.bucket_ready_s[k], s.backward_start_s);
    if (k > 0) {
      EXPECT_GE(s.bucket_ready_s[k], s.bucket_ready_s[k - 1]) << "buckets fill in gradient-ready order";
    }
    EXPECT_EQ(s.bucket_start_s[k], s.bucket_ready_s[k]) << "one rank: nothing to exchange";
    EXPECT_EQ(s.bucket_end_s[k], s.bucket_ready_s[k]);
  }
  EXPECT_EQ(s.comm_total_s(), 0.0);
  EXPECT_LE(s.wait_end_s, s.optimizer_begin_s);
  EXPECT_GT(s.optimizer_s(), 0);
  EXPECT_EQ(s.step_s, s.optimizer_end_s);
  const StepTimes back = StepTimes::deserialize(s.serialize());
  EXPECT_EQ(back.serialize(), s.serialize());
  EXPECT_EQ(back.forward_s(), s.forward_s());
}

}  // namespace
}  // namespace dpcast::real
