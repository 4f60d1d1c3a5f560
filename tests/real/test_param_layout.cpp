// ParamLayout: gradients in one flat buffer, bucket by bucket as models::make_buckets forms
// them, so each bucket is one contiguous in-place all-reduce.
#include <gtest/gtest.h>

#include "dpcast/models/buckets.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/param_layout.hpp"

namespace dpcast::real {
namespace {

models::TransformerConfig tiny() {
  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.vocab = 64;
  c.d_model = 32;
  c.layers = 3;
  c.heads = 4;
  c.ffn = 128;
  c.max_seq_len = 16;
  return c;
}

void expect_matches_make_buckets(const models::ModelGraph& g, double first, double cap) {
  const GraphPlan plan(g);
  const ParamLayout layout(plan, first, cap);
  const auto expected = models::make_buckets(g, 4.0, first, cap);
  ASSERT_EQ(layout.buckets().size(), expected.size());
  std::size_t at = 0;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const BucketSpan& b = layout.buckets()[k];
    EXPECT_EQ(b.id, static_cast<int>(k));
    EXPECT_EQ(b.offset, at) << "bucket " << k << " does not follow the previous one";
    EXPECT_EQ(b.bytes(), expected[k].bytes) << "bucket " << k;
    ASSERT_EQ(b.nodes.size(), expected[k].layers.size());
    for (std::size_t i = 0; i < b.nodes.size(); ++i)
      EXPECT_EQ(plan.node(b.nodes[i]).id, expected[k].layers[i]) << "bucket " << k << " layer " << i;
    EXPECT_EQ(layout.bucket_completed_by(b.last_node), b.id);
    EXPECT_EQ(plan.node(b.last_node).id, expected[k].layers.back());
    // Every tensor of the bucket's layers lies inside the bucket.
    for (const ParamTensor& t : layout.tensors())
      if (std::find(b.nodes.begin(), b.nodes.end(), t.node) != b.nodes.end()) {
        EXPECT_GE(t.offset, b.offset) << t.name;
        EXPECT_LE(t.offset + t.count, b.offset + b.count) << t.name;
      }
    at += b.count;
  }
  EXPECT_EQ(at, layout.total());
  EXPECT_EQ(static_cast<std::int64_t>(layout.total()), g.total_params());
  // Tensors tile the buffer without gaps or overlaps.
  std::size_t next = 0;
  for (const ParamTensor& t : layout.tensors()) {
    EXPECT_EQ(t.offset, next) << t.name;
    next = t.offset + t.count;
  }
}

TEST(ParamLayout, BucketsAreMakeBucketsContiguously) {
  const auto g = models::build_transformer(tiny(), 16);
  expect_matches_make_buckets(g, 1 << 20, 25 << 20);  // one bucket
  expect_matches_make_buckets(g, 4096, 16384);        // many
  expect_matches_make_buckets(g, 1, 1);               // one layer per bucket
  expect_matches_make_buckets(models::build_mlp({"m", {64, 128, 128, 10}}), 1024, 40000);
}

TEST(ParamLayout, TiedWeightsAreLaidOutOnce) {
  const auto g = models::build_transformer(tiny(), 16);
  const GraphPlan plan(g);
  const ParamLayout layout(plan, 1 << 20, 25 << 20);
  int head = -1, wte = -1;
  for (int i = 0; i < plan.size(); ++i) {
    if (plan.node(i).name == "lm_head") head = i;
    if (plan.node(i).name == "wte") wte = i;
  }
  for (const ParamTensor& t : layout.tensors()) EXPECT_NE(t.node, head) << "lm_head has a tensor of its own";
  ASSERT_NE(layout.find(head, TensorRole::Table), nullptr);
  EXPECT_EQ(layout.find(head, TensorRole::Table), layout.find(wte, TensorRole::Table));
  EXPECT_EQ(layout.find(wte, TensorRole::Table)->count, 64u * 32u);
}

TEST(ParamLayout, MatricesTakeWeightDecayBiasesAndNormsDoNot) {
  const auto g = models::build_transformer(tiny(), 16);
  const GraphPlan plan(g);
  const ParamLayout layout(plan, 1 << 20, 25 << 20);
  for (const ParamTensor& t : layout.tensors()) {
    const bool matrix = t.role == TensorRole::Weight || t.role == TensorRole::Table;
    EXPECT_EQ(t.decay, matrix) << t.name;
  }
}

}  // namespace
}  // namespace dpcast::real
