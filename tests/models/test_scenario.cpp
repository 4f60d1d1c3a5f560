// Scenarios: defaults, sweeps, the model forms, and bad input with its exact message
// ("FILE:LINE:COL: key.path: detail"). Uses the built-in hardware catalogue.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "temp_dir.hpp"

namespace dpcast::models {
namespace {
namespace fs = std::filesystem;

using Point = std::vector<std::pair<std::string, std::string>>;

std::string error_of(const std::string& text, const std::string& file = "s.yaml") {
  try {
    (void)parse_scenarios(text, file);
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dpcast::Error thrown for:\n" << text;
  return "";
}

Scenario one(const std::string& text, const std::string& file = "s.yaml") {
  auto all = parse_scenarios(text, file);
  EXPECT_EQ(all.size(), 1u);
  return all.at(0);
}

const std::string kHeader = "model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: 1\n";  // 4 lines

// ---- Defaults and sweeps ----

TEST(Scenario, Defaults) {
  const Scenario s = one("model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: 2\n");
  EXPECT_EQ(s.name, "s");  // the file's stem
  EXPECT_EQ(s.file, "s.yaml");
  EXPECT_EQ(s.model.label, "gpt2-small");
  ASSERT_TRUE(s.model.transformer.has_value());
  EXPECT_EQ(s.cluster.node, "dgx-h100");
  EXPECT_EQ(s.cluster.gpu, "h100-sxm");  // the preset's GPU
  ASSERT_NE(s.cluster.gpu_entry, nullptr);
  EXPECT_EQ(s.cluster.gpu_entry->name, "h100-sxm");
  EXPECT_EQ(s.cluster.gpus_per_node, 8);  // the preset's
  EXPECT_EQ(s.cluster.nodes, 2);
  EXPECT_EQ(s.cluster.gpus(), 16);
  EXPECT_EQ(s.cluster.nics, 8);
  EXPECT_EQ(s.cluster.network.link, "ib-ndr");  // the preset's NIC link
  ASSERT_NE(s.cluster.nic_link, nullptr);
  EXPECT_EQ(s.cluster.nic_link->name, "ib-ndr");
  ASSERT_NE(s.cluster.intra_link, nullptr);
  EXPECT_EQ(s.cluster.intra_link->name, "nvlink4");
  EXPECT_EQ(s.cluster.network.topology, Topology::FatTree);
  EXPECT_EQ(s.cluster.network.oversubscription, 1.0);
  EXPECT_EQ(s.training.micro_batch, 1);
  EXPECT_EQ(s.training.seq_len, 0);
  EXPECT_EQ(s.seq_len(), 1024);  // the model's default
  EXPECT_EQ(s.training.grad_accumulation, 1);
  EXPECT_EQ(s.training.precision, Precision::Bf16);
  EXPECT_EQ(s.training.optimizer, Optimizer::Adam);
  EXPECT_EQ(s.data_parallel.collective, Collective::Auto);
  EXPECT_EQ(s.data_parallel.bucket_mb, 25.0);
  EXPECT_EQ(s.data_parallel.first_bucket_mb, 1.0);
  EXPECT_TRUE(s.data_parallel.overlap);
  EXPECT_EQ(s.data_parallel.zero_stage, 0);
  EXPECT_EQ(s.data_parallel.ps_servers, 0);
  EXPECT_TRUE(s.sweep_point.empty());
  EXPECT_EQ(s.where("cluster.nodes").line, 4);
  EXPECT_EQ(s.where("cluster.nodes").column, 10);
}

TEST(Scenario, EveryKeyTakesEffect) {
  const Scenario s =
      one("name: all keys\n"
          "model: gpt2-small\n"
          "cluster:\n"
          "  node: dgx-h100\n"
          "  gpus: 8\n"
          "  gpus_per_node: 4\n"
          "  network: {topology: fat-tree, link: ib-hdr, oversubscription: 2, nodes_per_leaf: 16}\n"
          "training: {micro_batch: 4, seq_len: 512, grad_accumulation: 2, precision: fp16, optimizer: sgd}\n"
          "data_parallel: {collective: ring, bucket_mb: 50, first_bucket_mb: 2, overlap: false, zero_stage: 2}\n");
  EXPECT_EQ(s.name, "all keys");
  EXPECT_EQ(s.cluster.gpus_per_node, 4);
  EXPECT_EQ(s.cluster.nodes, 2);  // 8 GPUs / 4 per node
  EXPECT_EQ(s.cluster.nics, 4);   // 8 NICs x 4/8 GPUs
  EXPECT_EQ(s.cluster.nic_link->name, "ib-hdr");
  EXPECT_EQ(s.cluster.network.oversubscription, 2.0);
  EXPECT_EQ(s.cluster.network.nodes_per_leaf, 16);
  EXPECT_EQ(s.training.micro_batch, 4);
  EXPECT_EQ(s.seq_len(), 512);
  EXPECT_EQ(s.training.grad_accumulation, 2);
  EXPECT_EQ(s.training.precision, Precision::Fp16);
  EXPECT_EQ(s.training.optimizer, Optimizer::Sgd);
  EXPECT_EQ(s.data_parallel.collective, Collective::Ring);
  EXPECT_EQ(s.data_parallel.bucket_mb, 50.0);
  EXPECT_EQ(s.data_parallel.first_bucket_mb, 2.0);
  EXPECT_FALSE(s.data_parallel.overlap);
  EXPECT_EQ(s.data_parallel.zero_stage, 2);
}

TEST(Scenario, SweepIsACartesianProductFirstKeySlowest) {
  const auto all = parse_scenarios(kHeader +
                                       "sweep:\n"
                                       "  cluster.nodes: [1, 2]\n"
                                       "  training.micro_batch: [4, 8, 16]\n",
                                   "s.yaml");
  ASSERT_EQ(all.size(), 6u);
  const int nodes[] = {1, 1, 1, 2, 2, 2};
  const int batch[] = {4, 8, 16, 4, 8, 16};
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].cluster.nodes, nodes[i]) << i;
    EXPECT_EQ(all[i].training.micro_batch, batch[i]) << i;
    EXPECT_EQ(all[i].sweep_point,
              (Point{{"cluster.nodes", std::to_string(nodes[i])}, {"training.micro_batch", std::to_string(batch[i])}}))
        << i;
  }
}

TEST(Scenario, SweepOrderFollowsTheFileNotTheAlphabet) {
  const auto all = parse_scenarios(kHeader +
                                       "sweep:\n"
                                       "  training.micro_batch: [4, 8]\n"
                                       "  cluster.nodes: [1, 2, 3]\n",
                                   "s.yaml");
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[1].sweep_point, (Point{{"training.micro_batch", "4"}, {"cluster.nodes", "2"}}));
  EXPECT_EQ(all[3].training.micro_batch, 8);
  EXPECT_EQ(all[3].cluster.nodes, 1);
}

TEST(Scenario, SweepCreatesMissingSections) {
  const auto all = parse_scenarios(kHeader + "sweep:\n  data_parallel.zero_stage: [0, 3]\n", "s.yaml");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].data_parallel.zero_stage, 0);
  EXPECT_EQ(all[1].data_parallel.zero_stage, 3);
}

TEST(Scenario, JsonIsAccepted) {
  const auto all = parse_scenarios(
      R"({"model": "gpt2-small", "cluster": {"node": "dgx-h100", "nodes": 2},
          "training": {"micro_batch": 8}, "sweep": {"data_parallel.bucket_mb": [10, 25]}})",
      "s.json");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].cluster.gpus(), 16);
  EXPECT_EQ(all[0].training.micro_batch, 8);
  EXPECT_EQ(all[0].data_parallel.bucket_mb, 10.0);
  EXPECT_EQ(all[1].data_parallel.bucket_mb, 25.0);
  EXPECT_EQ(all[0].name, "s");
}

// ---- Bad input ----

TEST(Scenario, GpusNotDivisibleByGpusPerNode) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n  gpus: 12\n"),
            "s.yaml:4:9: cluster.gpus: 12 GPUs are not divisible by 8 GPUs per node");
  EXPECT_EQ(one("model: gpt2-small\ncluster:\n  node: dgx-h100\n  gpus: 16\n").cluster.nodes, 2);
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: 1\n  gpus: 16\n"),
            "s.yaml:5:9: cluster.gpus: 16 GPUs disagree with nodes x gpus_per_node = 8");
}

// network.sharp: NCCL's CollNet on a GPU cluster; written back with the scenario (records carry
// it) and named in the network's label; a cluster without NCCL has none.
TEST(Scenario, SharpIsANetworkKeyOfGpuClusters) {
  const Scenario s = one("model: gpt2-small\ncluster: {node: dgx-a100, nodes: 4, network: {sharp: true}}\n");
  EXPECT_TRUE(s.cluster.network.sharp);
  EXPECT_NE(scenario_yaml(s).find("sharp: true"), std::string::npos) << scenario_yaml(s);
  EXPECT_TRUE(one(scenario_yaml(s)).cluster.network.sharp);
  EXPECT_FALSE(one("model: gpt2-small\ncluster: {node: dgx-a100, nodes: 4}\n").cluster.network.sharp);
  EXPECT_EQ(
      error_of("model: {zoo: mlp, widths: [8, 8]}\ncluster: {node: cpu-host, nodes: 2, network: {sharp: true}}\n"),
      "s.yaml:2:54: cluster.network.sharp: SHARP reaches training through NCCL's CollNet; cpu-core has no NCCL");
}

// A number in quotes is text: "8" is not read as 8 (YAML and JSON alike), nor '25' as 25.
TEST(Scenario, QuotedNumbersAreText) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: \"8\"\n"),
            "s.yaml:4:10: cluster.nodes: expected a positive integer, got \"8\" (a quoted string: write numbers "
            "without quotes)");
  const std::string bucket =
      error_of("model: gpt2-small\ncluster: {node: dgx-h100, nodes: 1}\ndata_parallel: {bucket_mb: '25'}\n");
  EXPECT_NE(bucket.find("data_parallel.bucket_mb: expected"), std::string::npos) << bucket;
  EXPECT_NE(bucket.find("got \"25\" (a quoted string"), std::string::npos) << bucket;
}

TEST(Scenario, NegativeNodes) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: -2\n"),
            "s.yaml:4:10: cluster.nodes: expected a positive integer, got -2");
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n"),
            "s.yaml:3:3: cluster: needs nodes (or gpus, the total GPU count)");
}

TEST(Scenario, MoreGpusPerNodeThanThePreset) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h100\n  nodes: 1\n  gpus_per_node: 16\n"),
            "s.yaml:5:18: cluster.gpus_per_node: dgx-h100 has 8 GPUs per node, got 16");
}

TEST(Scenario, UnknownModel) {
  EXPECT_EQ(error_of("model: gpt2-smal\ncluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:8: model: unknown model 'gpt2-smal' (did you mean 'gpt2-small'?)");
  EXPECT_EQ(error_of("cluster: {node: dgx-h100, nodes: 1}\n"), "s.yaml:1:1: model: required key is missing");
}

TEST(Scenario, UnknownNodePreset) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster:\n  node: dgx-h10\n  nodes: 1\n"),
            "s.yaml:3:9: cluster.node: unknown node preset 'dgx-h10' (did you mean 'dgx-h100'?)");
}

TEST(Scenario, UnknownLink) {
  EXPECT_EQ(error_of(kHeader + "  network: {link: ib-nrd}\n"),
            "s.yaml:5:19: cluster.network.link: unknown link 'ib-nrd' (did you mean 'ib-ndr'?)");
}

TEST(Scenario, UnknownClusterKey) {
  // "nodez" is one edit from both "node" and "nodes"; the tie goes to the closer length.
  EXPECT_EQ(error_of(kHeader + "  nodez: 2\n"), "s.yaml:5:3: cluster.nodez: unknown key (did you mean 'nodes'?)");
  EXPECT_EQ(error_of(kHeader + "trainig:\n  micro_batch: 2\n"),
            "s.yaml:5:1: trainig: unknown key (did you mean 'training'?)");
}

TEST(Scenario, UnknownSweepKey) {
  EXPECT_EQ(error_of(kHeader + "sweep:\n  training.micro_bach: [1, 2]\n"),
            "s.yaml:6:3: sweep.training.micro_bach: unknown key (did you mean 'training.micro_batch'?)");
  EXPECT_EQ(error_of(kHeader + "sweep:\n  cluster.nodes: 4\n"),
            "s.yaml:6:18: sweep.cluster.nodes: expected a list, got 4");
}

TEST(Scenario, SweepIsCountedBeforeItExpands) {
  const std::string text = kHeader + "sweep:\n  cluster.nodes: [1, 2, 4]\n  training.micro_batch: [1, 2]\n";
  EXPECT_EQ(parse_scenarios(text, "s.yaml", Catalogue::builtin(), 6).size(), 6U);
  try {
    (void)parse_scenarios(text, "s.yaml", Catalogue::builtin(), 5);
    ADD_FAILURE() << "a sweep beyond the limit expanded";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "s.yaml:6:3: sweep: 3 x 2 = 6 configurations, more than the limit of 5; sweep less, or raise the "
                 "limit (--max-configurations N)");
  }
}

TEST(Scenario, InvalidSweepValuePointsAtTheListItem) {
  EXPECT_EQ(error_of(kHeader + "sweep:\n"
                               "  cluster.nodes:\n"
                               "    - 1\n"
                               "    - -2\n"),
            "s.yaml:8:7: cluster.nodes: expected a positive integer, got -2");
  // The first point (fp32) is valid; the second is not, and the error points at it.
  EXPECT_EQ(error_of(kHeader + "sweep:\n  training.precision: [fp32, bf61]\n"),
            "s.yaml:6:30: training.precision: expected one of fp32, tf32, bf16, fp16, got bf61 (did you mean "
            "'bf16'?)");
}

TEST(Scenario, MemoryFormat) {
  EXPECT_EQ(
      error_of("model: resnet50\ncluster: {node: dgx-a100, nodes: 1}\ntraining:\n  memory_format: nhwc\n"),
      "s.yaml:4:18: training.memory_format: expected one of nchw, channels_last, got nhwc (NHWC is channels_last)");
  EXPECT_EQ(
      error_of("model: resnet50\ncluster: {node: dgx-a100, nodes: 1}\ntraining:\n  memory_format: nhcw\n"),
      "s.yaml:4:18: training.memory_format: expected one of nchw, channels_last, got nhcw (did you mean 'nchw'?)");
  const Scenario s =
      one("model: resnet50\ncluster: {node: dgx-a100, nodes: 1}\ntraining: {memory_format: channels_last}\n");
  EXPECT_EQ(s.training.memory_format, MemoryFormat::ChannelsLast);
  EXPECT_NE(scenario_yaml(s).find("memory_format: channels_last"), std::string::npos);
  EXPECT_EQ(one("model: resnet50\ncluster: {node: dgx-a100, nodes: 1}\n").training.memory_format, MemoryFormat::Nchw);
}

TEST(Scenario, ExecutionAndFusedKernels) {
  const std::string llama = "model: llama2-7b\ncluster: {node: dgx-a100, nodes: 1}\ntraining:\n";
  const Scenario eager = one(llama);
  EXPECT_EQ(eager.training.execution, Execution::Eager);
  EXPECT_TRUE(eager.training.fused().empty());
  const Scenario compiled = one(llama + "  execution: compiled\n");
  EXPECT_EQ(compiled.training.fused(), (std::set<FusedKernel>{FusedKernel::RmsNorm, FusedKernel::Rotary}));
  EXPECT_NE(scenario_yaml(compiled).find("execution: compiled"), std::string::npos);
  const Scenario fused = one(llama + "  fused_kernels: [rmsnorm]\n");
  EXPECT_EQ(fused.training.fused(), std::set<FusedKernel>{FusedKernel::RmsNorm});
  EXPECT_NE(scenario_yaml(fused).find("fused_kernels: [rmsnorm]"), std::string::npos);

  EXPECT_EQ(error_of(llama + "  execution: compile\n"),
            "s.yaml:4:14: training.execution: expected one of eager, compiled, got compile (torch.compile is "
            "compiled)");
  EXPECT_EQ(error_of(llama + "  fused_kernels: [rmsnorm, rmsnorm]\n"),
            "s.yaml:4:28: training.fused_kernels[1]: rmsnorm is listed twice");
  EXPECT_EQ(error_of(llama + "  fused_kernels: [swiglu]\n"),
            "s.yaml:4:19: training.fused_kernels[0]: expected one of rmsnorm, rotary, batchnorm, got swiglu");
  EXPECT_EQ(error_of(llama + "  fused_kernels: rmsnorm\n"),
            "s.yaml:4:18: training.fused_kernels: expected a list, got rmsnorm");
  const std::string gpt2 = "model: gpt2-small\ncluster: {node: dgx-a100, nodes: 1}\ntraining:\n";
  EXPECT_EQ(error_of(gpt2 + "  fused_kernels: [rotary]\n"),
            "s.yaml:4:19: training.fused_kernels[0]: gpt2-small has no rotary embedding");
  EXPECT_EQ(error_of(gpt2 + "  fused_kernels: [rmsnorm]\n"),
            "s.yaml:4:19: training.fused_kernels[0]: gpt2-small has no RMSNorm");
  EXPECT_EQ(error_of(gpt2 + "  fused_kernels: [batchnorm]\n"),
            "s.yaml:4:19: training.fused_kernels[0]: gpt2-small has no BatchNorm");
  const Scenario resnet =
      one("model: resnet50\ncluster: {node: dgx-a100, nodes: 1}\ntraining: {fused_kernels: [batchnorm]}\n");
  EXPECT_EQ(resnet.training.fused(), std::set<FusedKernel>{FusedKernel::BatchNorm});
  EXPECT_NE(scenario_yaml(resnet).find("fused_kernels: [batchnorm]"), std::string::npos);
}

// training.optimizer_implementation: PyTorch's three ways to run the step, fused by default;
// round-trips, and PyTorch's other names for the two unfused ones are explained.
TEST(Scenario, OptimizerImplementation) {
  const std::string gpt2 = "model: gpt2-small\ncluster: {node: dgx-a100, nodes: 1}\ntraining:\n";
  EXPECT_EQ(one(gpt2).training.optimizer_implementation, OptimizerImplementation::Fused);
  EXPECT_EQ(scenario_yaml(one(gpt2)).find("optimizer_implementation"), std::string::npos);
  const Scenario loop = one(gpt2 + "  optimizer_implementation: for-loop\n");
  EXPECT_EQ(loop.training.optimizer_implementation, OptimizerImplementation::ForLoop);
  EXPECT_NE(scenario_yaml(loop).find("optimizer_implementation: for-loop"), std::string::npos);
  EXPECT_EQ(one(gpt2 + "  optimizer_implementation: foreach\n").training.optimizer_implementation,
            OptimizerImplementation::Foreach);
  EXPECT_EQ(error_of(gpt2 + "  optimizer_implementation: multi-tensor\n"),
            "s.yaml:4:29: training.optimizer_implementation: expected one of fused, foreach, for-loop, got "
            "multi-tensor (PyTorch's multi-tensor implementation is foreach)");
  EXPECT_EQ(error_of(gpt2 + "  optimizer_implementation: apex\n"),
            "s.yaml:4:29: training.optimizer_implementation: expected one of fused, foreach, for-loop, got apex");
}

TEST(Scenario, GradientCopies) {
  const std::string gpt2 = "model: gpt2-small\ncluster: {node: dgx-a100, nodes: 1}\ndata_parallel:\n";
  const Scenario ddp = one(gpt2 + "  zero_stage: 0\n");
  EXPECT_EQ(ddp.data_parallel.gradient_copies, GradientCopies::PerTensor);
  EXPECT_EQ(scenario_yaml(ddp).find("gradient_copies"), std::string::npos);
  const Scenario view = one(gpt2 + "  gradient_copies: none\n");
  EXPECT_EQ(view.data_parallel.gradient_copies, GradientCopies::None);
  EXPECT_NE(scenario_yaml(view).find("gradient_copies: none"), std::string::npos);
  EXPECT_EQ(one(gpt2 + "  gradient_copies: batched\n").data_parallel.gradient_copies, GradientCopies::Batched);
  EXPECT_EQ(error_of(gpt2 + "  zero_stage: 2\n  gradient_copies: none\n"),
            "s.yaml:5:20: data_parallel.gradient_copies: gradient copies are DDP's and Horovod's (zero_stage: 0); "
            "ZeRO stage 2 shards the gradients instead");
  EXPECT_EQ(error_of(gpt2 + "  gradient_copies: horovod\n"),
            "s.yaml:4:20: data_parallel.gradient_copies: expected one of per-tensor, batched, none, got horovod "
            "(Horovod's fusion buffer is batched)");
}

TEST(Scenario, PrecisionTheGpuLacks) {
  EXPECT_EQ(error_of("model: gpt2-small\ncluster: {node: dgx-1-v100, nodes: 1}\ntraining:\n  precision: bf16\n"),
            "s.yaml:4:14: training.precision: v100 has no bf16 support");
  EXPECT_EQ(
      one("model: gpt2-small\ncluster: {node: dgx-1-v100, nodes: 1}\ntraining: {precision: fp16}\n").training.precision,
      Precision::Fp16);
}

TEST(Scenario, DefaultPrecisionIsNeverOneTheGpuLacks) {
  // V100 has no bf16; with no precision written the scenario must not silently train in bf16
  // (the default) on it: either it picks a precision the GPU has, or it is rejected.
  std::vector<Scenario> all;
  try {
    all = parse_scenarios("model: gpt2-small\ncluster: {node: dgx-1-v100, nodes: 1}\n", "s.yaml");
  } catch (const dpcast::Error&) {
    return;  // rejected: fine
  }
  ASSERT_EQ(all.size(), 1u);
  const Scenario& s = all[0];
  EXPECT_EQ(s.cluster.gpu_entry->peak_flops.count(s.training.precision), 1u)
      << "v100 scenario runs in " << to_string(s.training.precision) << ", which v100 lacks";
}

TEST(Scenario, SeqLenOnANonSequenceModel) {
  EXPECT_EQ(error_of("model: resnet50\ncluster: {node: dgx-h100, nodes: 1}\ntraining:\n  seq_len: 128\n"),
            "s.yaml:4:12: training.seq_len: resnet50 is not a sequence model");
  EXPECT_EQ(error_of(kHeader + "training:\n  seq_len: 2048\n"),
            "s.yaml:6:12: training.seq_len: gpt2-small has learned positions for 1024 tokens, got 2048");
  EXPECT_EQ(one("model: resnet50\ncluster: {node: dgx-h100, nodes: 1}\n").seq_len(), 0);
}

TEST(Scenario, FlashAttention) {
  const Scenario s = one(kHeader + "training: {attention: flash, seq_len: 128}\n");
  EXPECT_EQ(s.training.attention, AttentionKernel::Flash);
  EXPECT_EQ(one(kHeader + "training: {attention: flash-triton, seq_len: 128}\n").model.transformer->attention,
            AttentionKernel::FlashTriton);
  const ModelGraph g = s.model.build(s.seq_len());
  bool found = false;
  for (LayerId v = 0; v < g.size(); ++v)
    if (g.layer(v).name == "h0.attn.core") {
      found = true;
      // Q, K, V (128 x 3*768) and a log-sum-exp per head and row (12 x 128): no probabilities.
      EXPECT_EQ(g.layer(v).saved_elements, 128.0 * 3 * 768 + 12.0 * 128);
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(error_of("model: resnet50\ncluster: {node: dgx-h100, nodes: 1}\ntraining: {attention: flash}\n"),
            "s.yaml:3:23: training.attention: resnet50 has no attention layers");
  EXPECT_EQ(error_of(kHeader + "training: {attention: flash2}\n"),
            "s.yaml:5:23: training.attention: expected one of eager, flash, flash1, flash-triton, got flash2 "
            "(FlashAttention-2 is flash)");
}

TEST(Scenario, Dropout) {
  const Scenario s = one(kHeader + "training: {dropout: 0.1}\n");
  EXPECT_DOUBLE_EQ(s.training.dropout, 0.1);
  EXPECT_DOUBLE_EQ(s.model.transformer->dropout, 0.1);
  EXPECT_EQ(one(kHeader).training.dropout, 0.0);
  EXPECT_EQ(error_of(kHeader + "training: {dropout: 1}\n"),
            "s.yaml:5:21: training.dropout: expected a probability in [0, 1), got 1");
  EXPECT_EQ(error_of(kHeader + "training: {dropout: -0.1}\n"),
            "s.yaml:5:21: training.dropout: expected a number of at least 0, got -0.1");
  EXPECT_EQ(error_of("model: resnet50\ncluster: {node: dgx-h100, nodes: 1}\ntraining: {dropout: 0.1}\n"),
            "s.yaml:3:21: training.dropout: resnet50 has no dropout layers (transformers only)");
}

TEST(Scenario, ZeroStage) {
  EXPECT_EQ(error_of(kHeader + "data_parallel:\n  zero_stage: 4\n"),
            "s.yaml:6:15: data_parallel.zero_stage: expected an integer from 0 to 3, got 4");
  EXPECT_EQ(error_of(kHeader + "data_parallel:\n  collective: parameter-server\n  zero_stage: 1\n"),
            "s.yaml:7:15: data_parallel.zero_stage: ZeRO shards over the data-parallel ranks; it does not combine "
            "with a parameter server");
  EXPECT_EQ(one(kHeader + "data_parallel:\n  collective: parameter-server\n  zero_stage: 0\n").data_parallel.collective,
            Collective::ParameterServer);
}

TEST(Scenario, OversubscriptionOnlyOnATreeOfSwitches) {
  EXPECT_EQ(error_of(kHeader + "  network: {topology: single-switch, oversubscription: 2}\n"),
            "s.yaml:5:56: cluster.network.oversubscription: oversubscription applies to a fat-tree or a "
            "rail-optimized network only");
  EXPECT_EQ(
      one(kHeader + "  network: {topology: rail-optimized, oversubscription: 2}\n").cluster.network.oversubscription,
      2);
}

TEST(Scenario, LeavesHoldHalfTheirPortsOfNodes) {
  // 64-port leaves: a DGX H100 (8 NICs) takes 8 ports of a fat-tree leaf, one of each rail switch.
  EXPECT_EQ(one(kHeader + "  network: {topology: fat-tree}\n").cluster.nodes_per_leaf(), 4);
  EXPECT_EQ(one(kHeader + "  network: {topology: rail-optimized}\n").cluster.nodes_per_leaf(), 32);
  EXPECT_EQ(one(kHeader + "  network: {topology: rail-optimized, switch_ports: 16}\n").cluster.nodes_per_leaf(), 8);
}

TEST(Scenario, SwitchPortsChooseTheFewestLevelsThatHoldTheNodes) {
  const std::string dgx = "model: gpt2-small\ncluster:\n  node: dgx-h100\n";
  // 16-port switches, 8 NICs a node: 1 node per leaf, 16 leaves on two levels; three levels
  // hold 8 leaves per pod x 16 pods.
  const Scenario two = one(dgx + "  nodes: 16\n  network: {switch_ports: 16}\n");
  EXPECT_EQ(two.cluster.network.levels, 2);
  EXPECT_FALSE(two.cluster.spans_pods());
  const Scenario three = one(dgx + "  nodes: 17\n  network: {switch_ports: 16}\n");
  EXPECT_EQ(three.cluster.network.levels, 3);
  EXPECT_EQ(three.cluster.leaves_per_pod(), 8);
  EXPECT_TRUE(three.cluster.spans_pods());
  EXPECT_EQ(error_of(dgx + "  nodes: 17\n  network: {switch_ports: 16, levels: 2}\n"),
            "s.yaml:5:39: cluster.network.levels: a two-level tree of 16-port switches holds at most 16 nodes of 8 "
            "NICs, got 17 (levels: 3 holds more)");
  EXPECT_EQ(error_of(dgx + "  nodes: 129\n  network: {switch_ports: 16}\n"),
            "s.yaml:5:27: cluster.network.switch_ports: a three-level tree of 16-port switches holds at most 128 "
            "nodes of 8 NICs, got 129");
  EXPECT_EQ(error_of(dgx + "  nodes: 4\n  network: {pod_oversubscription: 2}\n"),
            "s.yaml:5:35: cluster.network.pod_oversubscription: pod_oversubscription applies to a three-level "
            "tree only (levels: 3)");
}

// ---- Model forms ----

TEST(Scenario, ZooMlpWithWidths) {
  const Scenario s = one("model: {zoo: mlp, widths: [8, 16, 4]}\ncluster: {node: dgx-h100, nodes: 1}\n");
  ASSERT_TRUE(s.model.mlp.has_value());
  EXPECT_EQ(s.model.mlp->widths, (std::vector<std::int64_t>{8, 16, 4}));
  EXPECT_EQ(s.model.build(0).total_params(), 8 * 16 + 16 + 16 * 4 + 4);  // 212
  EXPECT_FALSE(s.model.is_sequence_model());
  // Without widths: the default MLP.
  EXPECT_EQ(one("model: {zoo: mlp}\ncluster: {node: dgx-h100, nodes: 1}\n").model.build(0).total_params(), 25'175'040);
}

TEST(Scenario, ZooTransformerWithOverride) {
  const Scenario s = one("model: {zoo: gpt2-small, layers: 2}\ncluster: {node: dgx-h100, nodes: 1}\n");
  ASSERT_TRUE(s.model.transformer.has_value());
  EXPECT_EQ(s.model.transformer->layers, 2);
  EXPECT_EQ(s.model.transformer->d_model, 768);  // the rest stays GPT-2 small
  // 50257*768 + 1024*768 + 2*(12*768^2 + 13*768) + 2*768
  EXPECT_EQ(s.model.build(s.seq_len()).total_params(), 53'561'088);
  EXPECT_EQ(s.seq_len(), 1024);
  EXPECT_EQ(error_of("model: {zoo: gpt2-small, layerz: 2}\ncluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:26: model.layerz: unknown key (did you mean 'layers'?)");
  EXPECT_EQ(error_of("model: {zoo: gpt2-small, heads: 7}\ncluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:33: model.heads: d_model 768 is not divisible by heads 7");
}

TEST(Scenario, ZooCnnAsAMap) {
  const Scenario s = one("model: {zoo: resnet50}\ncluster: {node: dgx-h100, nodes: 1}\n");
  EXPECT_EQ(s.model.zoo, "resnet50");
  EXPECT_EQ(s.model.build(0).total_params(), 25'557'032);  // torchvision
  EXPECT_EQ(error_of("model: {zoo: resnet5}\ncluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:14: model.zoo: unknown model 'resnet5' (did you mean 'resnet50'?)");
  EXPECT_EQ(error_of("model: {name: x}\ncluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:8: model: a model needs one of: zoo, file, template, layers");
}

TEST(Scenario, LayerListErrorPointsAtTheItem) {
  EXPECT_EQ(error_of("model:\n"
                     "  input: [3, 32, 32]\n"
                     "  layers:\n"
                     "    - {kind: linear, out: 10}\n"
                     "    - {kind: conv2d, out: 8, kernel: 3}\n"
                     "cluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:5:7: model.layers[1]: conv2d needs an image input [channels, height, width]");
  EXPECT_EQ(error_of("model:\n"
                     "  input: [3, 8, 8]\n"
                     "  layers:\n"
                     "    - {kind: conv2d, out: 8, kernel: 9}\n"
                     "cluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:4:7: model.layers[0]: kernel larger than the padded input");
  EXPECT_EQ(error_of("model:\n"
                     "  input: [4]\n"
                     "  layers:\n"
                     "    - {kind: lineer, out: 10}\n"
                     "cluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:4:14: model.layers[0].kind: expected one of linear, conv2d, embedding, relu, gelu, silu, "
            "layernorm, rmsnorm, batchnorm, maxpool, avgpool, loss, got lineer (did you mean 'linear'?)");
}

// A layer list holds at most 100,000 layers (any list, 100,000 items), a transformer 10,000
// blocks: either is predicted in a second or two; a million layers took 26 s and 2 GB.
TEST(Scenario, ModelSizeLimits) {
  const auto layer_list = [](std::size_t layers) {
    std::string text = "model:\n  input: [64]\n  layers:\n";
    for (std::size_t i = 0; i < layers; ++i) text += "    - {kind: relu}\n";
    return text + "cluster: {node: dgx-h100, nodes: 1}\n";
  };
  EXPECT_EQ(error_of(layer_list(100'001)),
            "s.yaml:4:5: model.layers: 100001 items, more than the 100000 a list may hold (the limit)");
  EXPECT_NO_THROW((void)models::parse_scenarios(layer_list(100'000), "s.yaml"));
  EXPECT_EQ(error_of("model: {template: transformer, vocab: 100, d_model: 64, heads: 1, layers: 10001}\n"
                     "cluster: {node: dgx-h100, nodes: 1}\n"),
            "s.yaml:1:75: model.layers: expected at most 10000, got 10001");
}

TEST(Scenario, LayerListBatchNormAfterALinearNormalisesItsFeatures) {
  // BatchNorm1d(8) after Linear(16, 8) has 2 x 8 parameters (PyTorch).
  const Scenario s =
      one("model:\n"
          "  input: [16]\n"
          "  layers:\n"
          "    - {kind: linear, out: 8}\n"
          "    - {kind: batchnorm}\n"
          "    - {kind: relu}\n"
          "    - {kind: linear, out: 4}\n"
          "cluster: {node: dgx-h100, nodes: 1}\n");
  EXPECT_EQ(s.model.build(0).total_params(), (16 * 8 + 8) + 2 * 8 + (8 * 4 + 4));  // 188
}

// ---- Model files, relative to the scenario file ----

class ModelFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "models");
    scenario_ = (dir_ / "s.yaml").string();
  }
  std::string write(const std::string& relative, const std::string& text) { return temp_.write(relative, text); }
  // A scenario (not written to disk) in dir_ whose model is {file: `model_file`}.
  Scenario with_model_file(const std::string& model_file) {
    return one("model: {file: " + model_file + "}\ncluster: {node: dgx-h100, nodes: 1}\n", scenario_);
  }
  test_support::TempDir temp_{"dpcast-scenario"};
  const fs::path& dir_ = temp_.path();
  std::string scenario_;
};

TEST_F(ModelFiles, TransformerTemplate) {
  write("models/tiny.yaml",
        "template: transformer\n"
        "name: tiny\n"
        "vocab: 100\n"
        "d_model: 16\n"
        "layers: 2\n"
        "heads: 4\n"
        "max_seq_len: 32\n");
  const Scenario s = with_model_file("models/tiny.yaml");
  EXPECT_EQ(s.model.label, "tiny");
  ASSERT_TRUE(s.model.transformer.has_value());
  EXPECT_EQ(s.model.transformer->ffn, 64);  // default 4 * d_model
  EXPECT_EQ(s.seq_len(), 32);               // default: min(1024, max_seq_len)
  const ModelGraph g = s.model.build(s.seq_len());
  // GPT-2 layout with tied head: 100*16 + 32*16 + 2*(12*16^2 + 13*16) + 2*16 = 8,704.
  EXPECT_EQ(g.total_params(), 8'704);
  EXPECT_EQ(g.info().seq_len, 32);
}

TEST_F(ModelFiles, LlamaStyleTransformerTemplate) {
  write("models/gqa.yaml",
        "template: transformer\n"
        "vocab: 64\n"
        "d_model: 32\n"
        "layers: 1\n"
        "heads: 4\n"
        "kv_heads: 2\n"
        "ffn: 48\n"
        "ffn_kind: swiglu\n"
        "norm: rmsnorm\n"
        "bias: false\n"
        "tied_embeddings: false\n"
        "positions: rotary\n"
        "seq_len: 16\n");
  const Scenario s = with_model_file("models/gqa.yaml");
  EXPECT_EQ(s.model.label, "custom-transformer");
  // 2*64*32 (embedding + head) + q,o 2*32^2 + k,v 2*32*16 + 3*32*48 + 2 norms 2*32 + final norm 32.
  EXPECT_EQ(s.model.build(s.seq_len()).total_params(), 4096 + 2048 + 1024 + 4608 + 64 + 32);
}

TEST_F(ModelFiles, MlpTemplate) {
  write("models/mlp.yaml", "template: mlp\nwidths: [4, 8, 2]\n");
  const Scenario s = with_model_file("models/mlp.yaml");
  EXPECT_EQ(s.model.label, "custom-mlp");
  EXPECT_EQ(s.model.build(0).total_params(), 4 * 8 + 8 + 8 * 2 + 2);  // 58
}

TEST_F(ModelFiles, LayerList) {
  write("models/cnn.yaml",
        "name: small-cnn\n"
        "input: [3, 32, 32]\n"
        "layers:\n"
        "  - {kind: conv2d, out: 8, kernel: 3, pad: 1}\n"
        "  - {kind: batchnorm}\n"
        "  - {kind: relu}\n"
        "  - {kind: maxpool, kernel: 2}\n"
        "  - {kind: linear, out: 10}\n");
  const Scenario s = with_model_file("models/cnn.yaml");
  EXPECT_EQ(s.model.label, "small-cnn");
  EXPECT_FALSE(s.model.is_sequence_model());
  const ModelGraph g = s.model.build(0);
  ASSERT_EQ(g.size(), 7u);  // input, 5 layers, the loss appended
  // conv 8*3*9 + 8 = 224; batchnorm 2*8 = 16; linear on 8x16x16 = 2048 features: 2048*10 + 10.
  EXPECT_EQ(g.total_params(), 224 + 16 + 20'490);
  const Layer& last = g.layer(g.forward_order().back());
  EXPECT_EQ(last.kind, LayerKind::Loss);
  EXPECT_EQ(last.input_shape, (Shape{1, 10}));
  EXPECT_EQ(g.layer(3).output_shape, (Shape{8, 32, 32}));  // relu2
  EXPECT_EQ(g.layer(4).output_shape, (Shape{8, 16, 16}));  // maxpool3, stride = kernel
}

TEST_F(ModelFiles, SequenceLayerList) {
  write("models/seq.yaml",
        "input: [32]\n"
        "layers:\n"
        "  - {kind: embedding, vocab: 100, out: 16}\n"
        "  - {kind: layernorm}\n"
        "  - {kind: linear, out: 100, bias: false}\n"
        "  - {kind: loss}\n");
  const Scenario s = with_model_file("models/seq.yaml");
  EXPECT_TRUE(s.model.is_sequence_model());
  EXPECT_EQ(s.seq_len(), 32);
  const ModelGraph g = s.model.build(s.seq_len());
  EXPECT_EQ(g.total_params(), 100 * 16 + 2 * 16 + 16 * 100);
  EXPECT_EQ(g.size(), 5u);  // the explicit loss is not doubled
}

TEST_F(ModelFiles, LayerListErrorPointsIntoTheModelFile) {
  const std::string file = write("models/bad.yaml",
                                 "input: [3, 32, 32]\n"
                                 "layers:\n"
                                 "  - {kind: linear, out: 10}\n"
                                 "  - {kind: conv2d, out: 8, kernel: 3}\n");
  try {
    (void)with_model_file("models/bad.yaml");
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_EQ(std::string(e.what()), file + ":4:5: layers[1]: conv2d needs an image input [channels, height, width]");
  }
}

TEST_F(ModelFiles, MissingModelFile) {
  try {
    (void)with_model_file("models/absent.yaml");
    FAIL() << "no exception";
  } catch (const dpcast::Error& e) {
    EXPECT_EQ(e.key_path(), "model.file");
    EXPECT_EQ(e.where().line, 1);
    EXPECT_EQ(e.detail(), "model file not found: " + (dir_ / "models/absent.yaml").string());
  }
}

TEST_F(ModelFiles, LoadScenariosFromDisk) {
  write("models/mlp.yaml", "template: mlp\nwidths: [4, 8, 2]\n");
  write("s.yaml", "model: {file: models/mlp.yaml}\ncluster: {node: dgx-h100, nodes: 1}\n");
  const auto all = load_scenarios(scenario_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].model.build(0).total_params(), 58);
  EXPECT_EQ(load_model_file((dir_ / "models/mlp.yaml").string()).mlp->widths, (std::vector<std::int64_t>{4, 8, 2}));
  EXPECT_THROW((void)load_scenarios((dir_ / "absent.yaml").string()), dpcast::Error);
}

TEST(Scenario, ScenarioKeysAreSweepable) {
  const auto& keys = scenario_keys();
  for (const char* key : {"cluster.nodes", "training.micro_batch", "data_parallel.bucket_mb", "cluster.network.link"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
}

TEST(Scenario, WiderZooModelKeepsItsFeedForwardRatio) {
  // GPT-2 has ffn = 4 d; Llama 2 7B 11008 / 4096 = 2.6875 d.
  EXPECT_EQ(one("model: {zoo: gpt2-small, d_model: 1024, heads: 16}\ncluster: {node: dgx-h100, nodes: 1}\n")
                .model.transformer->ffn,
            4096);
  EXPECT_EQ(one("model: {zoo: llama2-7b, d_model: 8192, heads: 64}\ncluster: {node: dgx-h100, nodes: 1}\n")
                .model.transformer->ffn,
            22016);
  EXPECT_EQ(one("model: {zoo: gpt2-small, d_model: 1024, heads: 16, ffn: 1000}\ncluster: {node: dgx-h100, nodes: 1}\n")
                .model.transformer->ffn,
            1000);
  EXPECT_EQ(one("model: {zoo: mlp, name: my-mlp}\ncluster: {node: dgx-h100, nodes: 1}\n").model.label, "my-mlp");
}

}  // namespace
TEST(Scenario, TextThatIsNotUtf8IsRefusedWhereItIs) {
  // A Latin-1 name (é as the single byte 0xE9) would break every JSON record written later.
  EXPECT_EQ(error_of("name: caf\xe9\n" + kHeader), "s.yaml:1:10: not UTF-8 text (byte 0xE9); save the file as UTF-8");
  EXPECT_EQ(one("name: caf\xc3\xa9\n" + kHeader).name, "caf\xc3\xa9");  // the same in UTF-8
  // Overlong forms, surrogates, a sequence cut short: refused, on their own line.
  EXPECT_EQ(error_of(kHeader + "name: a\xc0\x80\n"), "s.yaml:5:8: not UTF-8 text (byte 0xC0); save the file as UTF-8");
  EXPECT_EQ(error_of(kHeader + "name: \xed\xa0\x80\n"),
            "s.yaml:5:7: not UTF-8 text (byte 0xED); save the file as UTF-8");
  EXPECT_EQ(error_of(kHeader + "name: x\xf0\x9f"), "s.yaml:5:8: not UTF-8 text (byte 0xF0); save the file as UTF-8");
  EXPECT_EQ(one(kHeader + "name: \xf0\x9f\x9a\x80\n").name, "\xf0\x9f\x9a\x80");  // four bytes, U+1F680
}

}  // namespace dpcast::models
