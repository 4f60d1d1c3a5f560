#pragma once
// The built-in model zoo and the templates custom models are made from.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/attention_kernel.hpp"
#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/model_graph.hpp"

namespace dpcast::models {

/// The feed-forward block: GELU (GPT-2, BERT) or the SwiGLU gate (Llama).
enum class FfnKind { Gelu, SwiGlu };
template <>
struct EnumNames<FfnKind> {
  static constexpr std::array<EnumName<FfnKind>, 2> table{{{FfnKind::Gelu, "gelu"}, {FfnKind::SwiGlu, "swiglu"}}};
};

/// A decoder (GPT, Llama) or encoder (BERT) transformer.
struct TransformerConfig {
  std::string name;
  std::int64_t vocab = 0;
  std::int64_t d_model = 0;
  std::int64_t layers = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // 0: same as heads; fewer: grouped-query attention
  std::int64_t ffn = 0;       // hidden width of the feed-forward block
  FfnKind ffn_kind = FfnKind::Gelu;
  LayerKind norm = LayerKind::LayerNorm;  // LayerNorm or RmsNorm
  bool bias = true;                       // biases on projections (GPT-2, BERT) or none (Llama)
  bool tied_embeddings = true;            // LM head shares the token embedding
  bool learned_positions = true;          // a learned position table (GPT-2, BERT) or rotary (Llama)
  std::int64_t max_seq_len = 1024;        // size of the learned position table
  std::int64_t default_seq_len = 1024;
  bool encoder = false;                                // BERT: token-type embeddings, post-norm, pooler, no LM head
  AttentionKernel attention = AttentionKernel::Eager;  // how attention runs (set from training.attention)
  double dropout = 0;  // dropout probability (training.dropout): embeddings, attention, residual branches
  std::int64_t token_types = 2;
};

/// A multilayer perceptron: widths[0] inputs, widths.back() classes, ReLU between.
struct MlpConfig {
  std::string name = "mlp";
  std::vector<std::int64_t> widths;
};

[[nodiscard]] ModelGraph build_transformer(const TransformerConfig& config, std::int64_t seq_len);
[[nodiscard]] ModelGraph build_mlp(const MlpConfig& config);
/// torchvision's ResNet-50 (25,557,032 parameters; about 4.1 GMAC forward at 224x224).
[[nodiscard]] ModelGraph build_resnet50(std::int64_t image_size = 224);
/// torchvision's VGG-16 (138,357,544 parameters).
[[nodiscard]] ModelGraph build_vgg16(std::int64_t image_size = 224);
/// torchvision's Inception v3 with its auxiliary classifier (27,161,264 parameters) at 299x299.
[[nodiscard]] ModelGraph build_inception_v3(std::int64_t image_size = 299);

enum class ModelFamily { Transformer, Cnn, Mlp };
template <>
struct EnumNames<ModelFamily> {
  static constexpr std::array<EnumName<ModelFamily>, 3> table{
      {{ModelFamily::Transformer, "transformer"}, {ModelFamily::Cnn, "cnn"}, {ModelFamily::Mlp, "mlp"}}};
};

struct ZooEntry {
  std::string name;
  std::string description;
  ModelFamily family = ModelFamily::Transformer;
  std::int64_t default_seq_len = 0;  // sequence models
  std::int64_t image_size = 0;       // CNNs
};

/// Every built-in model, in a stable order.
[[nodiscard]] const std::vector<ZooEntry>& zoo();
[[nodiscard]] const ZooEntry* find_zoo_entry(std::string_view name);
/// The transformer configuration of a zoo name (throws dpcast::Error if not a transformer).
[[nodiscard]] const TransformerConfig& zoo_transformer(std::string_view name);
/// Builds a zoo model. seq_len 0 means the model's default; ignored by non-sequence models.
[[nodiscard]] ModelGraph build_zoo_model(std::string_view name, std::int64_t seq_len = 0);
/// The default MLP of the zoo when no widths are given.
[[nodiscard]] MlpConfig default_mlp();

}  // namespace dpcast::models
