// Memory per GPU: activation savers (flash attention, checkpointing) against hand counts.
#include <gtest/gtest.h>

#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/memory_remedies.hpp"
#include "dpcast/sim/units.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

namespace {
// A 2-layer GPT-style transformer small enough to count by hand: d 8, 2 heads, s 4, vocab 16.

models::TransformerConfig tiny() {
  models::TransformerConfig c;
  c.name = "tiny";
  c.vocab = 16;
  c.d_model = 8;
  c.layers = 2;
  c.heads = 2;
  c.ffn = 32;
  c.max_seq_len = 4;
  c.default_seq_len = 4;
  return c;
}
}  // namespace

TEST(MemoryModel, FlashAttentionKeepsNoProbabilities) {
  auto eager = tiny();
  auto flash = tiny();
  flash.attention = models::AttentionKernel::Flash;
  const auto ge = models::build_transformer(eager, 4);
  const auto gf = models::build_transformer(flash, 4);
  // Per block, eager keeps h·s² = 2·16 = 32 probabilities; flash keeps h·s = 8 log-sum-exps.
  EXPECT_DOUBLE_EQ(ge.saved_elements_per_sample() - gf.saved_elements_per_sample(), 2 * (32 - 8));
  // Same forward FLOPs; backward recomputes Q K^T: + 0.5 · (4·s²·d) per block.
  EXPECT_DOUBLE_EQ(gf.forward_flops_per_sample(), ge.forward_flops_per_sample());
  EXPECT_DOUBLE_EQ(gf.backward_flops_per_sample() - ge.backward_flops_per_sample(), 2 * 0.5 * 4 * 16 * 8);
}

TEST(MemoryModel, CheckpointingKeepsBlockInputsAndOneBlock) {
  const auto g = models::build_transformer(tiny(), 4);
  double outside = 0, block0 = 0, block1 = 0;
  for (models::LayerId v = 0; v < g.size(); ++v) {
    const auto& l = g.layer(v);
    (l.block < 0 ? outside : l.block == 0 ? block0 : block1) += l.saved_elements;
  }
  EXPECT_GT(block0, 0);
  EXPECT_DOUBLE_EQ(block0, block1);
  // Two block inputs of s·d = 32, plus one block's full activations.
  EXPECT_DOUBLE_EQ(g.checkpointed_elements_per_sample(), outside + 2 * 32 + block0);
  EXPECT_LT(g.checkpointed_elements_per_sample(), g.saved_elements_per_sample());
}

TEST(MemoryModel, CheckpointingRecomputesEachBlockForward) {
  auto s = test_support::scenario(R"(
model: {zoo: gpt2-small, layers: 2}
cluster: {node: test-node, nodes: 1, gpus_per_node: 1}
training: {micro_batch: 2, seq_len: 64}
)");
  const auto g = s.model.build(s.seq_len());
  const auto plain = sim::AnalyticalEngine{}.predict(s, g);
  s.training.activation_checkpointing = true;
  const auto ckpt = sim::AnalyticalEngine{}.predict(s, g);
  double block_forward = 0;
  for (const auto& l : plain.layers)
    if (l.name.rfind('h', 0) == 0) block_forward += l.forward_s;
  EXPECT_NEAR(ckpt.breakdown.backward_s - plain.breakdown.backward_s, block_forward, 1e-15);
  EXPECT_DOUBLE_EQ(ckpt.breakdown.forward_s, plain.breakdown.forward_s);
  EXPECT_LT(ckpt.memory.activations_bytes, plain.memory.activations_bytes);
  EXPECT_DOUBLE_EQ(ckpt.mfu * ckpt.step_time_s, plain.mfu * plain.step_time_s);  // MFU counts model FLOPs only
}

TEST(MemoryModel, CheckpointingAndFlashAreRejectedWhereTheyMeanNothing) {
  EXPECT_THROW((void)test_support::scenario(R"(
model: resnet50
cluster: {node: test-node, nodes: 1}
training: {activation_checkpointing: true}
)"),
               Error);
  try {
    (void)test_support::scenario("model: vgg16\ncluster: {node: test-node, nodes: 1}\ntraining: {attention: flash}\n");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t.yaml:3:23: training.attention: vgg16 has no attention layers");
  }
}

// What would make it fit, each change alone and all together, with the memory each needs:
// the numbers are estimate_memory's for the changed scenario.
TEST(MemoryModel, RemediesSayWhatWouldFitWithTheirNumbers) {
  const auto s = models::parse_scenarios(
                     "model: llama2-7b\ncluster: {node: dgx-a100, nodes: 1}\ntraining: {micro_batch: 1, seq_len: "
                     "4096}\n",
                     "t.yaml")
                     .front();
  ASSERT_FALSE(sim::estimate_memory(s, s.model.build(s.seq_len())).fits());
  auto needs = [](const models::Scenario& v) {
    return sim::human_bytes(sim::estimate_memory(v, v.model.build(v.seq_len())).breakdown.total_bytes);
  };
  auto zero3 = s;
  zero3.data_parallel.zero_stage = 3;
  const std::string text = sim::memory_remedies(s);
  EXPECT_EQ(text.rfind("with training.attention: flash, ", 0), 0u) << text;
  EXPECT_NE(text.find("; with data_parallel.zero_stage: 3, " + needs(zero3) + " (fits)"), std::string::npos) << text;
  EXPECT_NE(text.find("; with training.activation_checkpointing: true, "), std::string::npos) << text;
  EXPECT_NE(text.find(" (too much)"), std::string::npos) << text;  // ZeRO-1 alone is not enough
  EXPECT_EQ(text.substr(text.rfind("; ")), "; with all of these, 15.5 GiB (fits)");
  // Nothing to offer a configuration that already has them all, on one GPU.
  auto all = models::parse_scenarios(
                 "model: llama2-7b\ncluster: {node: dgx-a100, nodes: 1, gpus_per_node: 1}\ntraining: {micro_batch: 1, "
                 "seq_len: 4096, attention: flash, activation_checkpointing: true}\n",
                 "t.yaml")
                 .front();
  EXPECT_EQ(sim::memory_remedies(all), "");
}
