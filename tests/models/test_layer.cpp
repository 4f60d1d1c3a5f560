// Layer factories against the FLOP conventions written down in layer.hpp, on numbers small
// enough to work out by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/layer.hpp"

namespace dpcast::models {
namespace {

// ---- Linear ----

TEST(Layer, LinearGemmConventions) {
  const Layer l = linear("fc", 4, 3, 5, true);
  EXPECT_EQ(l.kind, LayerKind::Linear);
  EXPECT_EQ(l.input_shape, (Shape{4, 3}));
  EXPECT_EQ(l.output_shape, (Shape{4, 5}));
  EXPECT_EQ(l.params, 20);                    // 3*5 weights + 5 biases
  EXPECT_EQ(l.forward_flops, 120.0);          // 2 * tokens * in * out = 2*4*3*5
  EXPECT_EQ(l.backward_input_flops, 120.0);   // dX = dY W: the same GEMM size
  EXPECT_EQ(l.backward_weight_flops, 120.0);  // dW = dY^T X: the same GEMM size
  EXPECT_EQ(l.io_elements, 32.0);             // reads 4*3, writes 4*5
  EXPECT_EQ(l.saved_elements, 12.0);          // keeps its input (4*3) for dW
  EXPECT_TRUE(is_matrix_layer(l.kind));
}

TEST(Layer, LinearWithoutBiasHasWeightsOnly) {
  const Layer l = linear("fc", 1, 7, 11, false);
  EXPECT_EQ(l.params, 77);
  EXPECT_EQ(l.forward_flops, 154.0);  // 2*1*7*11: the bias never adds FLOP either
}

// ---- Convolution ----

TEST(Layer, Conv2dStridedAndPadded) {
  // 3x32x32 -> 16 channels, 3x3, stride 2, pad 1: Ho = (32 + 2 - 3) / 2 + 1 = 16.
  const Layer c = conv2d("conv", 3, 32, 32, 16, 3, 3, 2, 1, 1, true);
  EXPECT_EQ(c.input_shape, (Shape{3, 32, 32}));
  EXPECT_EQ(c.output_shape, (Shape{16, 16, 16}));
  EXPECT_EQ(c.params, 16 * 3 * 9 + 16);  // 448
  // MACs = Ho*Wo*Cout*Cin*kh*kw = 16*16*16*3*9 = 110,592.
  EXPECT_EQ(c.forward_flops, 2.0 * 110'592);
  EXPECT_EQ(c.backward_input_flops, 2.0 * 110'592);
  EXPECT_EQ(c.backward_weight_flops, 2.0 * 110'592);
  EXPECT_EQ(c.io_elements, 3.0 * 32 * 32 + 16.0 * 16 * 16);
  EXPECT_EQ(c.saved_elements, 3.0 * 32 * 32);
}

TEST(Layer, Conv2dRectangularKernelAndPadding) {
  // 4x10x7, kernel 3x1, stride 1, pad (1, 0): Ho = 10 - 3 + 2 + 1 = 10, Wo = 7 - 1 + 1 = 7.
  const Layer c = conv2d("conv", 4, 10, 7, 6, 3, 1, 1, 1, 0, false);
  EXPECT_EQ(c.output_shape, (Shape{6, 10, 7}));
  EXPECT_EQ(c.params, 6 * 4 * 3 * 1);                    // 72, no bias
  EXPECT_EQ(c.forward_flops, 2.0 * 10 * 7 * 6 * 4 * 3);  // MACs 5,040
}

TEST(Layer, Conv2dGroups) {
  // 8 -> 16 channels in 4 groups: each output channel sees 8/4 = 2 input channels.
  const Layer g = conv2d("grouped", 8, 8, 8, 16, 3, 3, 1, 1, 1, false, 4);
  EXPECT_EQ(g.output_shape, (Shape{16, 8, 8}));
  EXPECT_EQ(g.params, 16 * 2 * 9);                       // 288
  EXPECT_EQ(g.forward_flops, 2.0 * 8 * 8 * 16 * 2 * 9);  // MACs 18,432
  // Depthwise (groups = channels): 32 channels, 3x3, on 7x7.
  const Layer dw = conv2d("depthwise", 32, 7, 7, 32, 3, 3, 1, 1, 1, true, 32);
  EXPECT_EQ(dw.params, 32 * 9 + 32);
  EXPECT_EQ(dw.forward_flops, 2.0 * 7 * 7 * 32 * 9);
  // Channels not divisible by the groups.
  EXPECT_THROW((void)conv2d("bad", 6, 8, 8, 16, 3, 3, 1, 1, 1, false, 4), dpcast::Error);
  EXPECT_THROW((void)conv2d("bad", 8, 8, 8, 6, 3, 3, 1, 1, 1, false, 4), dpcast::Error);
  EXPECT_THROW((void)conv2d("bad", 8, 8, 8, 8, 3, 3, 1, 1, 1, false, 0), dpcast::Error);
}

TEST(Layer, ConvOutFloorsLikePyTorch) {
  EXPECT_EQ(conv_out(224, 7, 2, 3), 112);  // ResNet stem
  EXPECT_EQ(conv_out(112, 3, 2, 1), 56);   // ResNet max-pool
  EXPECT_EQ(conv_out(7, 2, 2, 0), 3);      // floor(5 / 2) + 1
  EXPECT_EQ(conv_out(3, 3, 1, 0), 1);      // the kernel just fits
}

TEST(Layer, ConvOutRejectsKernelLargerThanPaddedInput) {
  EXPECT_EQ(conv_out(2, 5, 1, 1), 0);  // 2 + 2 < 5
  // (4 - 5) / 2 + 1 would be 1 with C++ division rounding towards zero: must still be 0.
  EXPECT_EQ(conv_out(4, 5, 2, 0), 0);
  EXPECT_EQ(conv_out(8, 3, 0, 0), 0);  // no stride
  EXPECT_THROW((void)conv2d("too-small", 3, 4, 4, 8, 5, 5, 2, 0, 0, true), dpcast::Error);
  EXPECT_THROW((void)conv2d("too-narrow", 3, 8, 4, 8, 5, 5, 1, 0, 0, true), dpcast::Error);
  EXPECT_THROW((void)pool("pool", LayerKind::MaxPool, 3, 4, 4, 5, 2, 0), dpcast::Error);
}

TEST(Layer, PoolShapesAndSavedInput) {
  const Layer mp = pool("mp", LayerKind::MaxPool, 8, 16, 16, 2, 2, 0);
  EXPECT_EQ(mp.output_shape, (Shape{8, 8, 8}));
  EXPECT_EQ(mp.params, 0);
  EXPECT_EQ(mp.forward_flops, 8.0 * 8 * 8 * 4);  // one comparison per window element
  EXPECT_EQ(mp.saved_elements, 8.0 * 16 * 16);   // max pooling keeps its input
  const Layer ap = pool("ap", LayerKind::AvgPool, 8, 16, 16, 2, 2, 0);
  EXPECT_EQ(ap.saved_elements, 0.0);  // average pooling needs nothing
}

// ---- Attention ----

TEST(Layer, AttentionCoreWithGroupedQueryHeads) {
  // s = 8 tokens, 2 query heads of 4 (d = 8), 1 key/value head.
  const Layer a = attention("attn", 8, 2, 1, 4);
  EXPECT_EQ(a.kind, LayerKind::Attention);
  EXPECT_EQ(a.input_shape, (Shape{8, 8 + 2 * 4}));  // Q (d = 8) + K and V (one head of 4 each)
  EXPECT_EQ(a.output_shape, (Shape{8, 8}));
  EXPECT_EQ(a.params, 0);
  // Q K^T and P V: 2 * s*s*d each = 4*8*8*8 = 2048; softmax 5 * h * s*s = 5*2*64 = 640.
  EXPECT_EQ(a.forward_flops, 2048.0 + 640.0);
  EXPECT_EQ(a.backward_input_flops, 2.0 * 2048 + 2.0 * 640);
  EXPECT_EQ(a.backward_weight_flops, 0.0);
  EXPECT_EQ(a.saved_elements, 8.0 * 16 + 2.0 * 64);  // Q, K, V and the probabilities
}

TEST(Layer, AttentionWithoutGqaReadsThreeFullProjections) {
  const Layer a = attention("attn", 8, 2, 2, 4);
  EXPECT_EQ(a.input_shape, (Shape{8, 24}));
  EXPECT_EQ(a.forward_flops, 2688.0);  // the KV head count does not change the products
}

TEST(Layer, DropoutMovesItsTensorTwiceAndAHalfAndKeepsItsMask) {
  const Layer d = dropout("drop", {8, 4});
  EXPECT_EQ(d.kind, LayerKind::Dropout);
  EXPECT_EQ(d.params, 0);
  EXPECT_EQ(d.forward_flops, 32.0);         // one multiply per element
  EXPECT_EQ(d.backward_input_flops, 32.0);  // the mask times the gradient
  EXPECT_EQ(d.io_elements, 2.5 * 32);       // input, output and a 1-byte mask (half a 16-bit element)
  EXPECT_EQ(d.saved_elements, 0.5 * 32);
}

TEST(Layer, FlashAttentionRecomputesScoresAndKeepsNoProbabilities) {
  const Layer eager = attention("attn", 8, 2, 1, 4);
  const Layer flash = attention("attn", 8, 2, 1, 4, AttentionKernel::Flash);
  EXPECT_EQ(flash.forward_flops, eager.forward_flops);  // the same products and softmax: 2688
  // Backward recomputes Q K^T: 2.5 x the forward products (2048) + 2 x the softmax (640).
  EXPECT_EQ(flash.backward_input_flops, 2.5 * 2048 + 2.0 * 640);
  EXPECT_EQ(flash.io_elements, 8.0 * 16 + 8.0 * 8);     // Q, K, V read, output written; scores stay on chip
  EXPECT_EQ(flash.saved_elements, 8.0 * 16 + 2.0 * 8);  // Q, K, V and one log-sum-exp per head and row
  EXPECT_EQ(eager.io_elements, 8.0 * 16 + 8.0 * 8 + 4.0 * 2 * 64);
}

// ---- Norms and element-wise layers ----

TEST(Layer, NormParameters) {
  EXPECT_EQ(norm("ln", LayerKind::LayerNorm, {4, 6}, 6).params, 12);        // gamma + beta
  EXPECT_EQ(norm("ln", LayerKind::LayerNorm, {4, 6}, 6, false).params, 6);  // no shift
  EXPECT_EQ(norm("rms", LayerKind::RmsNorm, {4, 6}, 6).params, 6);          // scale only
  EXPECT_EQ(norm("bn", LayerKind::BatchNorm, {3, 4, 4}, 3).params, 6);      // per channel: 2C
  EXPECT_EQ(norm("ln", LayerKind::LayerNorm, {4, 6}, 6).forward_flops, 5.0 * 24);
  EXPECT_EQ(norm("rms", LayerKind::RmsNorm, {4, 6}, 6).forward_flops, 4.0 * 24);
  EXPECT_THROW((void)norm("relu", LayerKind::Relu, {4}, 4), dpcast::Error);
}

TEST(Layer, ElementwiseSavedElements) {
  const Layer add = elementwise("add", LayerKind::Add, {4, 6}, 2);
  EXPECT_EQ(add.saved_elements, 0.0);        // a residual add keeps nothing
  EXPECT_EQ(add.backward_input_flops, 0.0);  // its gradient is passed through
  EXPECT_EQ(add.forward_flops, 24.0);        // 1 FLOP per output element
  EXPECT_EQ(add.io_elements, 3.0 * 24);      // two operands read, one written
  const Layer relu = elementwise("relu", LayerKind::Relu, {4, 6});
  EXPECT_EQ(relu.saved_elements, 24.0);
  EXPECT_EQ(relu.backward_input_flops, 48.0);
  const Layer mul = elementwise("mul", LayerKind::Multiply, {4, 6}, 2);
  EXPECT_EQ(mul.saved_elements, 48.0);  // both operands
  EXPECT_EQ(elementwise("gelu", LayerKind::Gelu, {10}).forward_flops, 80.0);
  EXPECT_EQ(flops_per_element(LayerKind::Linear), 0.0);
}

TEST(Layer, EmbeddingAndLoss) {
  const Layer e = embedding("wte", 16, 100, 8);
  EXPECT_EQ(e.params, 800);
  EXPECT_EQ(e.forward_flops, 0.0);               // a gather
  EXPECT_EQ(e.backward_weight_flops, 16.0 * 8);  // a scatter-add per output element
  const Layer l = loss("loss", 16, 100);
  EXPECT_EQ(l.output_shape, (Shape{1}));
  EXPECT_EQ(l.forward_flops, 5.0 * 1600);
}

// ---- Cost for a micro-batch ----

TEST(Layer, CostScalesWithMicroBatchAndBytes) {
  const Layer l = linear("fc", 4, 3, 5, true);  // io 32, saved 12, params 20 per sample
  const LayerCost c = l.cost(3, 2.0, 4.0);
  EXPECT_EQ(c.forward_flops, 360.0);
  EXPECT_EQ(c.backward_input_flops, 360.0);
  EXPECT_EQ(c.backward_weight_flops, 360.0);
  EXPECT_EQ(c.backward_flops(), 720.0);
  EXPECT_EQ(c.forward_bytes, 32.0 * 3 * 2 + 20.0 * 4);  // io * b * act + params * param bytes = 272
  EXPECT_EQ(c.backward_bytes, 2.0 * 272);
  EXPECT_EQ(c.activation_bytes, 12.0 * 3 * 2);
  // Parameters are read once however large the micro-batch.
  EXPECT_EQ(l.cost(6, 2.0, 4.0).forward_bytes, 32.0 * 6 * 2 + 80.0);
}

// ---- Names ----

TEST(Layer, KindNamesRoundTrip) {
  for (int k = static_cast<int>(LayerKind::Input); k <= static_cast<int>(LayerKind::Loss); ++k) {
    const auto kind = static_cast<LayerKind>(k);
    const std::string name(to_string(kind));
    EXPECT_NE(name, "unknown");
    EXPECT_EQ(enum_from_name<LayerKind>(name), kind) << name;
  }
  EXPECT_EQ(to_string(LayerKind::Conv2d), "conv2d");
  EXPECT_EQ(enum_from_name<LayerKind>("rmsnorm"), LayerKind::RmsNorm);
}

TEST(Layer, UnknownKindHasNoValue) {
  EXPECT_FALSE(enum_from_name<LayerKind>("conv3d").has_value());
  EXPECT_FALSE(enum_from_name<LayerKind>("Linear").has_value());  // names are lower case
}

}  // namespace
}  // namespace dpcast::models
