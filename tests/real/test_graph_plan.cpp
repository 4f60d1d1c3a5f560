// GraphPlan: the same graph the predictors time, checked for execution; what cannot run is
// an error that names the layer and its kind.
#include <gtest/gtest.h>

#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/graph_plan.hpp"

namespace dpcast::real {
namespace {
using models::LayerKind;

std::string error_of(const models::ModelGraph& g) {
  try {
    (void)GraphPlan(g);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

models::TransformerConfig small_gpt() {
  models::TransformerConfig c = models::zoo_transformer("gpt2-small");
  c.layers = 2;
  return c;
}

TEST(GraphPlan, ZooGptCarriesWhatExecutionNeeds) {
  const auto g = models::build_transformer(small_gpt(), 64);
  const GraphPlan plan(g);
  ASSERT_EQ(plan.size(), static_cast<int>(g.size()));
  for (int i = 0; i < plan.size(); ++i) EXPECT_EQ(plan.node(i).id, g.forward_order()[static_cast<std::size_t>(i)]);
  EXPECT_TRUE(plan.tokens_in());
  EXPECT_EQ(plan.vocab(), 50257);
  EXPECT_EQ(plan.input_elements(), 64);
  EXPECT_EQ(plan.loss_rows(), 64);
  EXPECT_EQ(plan.classes(), 50257);
  auto by_name = [&](const std::string& name) -> const PlanNode& {
    for (const auto& p : plan.nodes())
      if (p.name == name) return p;
    throw std::runtime_error("no layer " + name);
  };
  const PlanNode& wpe = by_name("wpe");
  EXPECT_TRUE(wpe.positional);
  EXPECT_EQ(wpe.table_rows, 1024);
  EXPECT_FALSE(by_name("wte").positional);
  EXPECT_EQ(by_name("wte").table_rows, 50257);
  const PlanNode& attn = by_name("h1.attn.core");
  EXPECT_EQ(attn.heads, 12);
  EXPECT_EQ(attn.head_dim, 64);
  EXPECT_EQ(attn.rows, 64);
  EXPECT_EQ(attn.cols, 768);
  const PlanNode& qkv = by_name("h0.attn.qkv");
  EXPECT_TRUE(qkv.bias);
  EXPECT_EQ(qkv.in_cols, 768);
  EXPECT_EQ(qkv.cols, 3 * 768);
  // The LM head reads the token embedding's table (tied) and has no bias.
  const PlanNode& head = by_name("lm_head");
  EXPECT_FALSE(head.bias);
  EXPECT_EQ(plan.node(head.param_owner).name, "wte");
  EXPECT_EQ(by_name("h0.norm1").param_owner, plan.index_of(by_name("h0.norm1").id));
  EXPECT_EQ(by_name("h0.mlp.gelu").param_owner, -1);
  EXPECT_EQ(by_name("h0.attn.add").inputs.size(), 2u);
}

TEST(GraphPlan, LayerFieldsComeFromTheFactories) {
  const auto a = models::attention("a", 16, 8, 2, 32);
  EXPECT_EQ(a.heads, 8);
  EXPECT_EQ(a.kv_heads, 2);
  EXPECT_EQ(a.head_dim, 32);
  EXPECT_TRUE(models::linear("l", 1, 4, 4, true).bias);
  EXPECT_FALSE(models::linear("l", 1, 4, 4, false).bias);
  EXPECT_TRUE(models::norm("n", LayerKind::LayerNorm, {4}, 4).bias);
  EXPECT_FALSE(models::norm("n", LayerKind::LayerNorm, {4}, 4, false).bias);
  EXPECT_FALSE(models::embedding("e", 4, 10, 3).positional);
  const auto g = models::build_transformer(small_gpt(), 8);
  for (models::LayerId v = 0; v < g.size(); ++v) {
    if (g.layer(v).name == "lm_head") {
      EXPECT_EQ(g.layer(v).tied_to, "wte");
    }
    if (g.layer(v).name == "wpe") {
      EXPECT_TRUE(g.layer(v).positional);
    }
  }
}

TEST(GraphPlan, MlpReadsFeatures) {
  const auto g = models::build_mlp({"m", {10, 20, 3}});
  const GraphPlan plan(g);
  EXPECT_FALSE(plan.tokens_in());
  EXPECT_EQ(plan.input_elements(), 10);
  EXPECT_EQ(plan.loss_rows(), 1);
  EXPECT_EQ(plan.classes(), 3);
  EXPECT_EQ(plan.node(plan.index_of(1)).kind, LayerKind::Linear);
}

TEST(GraphPlan, UnsupportedKindsNameTheLayerAndListWhatRuns) {
  EXPECT_EQ(error_of(models::build_resnet50(32)),
            "layer 'conv1' (conv2d) is not supported by the real backend, which runs input, embedding, linear, "
            "layernorm, attention, gelu, relu, add, loss");
  const std::string llama = error_of(models::build_zoo_model("llama2-7b", 16));
  EXPECT_NE(llama.find("(rmsnorm) is not supported"), std::string::npos) << llama;
}

TEST(GraphPlan, GroupedQueryAttentionIsRejected) {
  models::TransformerConfig c = small_gpt();
  c.kv_heads = 4;
  EXPECT_EQ(error_of(models::build_transformer(c, 8)),
            "layer 'h0.attn.core' (attention) uses grouped-query attention (12 query heads, 4 key/value heads); the "
            "real backend needs as many key/value heads as query heads");
}

TEST(GraphPlan, AnEncoderIsRejected) {
  // BERT's token-type table is not indexed by the token ids.
  const std::string bert = error_of(models::build_zoo_model("bert-large", 16));
  EXPECT_EQ(bert,
            "embeddings 'token_type' (2 rows) and 'wte' (30522 rows) both read the token ids; the real "
            "backend needs one vocabulary");
}

TEST(GraphPlan, ShapesMustChain) {
  models::ModelGraph g(models::ModelInfo{"bad", 0});
  const auto x = g.add(models::input_layer("x", {6}));
  const auto fc = g.add(models::linear("fc", 1, 5, 4, true), {x});
  g.add(models::loss("loss", 1, 4), {fc});
  EXPECT_EQ(error_of(g), "layer 'fc' (linear) expects 5 input elements per sample, but 'x' gives 6");
}

TEST(GraphPlan, ATiedLayerMustNameItsOwner) {
  models::ModelGraph g(models::ModelInfo{"tied", 4});
  const auto t = g.add(models::input_layer("tokens", {4}));
  const auto e = g.add(models::embedding("wte", 4, 10, 3), {t});
  const auto h = g.add(models::linear("head", 4, 3, 10, false), {e});
  g.tie(h, e);  // without Layer::tied_to
  g.add(models::loss("loss", 4, 10), {h});
  EXPECT_EQ(error_of(g),
            "layer 'head' (linear) shares parameters, but not with a layer that owns 30 (Layer::tied_to "
            "names '')");
}

TEST(GraphPlan, EveryLayerMustReachTheLoss) {
  models::ModelGraph g(models::ModelInfo{"dangling", 0});
  const auto x = g.add(models::input_layer("x", {4}));
  g.add(models::elementwise("dead", LayerKind::Relu, {4}), {x});
  g.add(models::loss("loss", 1, 4), {x});
  EXPECT_EQ(error_of(g), "layer 'dead' (relu) feeds no other layer: its output would not reach the loss");
}

}  // namespace
}  // namespace dpcast::real
