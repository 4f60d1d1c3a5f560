// Synthetic data: a pure function of the seed and the global sample index, so ranks shard it
// without talking, and a task on which the loss can fall.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/synthetic_data.hpp"

namespace dpcast::real {
namespace {

models::ModelGraph tiny_gpt(std::int64_t vocab = 50) {
  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.vocab = vocab;
  c.d_model = 8;
  c.layers = 1;
  c.heads = 2;
  c.ffn = 16;
  c.max_seq_len = 32;
  return models::build_transformer(c, 32);
}

TEST(SyntheticData, SampleIndexShardsTheGlobalBatch) {
  // Step t, micro-step a, rank r, sample i: ((t A + a) N + r) b + i.
  EXPECT_EQ(SyntheticData::sample_index(3, 1, 2, 1, 4, 8, 5), ((3 * 2 + 1) * 4 + 1) * 8 + 5);
  // N ranks x b cover exactly what 1 rank x N b covers, for every step.
  for (int t = 0; t < 3; ++t) {
    std::set<std::int64_t> sharded, whole;
    for (int r = 0; r < 4; ++r)
      for (int i = 0; i < 2; ++i) sharded.insert(SyntheticData::sample_index(t, 0, 1, r, 4, 2, i));
    for (int i = 0; i < 8; ++i) whole.insert(SyntheticData::sample_index(t, 0, 1, 0, 1, 8, i));
    EXPECT_EQ(sharded, whole);
  }
}

TEST(SyntheticData, ASampleDependsOnlyOnItsIndex) {
  const auto g = models::build_mlp({"m", {6, 10, 4}});
  const GraphPlan plan(g);
  const SyntheticData data(plan, 7);
  const Batch all = data.batch(10, 4);
  const Batch first = data.batch(10, 2), second = data.batch(12, 2);
  std::vector<float> joined = first.features;
  joined.insert(joined.end(), second.features.begin(), second.features.end());
  EXPECT_EQ(all.features, joined);
  EXPECT_EQ(all.targets,
            (std::vector<std::int32_t>{first.targets[0], first.targets[1], second.targets[0], second.targets[1]}));
  EXPECT_NE(SyntheticData(plan, 8).batch(10, 4).features, all.features) << "the seed matters";
}

TEST(SyntheticData, TeacherLabelsUseEveryClass) {
  const auto g = models::build_mlp({"m", {16, 4}});
  const GraphPlan plan(g);
  const Batch b = SyntheticData(plan, 1).batch(0, 400);
  std::map<std::int32_t, int> count;
  for (auto t : b.targets) ++count[t];
  EXPECT_EQ(count.size(), 4u);
  for (auto [label, n] : count) EXPECT_GT(n, 40) << "class " << label;
}

TEST(SyntheticData, TokensFollowTheMarkovChain) {
  const auto g = tiny_gpt();
  const GraphPlan plan(g);
  const SyntheticData data(plan, 3);
  const Batch b = data.batch(0, 200);
  ASSERT_EQ(b.tokens.size(), 200u * 32u);
  ASSERT_EQ(b.targets.size(), b.tokens.size());
  int to_first = 0, to_likely = 0, total = 0;
  for (std::size_t s = 0; s < 200; ++s)
    for (std::size_t t = 0; t < 32; ++t) {
      const auto at = s * 32 + t;
      ASSERT_GE(b.tokens[at], 0);
      ASSERT_LT(b.tokens[at], 50);
      if (t + 1 < 32) {
        EXPECT_EQ(b.targets[at], b.tokens[at + 1]) << "targets are the next tokens";
      }
      ++total;
      to_first += b.targets[at] == data.successor(b.tokens[at], 0);
      bool likely = false;
      for (int k = 0; k < 4; ++k) likely = likely || b.targets[at] == data.successor(b.tokens[at], k);
      to_likely += likely;
    }
  // Successor 0 with probability 0.6 (a little more where successors coincide); one of the
  // four likely ones with at least 0.95.
  EXPECT_NEAR(static_cast<double>(to_first) / total, 0.6, 0.04);
  EXPECT_GT(static_cast<double>(to_likely) / total, 0.94);
}

TEST(SyntheticData, TargetsMustMatchTheLoss) {
  models::ModelGraph g(models::ModelInfo{"odd", 4});
  const auto t = g.add(models::input_layer("tokens", {4}));
  const auto e = g.add(models::embedding("wte", 4, 10, 3), {t});
  g.add(models::loss("loss", 4, 3), {e});
  const GraphPlan plan(g);
  try {
    (void)SyntheticData(plan, 1);
    FAIL() << "no error";
  } catch (const Error& err) {
    EXPECT_STREQ(err.what(),
                 "loss 'loss' predicts 3 classes at 4 positions; next-token targets need the vocabulary "
                 "(10) at each of the 4 positions");
  }
}

}  // namespace
}  // namespace dpcast::real
