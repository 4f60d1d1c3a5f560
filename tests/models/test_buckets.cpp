// DDP bucketing: reverse order, first bucket cap, then the bucket cap; big tensors alone.
#include <gtest/gtest.h>

#include "dpcast/models/buckets.hpp"
#include "dpcast/models/zoo.hpp"

using namespace dpcast;

TEST(Buckets, FilledInGradientReadyOrderWithAFirstBucketCap) {
  // fc0: 100x100+100 = 10,100 params; fc1: 10,100; fc2: 100x10+10 = 1,010 (4 B each).
  const auto g = models::build_mlp({"m", {100, 100, 100, 10}});
  const auto buckets = models::make_buckets(g, 4.0, 4000.0, 50000.0);
  ASSERT_EQ(buckets.size(), 2u);
  // fc2 (4,040 B) alone reaches the 4,000 B first cap; fc1 + fc0 (80,800 B) pass 50,000 only with fc0.
  EXPECT_EQ(g.layer(buckets[0].layers.front()).name, "fc2");
  EXPECT_DOUBLE_EQ(buckets[0].bytes, 4040);
  EXPECT_EQ(buckets[1].layers.size(), 2u);
  EXPECT_EQ(g.layer(buckets[1].layers.back()).name, "fc0");
  EXPECT_DOUBLE_EQ(buckets[1].params, 20200);
}

TEST(Buckets, EveryParameterLandsInExactlyOneBucket) {
  const auto g = models::build_zoo_model("gpt2-small", 128);
  const auto buckets = models::make_buckets(g, 2.0, 1 << 20, 25 << 20);
  double params = 0;
  for (const auto& b : buckets) {
    params += b.params;
    EXPECT_DOUBLE_EQ(b.bytes, 2 * b.params);
  }
  EXPECT_DOUBLE_EQ(params, static_cast<double>(g.total_params()));
  // The tied embedding's gradient is complete only after its lookup's backward, at the very
  // end: it is in the last bucket, not with the LM head at the start.
  auto bucket_of = [&](const std::string& name) {
    for (std::size_t k = 0; k < buckets.size(); ++k)
      for (auto id : buckets[k].layers)
        if (g.layer(id).name == name) return k;
    return buckets.size();
  };
  EXPECT_GE(bucket_of("wte"), bucket_of("h0.attn.qkv"));
  EXPECT_GE(bucket_of("wte"), buckets.size() - 2);
  for (auto id : buckets.front().layers) EXPECT_NE(g.layer(id).name, "lm_head");
}
