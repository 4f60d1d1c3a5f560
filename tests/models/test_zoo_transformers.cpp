// The transformer and MLP models of the zoo against published parameter counts. Every
// expected count was recomputed independently from the architecture (Python arithmetic):
//   GPT-2 / GPT-3: V*d + P*d + L*(12*d^2 + 13*d) + 2*d   (tied LM head, learned positions P)
//   Llama 2:       2*V*d + L*(2*d^2 + 2*d*kv_dim + 3*d*ffn + 2*d) + d   (untied head, RMSNorm)
//   BERT-large:    (V + 512 + 2)*d + 2*d + L*(12*d^2 + 13*d) + d^2 + d   (HF BertModel)
// and agrees with the published figures (Hugging Face num_parameters(); Llama 2 model cards).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::models {
namespace {

std::int64_t params_of(const std::string& name) {
  return build_zoo_model(name).total_params();
}

TEST(ZooTransformers, Gpt2ParameterCounts) {
  // Hugging Face gpt2, gpt2-medium, gpt2-large, gpt2-xl: model.num_parameters().
  EXPECT_EQ(params_of("gpt2-small"), 124'439'808);
  EXPECT_EQ(params_of("gpt2-medium"), 354'823'168);
  EXPECT_EQ(params_of("gpt2-large"), 774'030'080);
  EXPECT_EQ(params_of("gpt2-xl"), 1'557'611'200);
}

TEST(ZooTransformers, Gpt3ParameterCount) {
  const std::int64_t d = 12288;
  const std::int64_t expected = 50257 * d + 2048 * d + 96 * (12 * d * d + 13 * d) + 2 * d;
  ASSERT_EQ(expected, 174'604'259'328);                    // the formula, worked out by hand
  const ModelGraph g = build_zoo_model("gpt3-175b", 128);  // parameters do not depend on seq_len
  EXPECT_EQ(g.total_params(), expected);
  EXPECT_NEAR(static_cast<double>(g.total_params()), 175e9, 0.005 * 175e9);  // "175B" (Brown et al. 2020)
}

TEST(ZooTransformers, Llama2ParameterCounts) {
  // Meta's Llama 2 checkpoints (Hugging Face meta-llama/Llama-2-*-hf num_parameters()).
  EXPECT_EQ(build_zoo_model("llama2-7b", 16).total_params(), 6'738'415'616);
  EXPECT_EQ(build_zoo_model("llama2-13b", 16).total_params(), 13'015'864'320);
  // 70B uses grouped-query attention: 64 query heads, 8 KV heads of 128 (K and V are 8192 x 1024).
  EXPECT_EQ(build_zoo_model("llama2-70b", 16).total_params(), 68'976'648'192);
}

TEST(ZooTransformers, Llama2_70bHasGroupedQueryProjections) {
  const ModelGraph g = build_zoo_model("llama2-70b", 16);
  for (LayerId v = 0; v < g.size(); ++v) {
    if (g.layer(v).name != "h0.attn.qkv") continue;
    EXPECT_EQ(g.layer(v).output_shape, (Shape{16, 8192 + 2 * 8 * 128}));
    EXPECT_EQ(g.layer(v).params, 8192 * (8192 + 2 * 1024));  // no biases
    return;
  }
  FAIL() << "no layer h0.attn.qkv";
}

TEST(ZooTransformers, BertLargeParameterCount) {
  // Hugging Face bert-large-uncased as BertModel (encoder + pooler, no MLM head).
  EXPECT_EQ(params_of("bert-large"), 335'141'888);
}

TEST(ZooTransformers, DefaultMlpParameterCount) {
  // 1024*4096 + 4096 + 4096*4096 + 4096 + 4096*1024 + 1024.
  EXPECT_EQ(params_of("mlp"), 25'175'040);
  EXPECT_EQ(default_mlp().widths, (std::vector<std::int64_t>{1024, 4096, 4096, 1024}));
}

TEST(ZooTransformers, Gpt2SmallForwardFlopsFollowTheConventions) {
  const std::int64_t s = 1024, d = 768, h = 12, v = 50257, layers = 12;
  const ModelGraph g = build_zoo_model("gpt2-small", s);
  EXPECT_EQ(g.info().seq_len, s);
  const double sd = static_cast<double>(s * d);

  // Matrix part: GEMMs 2*s*in*out over the weights of the 12 blocks' linears (qkv 3d^2,
  // proj d^2, fc 4d^2, mlp.proj 4d^2 = 12 d^2 per block) and the LM head (d*V); attention
  // products 4*s^2*d per block.
  const double gemms = 2.0 * s * static_cast<double>(layers * 12 * d * d + d * v);
  const double products = static_cast<double>(layers) * 4.0 * s * s * d;
  double matrix = 0;
  double attention_cores = 0;
  for (LayerId id = 0; id < g.size(); ++id) {
    const Layer& l = g.layer(id);
    if (l.kind == LayerKind::Linear) matrix += l.forward_flops;
    if (l.kind == LayerKind::Attention) attention_cores += l.forward_flops;
  }
  EXPECT_EQ(matrix, gemms);
  const double softmax = static_cast<double>(layers) * 5.0 * h * s * s;
  EXPECT_EQ(attention_cores, products + softmax);
  EXPECT_EQ(gemms + products, 291'648'307'200.0);  // worked out by hand

  // Element-wise: embedding add 1*s*d; per block 2 LayerNorms 5*s*d, 2 adds s*d, GELU 8*s*4d;
  // final LayerNorm 5*s*d; loss 5*s*V. Embedding lookups cost nothing forward.
  const double elementwise = sd + layers * (2 * 5 * sd + 2 * sd + 8.0 * s * 4 * d) + 5 * sd + 5.0 * s * v;
  EXPECT_EQ(elementwise, 677'270'528.0);
  EXPECT_EQ(g.forward_flops_per_sample(), gemms + products + softmax + elementwise);
  EXPECT_EQ(g.forward_flops_per_sample(), 293'080'552'448.0);
}

TEST(ZooTransformers, Gpt2TiesTheLmHeadToTheTokenEmbedding) {
  const ModelGraph g = build_zoo_model("gpt2-small", 8);
  std::int64_t head_params = -1;
  std::int64_t head_owned = -1;
  for (LayerId v = 0; v < g.size(); ++v)
    if (g.layer(v).name == "lm_head") {
      head_params = g.layer(v).params;
      head_owned = g.owned_params(v);
    }
  EXPECT_EQ(head_params, 768 * 50257);
  EXPECT_EQ(head_owned, 0);
}

TEST(ZooTransformers, ZooListsEveryModel) {
  // The zoo as the code defines it: 13 models (mlp, 9 transformers, 3 CNNs).
  const std::vector<std::string> expected{"mlp",       "gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl",
                                          "gpt3-175b", "llama2-7b",  "llama2-13b",  "llama2-70b", "bert-large",
                                          "resnet50",  "vgg16",      "inception-v3"};
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  EXPECT_EQ(names, expected);
  for (const auto& name : expected) {
    const ZooEntry* e = find_zoo_entry(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_FALSE(e->description.empty()) << name;
  }
  EXPECT_EQ(find_zoo_entry("gpt2"), nullptr);
  EXPECT_EQ(find_zoo_entry("llama2-70b")->default_seq_len, 4096);
  EXPECT_EQ(find_zoo_entry("bert-large")->default_seq_len, 512);
  EXPECT_EQ(find_zoo_entry("resnet50")->family, ModelFamily::Cnn);
  EXPECT_EQ(find_zoo_entry("inception-v3")->image_size, 299);
}

TEST(ZooTransformers, UnknownModelThrowsWithSuggestion) {
  try {
    (void)build_zoo_model("gpt2-smal");
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_STREQ(e.what(), "unknown model 'gpt2-smal' (did you mean 'gpt2-small'?)");
  }
  EXPECT_THROW((void)zoo_transformer("resnet50"), dpcast::Error);  // in the zoo, but not a transformer
}

TEST(ZooTransformers, SequenceLongerThanLearnedPositionsThrows) {
  EXPECT_NO_THROW((void)build_zoo_model("gpt2-small", 1024));
  try {
    (void)build_zoo_model("gpt2-small", 1025);
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_STREQ(e.what(), "transformer 'gpt2-small': sequence length 1025 exceeds its learned positions (1024)");
  }
  EXPECT_THROW((void)build_zoo_model("bert-large", 513), dpcast::Error);
  // Rotary positions have no table: Llama takes longer sequences than its default.
  EXPECT_EQ(build_zoo_model("llama2-7b", 8192).info().seq_len, 8192);
}

TEST(ZooTransformers, DefaultSequenceLengths) {
  EXPECT_EQ(build_zoo_model("gpt2-small").info().seq_len, 1024);
  EXPECT_EQ(build_zoo_model("bert-large").info().seq_len, 512);
  EXPECT_EQ(build_zoo_model("mlp").info().seq_len, 0);
}

// training.dropout: a dropout layer after the embeddings and on each block's two residual
// branches (GPT-2's embd, resid and mlp dropout; BERT's hidden dropout), and eager attention
// drops probabilities, keeping the dropped copy and a 1-byte mask; none without dropout.
TEST(ZooTransformers, DropoutLayersWhereGpt2AndBertHaveThem) {
  TransformerConfig c = zoo_transformer("bert-large");
  const ModelGraph plain = build_transformer(c, 128);
  c.dropout = 0.1;
  const ModelGraph dropped = build_transformer(c, 128);
  auto dropouts = [](const ModelGraph& g) {
    int n = 0;
    for (LayerId v = 0; v < g.size(); ++v) n += g.layer(v).kind == LayerKind::Dropout ? 1 : 0;
    return n;
  };
  EXPECT_EQ(dropouts(plain), 0);
  EXPECT_EQ(dropouts(dropped), 1 + 2 * 24);
  EXPECT_EQ(dropped.total_params(), plain.total_params());
  for (LayerId v = 0; v < dropped.size(); ++v)
    if (dropped.layer(v).name == "h0.attn.core") {
      EXPECT_DOUBLE_EQ(dropped.layer(v).dropout, 0.1);
      EXPECT_TRUE(dropped.layer(v).padding_mask);  // BERT adds its padding mask
    }
  // Per block: two dropouts of 128 x 1024 masks (half an element each) and, in attention,
  // the dropped probabilities and their mask (1.5 x 16 heads x 128²).
  const double block = 2 * 0.5 * 128 * 1024 + 1.5 * 16 * 128 * 128;
  EXPECT_DOUBLE_EQ(dropped.saved_elements_per_sample() - plain.saved_elements_per_sample(),
                   24 * block + 0.5 * 128 * 1024);
}

}  // namespace
}  // namespace dpcast::models
