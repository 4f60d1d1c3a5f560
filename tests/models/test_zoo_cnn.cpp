// The CNNs of the zoo against torchvision's published figures. Parameter counts are
// torchvision's (sum of p.numel()); MAC counts were derived independently from the layer
// shapes (convolutions and fully connected layers only) and match torchvision's GFLOPS
// column (4.09 for resnet50, 15.47 for vgg16, 5.71 for inception_v3 without AuxLogits).
#include <gtest/gtest.h>

#include <boost/graph/adjacency_list.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::models {
namespace {

LayerId find(const ModelGraph& g, const std::string& name) {
  for (LayerId v = 0; v < g.size(); ++v)
    if (g.layer(v).name == name) return v;
  ADD_FAILURE() << "no layer named " << name;
  return 0;
}

const Shape& out_shape(const ModelGraph& g, const std::string& name) {
  return g.layer(find(g, name)).output_shape;
}

// Multiply-accumulates of the convolutions and Linear layers (FLOP / 2).
std::int64_t matrix_macs(const ModelGraph& g) {
  double flops = 0;
  for (LayerId v = 0; v < g.size(); ++v) {
    const Layer& l = g.layer(v);
    if (l.kind == LayerKind::Conv2d || l.kind == LayerKind::Linear) flops += l.forward_flops;
  }
  return static_cast<std::int64_t>(flops / 2);
}

int count(const ModelGraph& g, LayerKind kind) {
  int n = 0;
  for (LayerId v = 0; v < g.size(); ++v) n += g.layer(v).kind == kind;
  return n;
}

// Checks shared by the three models: one image input, the gradient-ready order runs from the
// loss to the input, and the first convolution computes no input gradient.
void expect_cnn_basics(const ModelGraph& g, const std::string& first_conv) {
  EXPECT_EQ(g.info().seq_len, 0);
  EXPECT_FALSE(g.info().is_sequence_model());
  const auto order = g.gradient_ready_order();
  ASSERT_EQ(order.size(), g.size());
  EXPECT_EQ(g.layer(order.front()).kind, LayerKind::Loss);
  EXPECT_EQ(g.layer(order.front()).name, "loss");
  EXPECT_EQ(g.layer(order.back()).kind, LayerKind::Input);
  EXPECT_EQ(g.layer(order.back()).name, "image");
  EXPECT_EQ(count(g, LayerKind::Input), 1);
  const Layer& conv = g.layer(find(g, first_conv));
  EXPECT_EQ(conv.kind, LayerKind::Conv2d);
  EXPECT_EQ(conv.backward_input_flops, 0.0);
  EXPECT_GT(conv.backward_weight_flops, 0.0);
  EXPECT_EQ(out_shape(g, "fc").back(), 1000);
}

TEST(ZooCnn, ResNet50MatchesTorchvision) {
  const ModelGraph g = build_resnet50(224);
  EXPECT_EQ(g.info().name, "resnet50");
  EXPECT_EQ(g.total_params(), 25'557'032);
  EXPECT_EQ(matrix_macs(g), 4'089'184'256);
  EXPECT_NEAR(2.0 * static_cast<double>(matrix_macs(g)), 2 * 4.09e9, 0.02 * 2 * 4.09e9);
  expect_cnn_basics(g, "conv1");
  EXPECT_EQ(count(g, LayerKind::Conv2d), 53);  // 1 + 16 blocks x 3 + 4 downsample
  EXPECT_EQ(count(g, LayerKind::BatchNorm), 53);
  EXPECT_EQ(out_shape(g, "maxpool"), (Shape{64, 56, 56}));
  EXPECT_EQ(out_shape(g, "layer4.2.relu3"), (Shape{2048, 7, 7}));
  EXPECT_EQ(out_shape(g, "avgpool"), (Shape{2048}));
}

TEST(ZooCnn, ResNet50ResidualAddsReadTwoInputs) {
  const ModelGraph g = build_resnet50();
  ASSERT_EQ(count(g, LayerKind::Add), 16);
  for (LayerId v = 0; v < g.size(); ++v) {
    if (g.layer(v).kind == LayerKind::Add) {
      EXPECT_EQ(boost::in_degree(v, g.graph()), 2u) << g.layer(v).name;
    }
  }
  // The first block of a stage adds the downsample branch, the others the block input.
  const LayerId add = find(g, "layer2.0.add");
  EXPECT_TRUE(boost::edge(find(g, "layer2.0.bn3"), add, g.graph()).second);
  EXPECT_TRUE(boost::edge(find(g, "layer2.0.downsample.1"), add, g.graph()).second);
  EXPECT_TRUE(boost::edge(find(g, "layer2.0.relu3"), find(g, "layer2.1.add"), g.graph()).second);
  EXPECT_EQ(out_shape(g, "layer2.0.downsample.0"), (Shape{512, 28, 28}));
}

TEST(ZooCnn, Vgg16MatchesTorchvision) {
  const ModelGraph g = build_vgg16(224);
  EXPECT_EQ(g.info().name, "vgg16");
  EXPECT_EQ(g.total_params(), 138'357'544);
  EXPECT_EQ(matrix_macs(g), 15'470'264'320);
  EXPECT_EQ(count(g, LayerKind::Conv2d), 13);
  EXPECT_EQ(count(g, LayerKind::Linear), 3);
  EXPECT_EQ(count(g, LayerKind::MaxPool), 5);
  EXPECT_EQ(count(g, LayerKind::BatchNorm), 0);
  const auto order = g.gradient_ready_order();
  EXPECT_EQ(g.layer(order.front()).kind, LayerKind::Loss);
  EXPECT_EQ(g.layer(order.back()).kind, LayerKind::Input);
  const Layer& first = g.layer(find(g, "features.0"));
  EXPECT_EQ(first.backward_input_flops, 0.0);
  EXPECT_EQ(out_shape(g, "features.30"), (Shape{512, 7, 7}));
  // At 224 the adaptive pool to 7x7 is the identity.
  EXPECT_EQ(out_shape(g, "avgpool"), (Shape{512, 7, 7}));
  EXPECT_EQ(g.layer(find(g, "avgpool")).forward_flops, 512.0 * 49);
  EXPECT_EQ(g.layer(find(g, "classifier.0")).input_shape, (Shape{1, 25088}));
  EXPECT_EQ(out_shape(g, "classifier.6"), (Shape{1, 1000}));
}

TEST(ZooCnn, Vgg16AdaptivePoolKeepsTheClassifierAtOtherSizes) {
  // 256 -> an 8x8 feature map; PyTorch's adaptive windows are then 2 wide with stride 1.
  const ModelGraph g = build_vgg16(256);
  EXPECT_EQ(g.total_params(), 138'357'544);
  EXPECT_EQ(out_shape(g, "features.30"), (Shape{512, 8, 8}));
  EXPECT_EQ(out_shape(g, "avgpool"), (Shape{512, 7, 7}));
  EXPECT_EQ(g.layer(find(g, "avgpool")).forward_flops, 512.0 * 49 * 4);
  // 448 -> 14x14: kernel 2, stride 2, each input element read once.
  EXPECT_EQ(g.layer(find(build_vgg16(448), "avgpool")).forward_flops, 512.0 * 14 * 14);
}

TEST(ZooCnn, InceptionV3MatchesTorchvision) {
  const ModelGraph g = build_inception_v3(299);
  EXPECT_EQ(g.info().name, "inception-v3");
  EXPECT_EQ(g.total_params(), 27'161'264);
  EXPECT_EQ(matrix_macs(g), 5'718'899'296);  // 5,713,216,096 + 5,683,200 in AuxLogits
  expect_cnn_basics(g, "Conv2d_1a_3x3.conv");
  EXPECT_EQ(out_shape(g, "Conv2d_1a_3x3.relu"), (Shape{32, 149, 149}));
  EXPECT_EQ(out_shape(g, "maxpool2"), (Shape{192, 35, 35}));
  EXPECT_EQ(out_shape(g, "Mixed_5b.cat"), (Shape{256, 35, 35}));
  EXPECT_EQ(out_shape(g, "Mixed_5d.cat"), (Shape{288, 35, 35}));
  EXPECT_EQ(out_shape(g, "Mixed_6a.cat"), (Shape{768, 17, 17}));
  EXPECT_EQ(out_shape(g, "Mixed_6e.cat"), (Shape{768, 17, 17}));
  EXPECT_EQ(out_shape(g, "Mixed_7a.cat"), (Shape{1280, 8, 8}));
  EXPECT_EQ(out_shape(g, "Mixed_7c.cat"), (Shape{2048, 8, 8}));
  EXPECT_EQ(out_shape(g, "avgpool"), (Shape{2048}));
  EXPECT_EQ(out_shape(g, "AuxLogits.conv1.relu"), (Shape{768, 1, 1}));
  // BasicConv2d: conv without bias, BatchNorm with 2 parameters per channel.
  EXPECT_EQ(g.layer(find(g, "Mixed_6b.branch7x7_2.conv")).params, 128 * 128 * 7);
  EXPECT_EQ(g.layer(find(g, "Mixed_6b.branch7x7_2.bn")).params, 2 * 128);
  EXPECT_EQ(count(g, LayerKind::Conv2d), 96);  // 94 BasicConv2d + 2 in AuxLogits
  EXPECT_EQ(count(g, LayerKind::Loss), 2);
}

TEST(ZooCnn, InceptionV3ConcatenatesEveryBranch) {
  const ModelGraph g = build_inception_v3();
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_5b.cat"), g.graph()), 4u);
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_6a.cat"), g.graph()), 3u);
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_6e.cat"), g.graph()), 4u);
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_7a.cat"), g.graph()), 3u);
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_7c.cat"), g.graph()), 4u);
  EXPECT_EQ(boost::in_degree(find(g, "Mixed_7c.branch3x3dbl.cat"), g.graph()), 2u);
  // Grid reductions pass the block input through a max pool into the concatenation.
  EXPECT_TRUE(boost::edge(find(g, "Mixed_6a.max_pool"), find(g, "Mixed_6a.cat"), g.graph()).second);
}

TEST(ZooCnn, InceptionV3AuxiliaryClassifierHangsOffMixed6e) {
  const ModelGraph g = build_inception_v3();
  EXPECT_TRUE(boost::edge(find(g, "Mixed_6e.cat"), find(g, "AuxLogits.avg_pool"), g.graph()).second);
  EXPECT_EQ(out_shape(g, "AuxLogits.avg_pool"), (Shape{768, 5, 5}));
  const LayerId aux_loss = find(g, "AuxLogits.loss");
  EXPECT_EQ(g.layer(aux_loss).kind, LayerKind::Loss);
  EXPECT_EQ(boost::out_degree(aux_loss, g.graph()), 0u);
  EXPECT_EQ(g.layer(find(g, "AuxLogits.fc")).params, 768 * 1000 + 1000);

  // Forward runs AuxLogits before Mixed_7a (as torchvision does); backward reaches it after.
  const auto& fwd = g.forward_order();
  const auto pos = [&](const std::vector<LayerId>& order, const std::string& name) {
    return std::find(order.begin(), order.end(), find(g, name)) - order.begin();
  };
  EXPECT_LT(pos(fwd, "AuxLogits.loss"), pos(fwd, "Mixed_7a.cat"));
  const auto grad = g.gradient_ready_order();
  EXPECT_LT(pos(grad, "Mixed_7a.branch3x3_1.conv"), pos(grad, "AuxLogits.fc"));
  EXPECT_LT(pos(grad, "AuxLogits.conv0.conv"), pos(grad, "Mixed_6e.branch1x1.conv"));
}

TEST(ZooCnn, ShapesFollowTheImageSize) {
  EXPECT_EQ(out_shape(build_resnet50(256), "layer4.2.relu3"), (Shape{2048, 8, 8}));
  EXPECT_EQ(build_resnet50(256).total_params(), 25'557'032);
  EXPECT_EQ(out_shape(build_inception_v3(342), "Mixed_7c.cat"), (Shape{2048, 9, 9}));
  // Too small for Inception's auxiliary classifier (its 5x5 convolution needs a 5x5 map).
  EXPECT_THROW(build_inception_v3(75), Error);
  EXPECT_THROW(build_vgg16(0), Error);
}

}  // namespace
}  // namespace dpcast::models
