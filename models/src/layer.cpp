#include "dpcast/models/layer.hpp"

#include <utility>

#include "dpcast/models/error.hpp"

namespace dpcast::models {
namespace {
// Element-wise layers: forward FLOP per output element and the backward multiple.
// Counts follow the arithmetic of the usual kernels: a norm computes mean, variance,
// normalise, scale and shift (5); GELU's tanh approximation about 8; SiLU 4; ReLU, add,
// multiply and max-pool comparisons 1; softmax + cross-entropy 5 per logit.
Layer make(std::string name, LayerKind kind, Shape in, Shape out) {
  Layer l;
  l.name = std::move(name);
  l.kind = kind;
  l.input_shape = std::move(in);
  l.output_shape = std::move(out);
  return l;
}
}  // namespace

bool is_matrix_layer(LayerKind kind) {
  return kind == LayerKind::Linear || kind == LayerKind::Conv2d || kind == LayerKind::Attention;
}

double flops_per_element(LayerKind kind) {
  switch (kind) {
    case LayerKind::BatchNorm:
    case LayerKind::LayerNorm:
    case LayerKind::Loss:
      return 5;
    case LayerKind::RmsNorm:
      return 4;
    case LayerKind::Gelu:
      return 8;
    case LayerKind::Silu:
      return 4;
    case LayerKind::Relu:
    case LayerKind::Dropout:
    case LayerKind::Multiply:
    case LayerKind::Add:
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      return 1;
    default:
      return 0;
  }
}

std::int64_t elements(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return shape.empty() ? 0 : n;
}

std::int64_t conv_out(std::int64_t size, std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
  // A kernel larger than the padded input has no output (C++ division would round -1/2 to 0).
  if (size + 2 * pad < kernel || stride <= 0) return 0;
  return (size + 2 * pad - kernel) / stride + 1;
}

LayerCost Layer::cost(std::int64_t micro_batch, double activation_bytes_per_element,
                      double param_bytes_per_element) const {
  const auto b = static_cast<double>(micro_batch);
  const double p = static_cast<double>(params);
  LayerCost c;
  c.forward_flops = forward_flops * b;
  c.backward_input_flops = backward_input_flops * b;
  c.backward_weight_flops = backward_weight_flops * b;
  c.forward_bytes = io_elements * b * activation_bytes_per_element + p * param_bytes_per_element;
  c.backward_bytes = 2.0 * c.forward_bytes;
  c.activation_bytes = saved_elements * b * activation_bytes_per_element;
  return c;
}

Layer input_layer(std::string name, const Shape& shape) {
  return make(std::move(name), LayerKind::Input, shape, shape);
}

Layer embedding(std::string name, std::int64_t tokens, std::int64_t vocab, std::int64_t dim) {
  Layer l = make(std::move(name), LayerKind::Embedding, {tokens}, {tokens, dim});
  l.params = vocab * dim;
  // A gather: no arithmetic forward; backward scatter-adds one gradient per element.
  l.backward_weight_flops = static_cast<double>(tokens * dim);
  l.io_elements = static_cast<double>(tokens * dim);
  return l;
}

Layer linear(std::string name, std::int64_t tokens, std::int64_t in, std::int64_t out, bool bias) {
  Layer l = make(std::move(name), LayerKind::Linear, {tokens, in}, {tokens, out});
  l.params = in * out + (bias ? out : 0);
  l.bias = bias;
  const double gemm = 2.0 * static_cast<double>(tokens) * static_cast<double>(in) * static_cast<double>(out);
  l.forward_flops = gemm;
  l.backward_input_flops = gemm;
  l.backward_weight_flops = gemm;
  l.io_elements = static_cast<double>(tokens * (in + out));
  l.saved_elements = static_cast<double>(tokens * in);
  return l;
}

Layer conv2d(std::string name, std::int64_t in_channels, std::int64_t h, std::int64_t w, std::int64_t out_channels,
             std::int64_t kernel_h, std::int64_t kernel_w, std::int64_t stride, std::int64_t pad_h, std::int64_t pad_w,
             bool bias, std::int64_t groups) {
  const std::int64_t ho = conv_out(h, kernel_h, stride, pad_h);
  const std::int64_t wo = conv_out(w, kernel_w, stride, pad_w);
  if (ho <= 0 || wo <= 0 || groups <= 0 || in_channels % groups != 0 || out_channels % groups != 0)
    throw Error("convolution '" + name + "' has an invalid shape");
  const std::int64_t group_in_channels = in_channels / groups;  // exact: checked just above
  Layer l = make(std::move(name), LayerKind::Conv2d, {in_channels, h, w}, {out_channels, ho, wo});
  l.params = out_channels * group_in_channels * kernel_h * kernel_w + (bias ? out_channels : 0);
  l.bias = bias;
  const double macs =
      static_cast<double>(ho * wo * out_channels) * static_cast<double>(group_in_channels * kernel_h * kernel_w);
  l.forward_flops = 2.0 * macs;
  l.backward_input_flops = 2.0 * macs;
  l.backward_weight_flops = 2.0 * macs;
  l.io_elements = static_cast<double>(in_channels * h * w + out_channels * ho * wo);
  l.saved_elements = static_cast<double>(in_channels * h * w);
  return l;
}

Layer norm(std::string name, LayerKind kind, const Shape& shape, std::int64_t features, bool affine_bias) {
  if (kind != LayerKind::LayerNorm && kind != LayerKind::RmsNorm && kind != LayerKind::BatchNorm)
    throw Error("norm '" + name + "' must be layernorm, rmsnorm or batchnorm");
  Layer l = make(std::move(name), kind, shape, shape);
  const bool has_bias = kind != LayerKind::RmsNorm && affine_bias;
  l.params = features * (has_bias ? 2 : 1);
  l.bias = has_bias;
  const auto n = static_cast<double>(elements(shape));
  l.forward_flops = flops_per_element(kind) * n;
  l.backward_input_flops = 2.0 * l.forward_flops;
  l.backward_weight_flops = 2.0 * n;  // scale (and shift) gradients: a multiply-add per element
  l.io_elements = 2.0 * n;
  l.saved_elements = n;
  return l;
}

Layer elementwise(std::string name, LayerKind kind, const Shape& shape, int inputs) {
  Layer l = make(std::move(name), kind, shape, shape);
  const auto n = static_cast<double>(elements(shape));
  l.forward_flops = flops_per_element(kind) * n;
  l.backward_input_flops = (kind == LayerKind::Add ? 0.0 : 2.0) * l.forward_flops;
  l.io_elements = n * (inputs + 1);
  // Activations keep their input for backward; a product keeps both operands; an add keeps nothing.
  l.saved_elements = kind == LayerKind::Add ? 0.0 : n * inputs;
  return l;
}

Layer dropout(std::string name, const Shape& shape) {
  Layer l = make(std::move(name), LayerKind::Dropout, shape, shape);
  const auto n = static_cast<double>(elements(shape));
  l.forward_flops = flops_per_element(LayerKind::Dropout) * n;
  l.backward_input_flops = l.forward_flops;  // the kept mask times the gradient
  l.io_elements = 2.5 * n;                   // input, output, mask
  l.saved_elements = 0.5 * n;                // the mask
  return l;
}

Layer attention(std::string name, std::int64_t s, std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                AttentionKernel kernel, bool causal) {
  const std::int64_t d = heads * head_dim;
  const std::int64_t kv = kv_heads * head_dim;
  Layer l = make(std::move(name), LayerKind::Attention, {s, d + 2 * kv}, {s, d});
  l.heads = heads;
  l.kv_heads = kv_heads;
  l.head_dim = head_dim;
  l.kernel = kernel;
  l.causal = causal;
  const double ss = static_cast<double>(s) * static_cast<double>(s);
  const double products = 2.0 * ss * static_cast<double>(d) * 2.0;  // Q K^T and P V
  const double softmax = 5.0 * static_cast<double>(heads) * ss;
  l.forward_flops = products + softmax;
  l.backward_input_flops = 2.0 * products + 2.0 * softmax;
  const double qkv = static_cast<double>(s * (d + 2 * kv));
  const double probs = static_cast<double>(heads) * ss;
  if (l.flash()) {
    l.backward_input_flops = 2.5 * products + 2.0 * softmax;  // Q K^T recomputed in backward
    l.io_elements = qkv + static_cast<double>(s * d);         // scores stay on chip
    l.saved_elements = qkv + static_cast<double>(heads * s);  // Q, K, V and a log-sum-exp per row
    return l;
  }
  l.io_elements = qkv + static_cast<double>(s * d) + 4.0 * probs;  // scores and probabilities pass through memory
  l.saved_elements = qkv + probs;                                  // Q, K, V and the softmax probabilities
  return l;
}

Layer pool(std::string name, LayerKind kind, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t kernel,
           std::int64_t stride, std::int64_t pad) {
  const std::int64_t ho = conv_out(h, kernel, stride, pad);
  const std::int64_t wo = conv_out(w, kernel, stride, pad);
  if (ho <= 0 || wo <= 0) throw Error("pooling '" + name + "' has a kernel larger than its padded input");
  Layer l = make(std::move(name), kind, {c, h, w}, {c, ho, wo});
  const auto out = static_cast<double>(c * ho * wo);
  l.forward_flops = out * static_cast<double>(kernel * kernel);
  l.backward_input_flops = out * static_cast<double>(kernel * kernel);
  l.io_elements = static_cast<double>(c * h * w) + out;
  // Max pooling keeps its input to route gradients; average pooling needs nothing.
  l.saved_elements = kind == LayerKind::MaxPool ? static_cast<double>(c * h * w) : 0.0;
  return l;
}

Layer global_avg_pool(std::string name, std::int64_t c, std::int64_t h, std::int64_t w) {
  Layer l = make(std::move(name), LayerKind::AvgPool, {c, h, w}, {c});
  const auto in = static_cast<double>(c * h * w);
  l.forward_flops = in;
  l.backward_input_flops = in;
  l.io_elements = in + static_cast<double>(c);
  return l;
}

Layer concat(std::string name, const std::vector<std::int64_t>& channels, std::int64_t h, std::int64_t w) {
  std::int64_t total = 0;
  for (auto c : channels) total += c;
  Layer l = make(std::move(name), LayerKind::Concat, {total, h, w}, {total, h, w});
  l.io_elements = 2.0 * static_cast<double>(total * h * w);
  return l;
}

Layer loss(std::string name, std::int64_t tokens, std::int64_t classes) {
  Layer l = make(std::move(name), LayerKind::Loss, {tokens, classes}, {1});
  const auto n = static_cast<double>(tokens * classes);
  l.forward_flops = flops_per_element(LayerKind::Loss) * n;
  l.backward_input_flops = 2.0 * n;
  l.io_elements = 2.0 * n;
  l.saved_elements = n;  // the logits (or probabilities) are kept for the gradient
  return l;
}

}  // namespace dpcast::models
