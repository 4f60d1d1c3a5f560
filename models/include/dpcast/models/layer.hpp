#pragma once
// One layer of a model: what it is, its shapes and parameters, and what it costs.
//
// FLOP conventions (written down once; tests check them on exact numbers):
//  * A matrix product of (m x k) by (k x n) costs 2*m*n*k FLOP (one multiply and one add).
//  * Linear on m tokens, in -> out: forward 2*m*in*out. Backward of a GEMM is twice the
//    forward: input gradient 2*m*in*out, weight gradient 2*m*in*out. Bias adds and bias
//    gradients are not counted (they are O(m*out), not O(m*in*out)).
//  * Convolution: MACs = Ho*Wo*Cout*(Cin/groups)*kh*kw, FLOP = 2*MACs; backward as a GEMM.
//  * Attention core on s tokens with model width d (heads * head_dim): the score product
//    Q*K^T and the value product P*V each cost 2*s*s*d; both are counted in full (the causal
//    mask does not halve them, as in Megatron-LM's accounting). Softmax is element-wise.
//  * Element-wise layers (norms, activations, residual adds, pooling, softmax, loss) cost a
//    small constant number of FLOP per element (see flops_per_element()); they are usually
//    bound by memory traffic, which the roofline captures through bytes moved.
//  * The first layer that reads the input data computes no input gradient.
//
// Every figure below is per sample (the batch dimension is implicit); LayerCost scales it
// to a micro-batch and a precision. Bytes moved (for a roofline) are the activations read
// and written plus the parameters read; backward moves twice the forward bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/attention_kernel.hpp"
#include "dpcast/models/enum_names.hpp"

namespace dpcast::models {

enum class LayerKind {
  Input,
  Embedding,
  Linear,
  Conv2d,
  BatchNorm,
  LayerNorm,
  RmsNorm,
  Attention,  // the core: scores, softmax, values (projections are Linear layers)
  Gelu,
  Relu,
  Silu,
  Multiply,  // element-wise product (SwiGLU gate)
  Add,       // residual add
  Concat,
  MaxPool,
  AvgPool,
  Loss,     // softmax + cross-entropy
  Dropout,  // zeroes a random share of its input, scales the rest (a kept 1-byte mask)
};

template <>
struct EnumNames<LayerKind> {
  static constexpr std::array<EnumName<LayerKind>, 18> table{{
      {LayerKind::Input, "input"},
      {LayerKind::Embedding, "embedding"},
      {LayerKind::Linear, "linear"},
      {LayerKind::Conv2d, "conv2d"},
      {LayerKind::BatchNorm, "batchnorm"},
      {LayerKind::LayerNorm, "layernorm"},
      {LayerKind::RmsNorm, "rmsnorm"},
      {LayerKind::Attention, "attention"},
      {LayerKind::Gelu, "gelu"},
      {LayerKind::Relu, "relu"},
      {LayerKind::Silu, "silu"},
      {LayerKind::Multiply, "multiply"},
      {LayerKind::Add, "add"},
      {LayerKind::Concat, "concat"},
      {LayerKind::MaxPool, "maxpool"},
      {LayerKind::AvgPool, "avgpool"},
      {LayerKind::Loss, "loss"},
      {LayerKind::Dropout, "dropout"},
  }};
};
/// Matrix-product layers run on tensor cores at the precision's matrix peak; the rest run
/// at the vector (fp32) peak.
[[nodiscard]] bool is_matrix_layer(LayerKind kind);

using Shape = std::vector<std::int64_t>;  // per sample: the batch dimension is implicit

/// What one layer costs for a given micro-batch and precision.
struct LayerCost {
  double forward_flops = 0;
  double backward_input_flops = 0;
  double backward_weight_flops = 0;
  double forward_bytes = 0;     // activations read + written, parameters read
  double backward_bytes = 0;    // twice the forward bytes
  double activation_bytes = 0;  // kept from forward for backward
  [[nodiscard]] double backward_flops() const { return backward_input_flops + backward_weight_flops; }
};

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::Input;
  Shape input_shape;
  Shape output_shape;
  std::int64_t params = 0;
  // Per sample:
  double forward_flops = 0;
  double backward_input_flops = 0;
  double backward_weight_flops = 0;
  double io_elements = 0;     // activation elements read and written in forward
  double saved_elements = 0;  // activation elements kept for backward
  int block = -1;             // the repeated block (transformer layer) it belongs to, for activation checkpointing

  // What executing the layer needs besides its shapes (the real backend reads these; no FLOP
  // or byte figure depends on them, though a calibrated compute model times attention's
  // products per head). Set by the factories; `positional` by the model builder.
  /// Linear: adds a bias vector; LayerNorm/BatchNorm: has a shift (beta) besides the scale.
  bool bias = false;
  /// Embedding: the table is indexed by position (0..tokens-1), not by token id (GPT-2's wpe).
  bool positional = false;
  /// Attention: query heads, key/value heads (fewer: grouped-query) and the width of one head.
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim = 0;
  /// Attention: the kernel that runs it (eager or a fused FlashAttention), and a causal mask
  /// (decoders; BERT is not).
  AttentionKernel kernel = AttentionKernel::Eager;
  bool causal = false;
  /// Attention: the scores get a padding mask added (an encoder's batch of unequal lengths);
  /// eager attention then makes one more pass over them, as it does for a causal mask.
  bool padding_mask = false;
  /// Attention: the probability with which eager attention drops attention probabilities
  /// (a dropout kernel between softmax and the value product; fused kernels do it on chip).
  double dropout = 0;
  /// Attention: queries and keys are rotated by position first (rotary embedding, Llama).
  bool rotary = false;
  /// Attention: a fused kernel, which keeps scores and probabilities on chip.
  [[nodiscard]] bool flash() const { return kernel != AttentionKernel::Eager; }
  /// The layer whose parameters this one uses, by name (set with ModelGraph::tie: GPT-2's
  /// lm_head reads the token embedding table wte as its weight).
  std::string tied_to;

  /// Figures for a micro-batch of `micro_batch` samples; activations take
  /// `activation_bytes_per_element`, parameters `param_bytes_per_element`.
  [[nodiscard]] LayerCost cost(std::int64_t micro_batch, double activation_bytes_per_element,
                               double param_bytes_per_element) const;
};

[[nodiscard]] std::int64_t elements(const Shape& shape);
/// FLOP per element for element-wise kinds (0 for matrix kinds).
[[nodiscard]] double flops_per_element(LayerKind kind);

// ---- Factories: the one place where the conventions above become numbers. ----

/// Model input (data); no cost.
[[nodiscard]] Layer input_layer(std::string name, const Shape& shape);
/// Token lookup: `tokens` ids -> tokens x dim. Backward scatters into the table.
[[nodiscard]] Layer embedding(std::string name, std::int64_t tokens, std::int64_t vocab, std::int64_t dim);
/// y = x W^T (+ b) on `tokens` rows (1 for a plain vector per sample).
[[nodiscard]] Layer linear(std::string name, std::int64_t tokens, std::int64_t in_features, std::int64_t out_features,
                           bool bias);
/// Square-padded 2D convolution on a C x H x W input.
[[nodiscard]] Layer conv2d(std::string name, std::int64_t in_channels, std::int64_t height, std::int64_t width,
                           std::int64_t out_channels, std::int64_t kernel_h, std::int64_t kernel_w, std::int64_t stride,
                           std::int64_t pad_h, std::int64_t pad_w, bool bias, std::int64_t groups = 1);
/// Normalisations over the last dimension (LayerNorm/RmsNorm) or per channel (BatchNorm).
[[nodiscard]] Layer norm(std::string name, LayerKind kind, const Shape& shape, std::int64_t features,
                         bool affine_bias = true);
/// Element-wise layer (activation, add, multiply) on `shape`; `inputs` operands.
[[nodiscard]] Layer elementwise(std::string name, LayerKind kind, const Shape& shape, int inputs = 1);
/// Attention core for `tokens` tokens, `heads` query heads of `head_dim`, `kv_heads` key/value heads.
/// Eager attention writes the scores and probabilities to memory and keeps the probabilities
/// for backward. A FlashAttention kernel (Dao 2022, 2023) keeps neither: it saves one
/// log-sum-exp per row and recomputes Q K^T in backward (backward = 2.5x the forward products).
/// `causal`: each token attends to the ones before it only (a decoder's mask).
[[nodiscard]] Layer attention(std::string name, std::int64_t tokens, std::int64_t heads, std::int64_t kv_heads,
                              std::int64_t head_dim, AttentionKernel kernel = AttentionKernel::Eager,
                              bool causal = false);
/// Dropout on `shape`: reads its input, writes its output and a 1-byte mask, which it keeps
/// for backward (counted as half an element: exact at 16-bit precisions).
[[nodiscard]] Layer dropout(std::string name, const Shape& shape);
/// Max or average pooling; output size from kernel, stride, padding (floor, like PyTorch).
[[nodiscard]] Layer pool(std::string name, LayerKind kind, std::int64_t channels, std::int64_t height,
                         std::int64_t width, std::int64_t kernel, std::int64_t stride, std::int64_t pad);
/// Global average pooling: C x H x W -> C.
[[nodiscard]] Layer global_avg_pool(std::string name, std::int64_t channels, std::int64_t height, std::int64_t width);
/// Channel concatenation of several C_i x H x W inputs.
[[nodiscard]] Layer concat(std::string name, const std::vector<std::int64_t>& channels, std::int64_t height,
                           std::int64_t width);
/// Softmax + cross-entropy over `classes` for `tokens` positions.
[[nodiscard]] Layer loss(std::string name, std::int64_t tokens, std::int64_t classes);

/// Output spatial size of a convolution or pooling (floor division, like PyTorch).
[[nodiscard]] std::int64_t conv_out(std::int64_t size, std::int64_t kernel, std::int64_t stride, std::int64_t pad);

}  // namespace dpcast::models
