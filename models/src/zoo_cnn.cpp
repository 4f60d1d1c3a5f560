// The convolutional networks of the zoo, layer for layer as torchvision builds them
// (torchvision/models/resnet.py, vgg.py, inception.py); layer names mirror torchvision's
// module names. Dropout is not modelled (no parameters, negligible cost).
#include <array>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::models {
namespace {

constexpr std::int64_t kClasses = 1000;

// A convolution's output channels, kernel, stride and padding.
struct Conv {
  std::int64_t out;
  std::int64_t kh;
  std::int64_t kw;
  std::int64_t stride = 1;
  std::int64_t ph = 0;
  std::int64_t pw = 0;
};

Conv square(std::int64_t out, std::int64_t k, std::int64_t stride = 1, std::int64_t pad = 0) {
  return {out, k, k, stride, pad, pad};
}
// Inception's factorised 1 x k and k x 1 convolutions, padded to keep the size.
Conv wide(std::int64_t out, std::int64_t k) {
  return {out, 1, k, 1, 0, k / 2};
}
Conv tall(std::int64_t out, std::int64_t k) {
  return {out, k, 1, 1, k / 2, 0};
}

// Total length of PyTorch's adaptive pooling windows along one axis: output cell i
// averages [floor(i * size / out), ceil((i + 1) * size / out)).
std::int64_t adaptive_span(std::int64_t size, std::int64_t out) {
  std::int64_t span = 0;
  for (std::int64_t i = 0; i < out; ++i) span += ((i + 1) * size + out - 1) / out - i * size / out;
  return span;
}

// AdaptiveAvgPool2d to out x out (VGG's classifier input). No factory exists for it: pool()
// has one kernel for every window, and here windows may overlap (input smaller than out) or
// differ in size. When out divides the input it costs what pool() with kernel = stride =
// size / out would (kernel 1, the identity, for VGG at 224), except that like
// global_avg_pool it keeps nothing for backward: an average's gradient needs no input.
Layer adaptive_avg_pool(std::string name, std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t out) {
  Layer l;
  l.name = std::move(name);
  l.kind = LayerKind::AvgPool;
  l.input_shape = {c, h, w};
  l.output_shape = {c, out, out};
  const auto windows = static_cast<double>(c * adaptive_span(h, out) * adaptive_span(w, out));
  l.forward_flops = windows;
  l.backward_input_flops = windows;
  l.io_elements = static_cast<double>(c * h * w + c * out * out);
  return l;
}

// Appends layers to a ModelGraph; a feature map is named by the layer that produces it and
// its shape is that layer's output shape, so callers only thread LayerIds through.
class CnnBuilder {
 public:
  CnnBuilder(std::string model, std::int64_t image_size) : g_(ModelInfo{std::move(model), 0}) {
    if (image_size <= 0) throw Error("image size must be positive");
    image_ = g_.add(input_layer("image", {3, image_size, image_size}));
  }

  [[nodiscard]] LayerId image() const { return image_; }
  [[nodiscard]] std::int64_t channels(LayerId x) const { return shape(x)[0]; }

  LayerId conv(std::string name, LayerId x, const Conv& k, bool bias) {
    const Shape& s = shape(x);
    return g_.add(conv2d(std::move(name), s[0], s[1], s[2], k.out, k.kh, k.kw, k.stride, k.ph, k.pw, bias), {x});
  }
  LayerId relu(std::string name, LayerId x) {
    return g_.add(elementwise(std::move(name), LayerKind::Relu, shape(x)), {x});
  }
  // A bias-free convolution followed by BatchNorm (ResNet's convN/bnN pairs).
  LayerId conv_bn(std::string conv_name, std::string bn_name, LayerId x, const Conv& k) {
    const LayerId c = conv(std::move(conv_name), x, k, false);
    return g_.add(norm(std::move(bn_name), LayerKind::BatchNorm, shape(c), k.out), {c});
  }
  // Inception's BasicConv2d: conv (no bias), BatchNorm, ReLU, named prefix.conv/.bn/.relu.
  LayerId basic_conv(const std::string& prefix, LayerId x, const Conv& k) {
    return relu(prefix + ".relu", conv_bn(prefix + ".conv", prefix + ".bn", x, k));
  }
  struct Step {
    const char* name;
    Conv conv;
  };
  // A chain of BasicConv2d modules, each named prefix.step (step alone for an empty prefix).
  LayerId basic_convs(const std::string& prefix, LayerId x, std::initializer_list<Step> steps) {
    for (const Step& s : steps) x = basic_conv(prefix.empty() ? std::string(s.name) : prefix + "." + s.name, x, s.conv);
    return x;
  }
  LayerId pool(std::string name, LayerKind kind, LayerId x, std::int64_t kernel, std::int64_t stride,
               std::int64_t pad = 0) {
    const Shape& s = shape(x);
    return g_.add(models::pool(std::move(name), kind, s[0], s[1], s[2], kernel, stride, pad), {x});
  }
  LayerId adaptive_pool(std::string name, LayerId x, std::int64_t out) {
    const Shape& s = shape(x);
    return g_.add(adaptive_avg_pool(std::move(name), s[0], s[1], s[2], out), {x});
  }
  LayerId add(std::string name, LayerId a, LayerId b) {
    return g_.add(elementwise(std::move(name), LayerKind::Add, shape(a), 2), {a, b});
  }
  LayerId concat(std::string name, const std::vector<LayerId>& parts) {
    std::vector<std::int64_t> channels;
    for (LayerId p : parts) {
      if (shape(p)[1] != shape(parts[0])[1] || shape(p)[2] != shape(parts[0])[2])
        throw Error("concatenation '" + name + "' joins feature maps of different sizes");
      channels.push_back(shape(p)[0]);
    }
    const Shape& s = shape(parts[0]);
    return g_.add(models::concat(std::move(name), channels, s[1], s[2]), parts);
  }
  // Flattens whatever it reads (torch.flatten) into one row of features.
  LayerId linear(std::string name, LayerId x, std::int64_t out) {
    return g_.add(models::linear(std::move(name), 1, elements(shape(x)), out, true), {x});
  }
  void loss(std::string name, LayerId logits) { g_.add(models::loss(std::move(name), 1, kClasses), {logits}); }
  // Global average pool, the Linear to the classes and the loss: names prefix + avgpool/fc/loss.
  void classifier(const std::string& prefix, LayerId x) {
    const Shape& s = shape(x);
    const LayerId pooled = g_.add(global_avg_pool(prefix + "avgpool", s[0], s[1], s[2]), {x});
    loss(prefix + "loss", linear(prefix + "fc", pooled, kClasses));
  }

  ModelGraph finish() && { return std::move(g_); }

 private:
  [[nodiscard]] const Shape& shape(LayerId x) const { return g_.layer(x).output_shape; }

  ModelGraph g_;
  LayerId image_;
};

// ---- ResNet-50 ----

// torchvision's Bottleneck (v1.5: the stride sits on the 3x3 convolution).
LayerId bottleneck(CnnBuilder& b, const std::string& p, LayerId x, std::int64_t width, std::int64_t stride) {
  const std::int64_t out = 4 * width;
  LayerId y = b.relu(p + ".relu1", b.conv_bn(p + ".conv1", p + ".bn1", x, square(width, 1)));
  y = b.relu(p + ".relu2", b.conv_bn(p + ".conv2", p + ".bn2", y, square(width, 3, stride, 1)));
  y = b.conv_bn(p + ".conv3", p + ".bn3", y, square(out, 1));
  LayerId shortcut = x;
  if (stride != 1 || b.channels(x) != out)
    shortcut = b.conv_bn(p + ".downsample.0", p + ".downsample.1", x, square(out, 1, stride));
  return b.relu(p + ".relu3", b.add(p + ".add", y, shortcut));
}

// ---- Inception v3 ----

LayerId inception_a(CnnBuilder& b, const std::string& p, LayerId x, std::int64_t pool_features) {
  const LayerId b1 = b.basic_conv(p + ".branch1x1", x, square(64, 1));
  const LayerId b5 = b.basic_convs(p, x, {{"branch5x5_1", square(48, 1)}, {"branch5x5_2", square(64, 5, 1, 2)}});
  const LayerId b3 = b.basic_convs(p, x,
                                   {{"branch3x3dbl_1", square(64, 1)},
                                    {"branch3x3dbl_2", square(96, 3, 1, 1)},
                                    {"branch3x3dbl_3", square(96, 3, 1, 1)}});
  const LayerId pooled = b.pool(p + ".avg_pool", LayerKind::AvgPool, x, 3, 1, 1);
  const LayerId bp = b.basic_conv(p + ".branch_pool", pooled, square(pool_features, 1));
  return b.concat(p + ".cat", {b1, b5, b3, bp});
}

// Grid reduction 35 -> 17 (unpadded stride-2 convolutions and max pool).
LayerId inception_b(CnnBuilder& b, const std::string& p, LayerId x) {
  const LayerId b3 = b.basic_conv(p + ".branch3x3", x, square(384, 3, 2));
  const LayerId bd = b.basic_convs(p, x,
                                   {{"branch3x3dbl_1", square(64, 1)},
                                    {"branch3x3dbl_2", square(96, 3, 1, 1)},
                                    {"branch3x3dbl_3", square(96, 3, 2)}});
  const LayerId bp = b.pool(p + ".max_pool", LayerKind::MaxPool, x, 3, 2);
  return b.concat(p + ".cat", {b3, bd, bp});
}

LayerId inception_c(CnnBuilder& b, const std::string& p, LayerId x, std::int64_t c7) {
  const LayerId b1 = b.basic_conv(p + ".branch1x1", x, square(192, 1));
  const LayerId b7 = b.basic_convs(
      p, x, {{"branch7x7_1", square(c7, 1)}, {"branch7x7_2", wide(c7, 7)}, {"branch7x7_3", tall(192, 7)}});
  const LayerId bd = b.basic_convs(p, x,
                                   {{"branch7x7dbl_1", square(c7, 1)},
                                    {"branch7x7dbl_2", tall(c7, 7)},
                                    {"branch7x7dbl_3", wide(c7, 7)},
                                    {"branch7x7dbl_4", tall(c7, 7)},
                                    {"branch7x7dbl_5", wide(192, 7)}});
  const LayerId pooled = b.pool(p + ".avg_pool", LayerKind::AvgPool, x, 3, 1, 1);
  const LayerId bp = b.basic_conv(p + ".branch_pool", pooled, square(192, 1));
  return b.concat(p + ".cat", {b1, b7, bd, bp});
}

// Grid reduction 17 -> 8.
LayerId inception_d(CnnBuilder& b, const std::string& p, LayerId x) {
  const LayerId b3 = b.basic_convs(p, x, {{"branch3x3_1", square(192, 1)}, {"branch3x3_2", square(320, 3, 2)}});
  const LayerId b7 = b.basic_convs(p, x,
                                   {{"branch7x7x3_1", square(192, 1)},
                                    {"branch7x7x3_2", wide(192, 7)},
                                    {"branch7x7x3_3", tall(192, 7)},
                                    {"branch7x7x3_4", square(192, 3, 2)}});
  const LayerId bp = b.pool(p + ".max_pool", LayerKind::MaxPool, x, 3, 2);
  return b.concat(p + ".cat", {b3, b7, bp});
}

// The 8x8 blocks. torchvision concatenates the 1x3 and 3x1 halves of each split branch first
// (torch.cat inside the branch), then the four branches; both copies are modelled.
LayerId inception_e(CnnBuilder& b, const std::string& p, LayerId x) {
  const LayerId b1 = b.basic_conv(p + ".branch1x1", x, square(320, 1));
  const LayerId s3 = b.basic_conv(p + ".branch3x3_1", x, square(384, 1));
  const LayerId b3 = b.concat(p + ".branch3x3.cat", {b.basic_conv(p + ".branch3x3_2a", s3, wide(384, 3)),
                                                     b.basic_conv(p + ".branch3x3_2b", s3, tall(384, 3))});
  const LayerId sd =
      b.basic_convs(p, x, {{"branch3x3dbl_1", square(448, 1)}, {"branch3x3dbl_2", square(384, 3, 1, 1)}});
  const LayerId bd = b.concat(p + ".branch3x3dbl.cat", {b.basic_conv(p + ".branch3x3dbl_3a", sd, wide(384, 3)),
                                                        b.basic_conv(p + ".branch3x3dbl_3b", sd, tall(384, 3))});
  const LayerId pooled = b.pool(p + ".avg_pool", LayerKind::AvgPool, x, 3, 1, 1);
  const LayerId bp = b.basic_conv(p + ".branch_pool", pooled, square(192, 1));
  return b.concat(p + ".cat", {b1, b3, bd, bp});
}

// InceptionAux on Mixed_6e: 17x17 -> avg pool 5/3 -> 5x5 -> 1x1 conv -> 5x5 conv -> 1x1.
void inception_aux(CnnBuilder& b, LayerId x) {
  LayerId y = b.pool("AuxLogits.avg_pool", LayerKind::AvgPool, x, 5, 3);
  y = b.basic_convs("AuxLogits", y, {{"conv0", square(128, 1)}, {"conv1", square(768, 5)}});
  b.classifier("AuxLogits.", y);
}

}  // namespace

ModelGraph build_resnet50(std::int64_t image_size) {
  CnnBuilder b("resnet50", image_size);
  LayerId x = b.relu("relu", b.conv_bn("conv1", "bn1", b.image(), square(64, 7, 2, 3)));
  x = b.pool("maxpool", LayerKind::MaxPool, x, 3, 2, 1);
  constexpr std::array<std::int64_t, 4> kBlocks{3, 4, 6, 3};
  for (std::size_t stage = 0; stage < kBlocks.size(); ++stage) {
    const std::int64_t width = std::int64_t{64} << stage;
    for (std::int64_t i = 0; i < kBlocks[stage]; ++i) {
      const std::int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      const std::string name = "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      x = bottleneck(b, name, x, width, stride);
    }
  }
  b.classifier("", x);
  return std::move(b).finish();
}

ModelGraph build_vgg16(std::int64_t image_size) {
  // torchvision's configuration "D": output channels of each 3x3 convolution, 0 for a 2x2 max pool.
  constexpr std::array<std::int64_t, 18> kFeatures{64, 64,  0,   128, 128, 0,   256, 256, 256,
                                                   0,  512, 512, 512, 0,   512, 512, 512, 0};
  CnnBuilder b("vgg16", image_size);
  LayerId x = b.image();
  int index = 0;  // position in torchvision's `features` Sequential (a conv's ReLU is the next)
  for (const std::int64_t channels : kFeatures) {
    const std::string name = "features." + std::to_string(index);
    if (channels == 0) {
      x = b.pool(name, LayerKind::MaxPool, x, 2, 2);
      index += 1;
    } else {
      x = b.conv(name, x, square(channels, 3, 1, 1), true);
      x = b.relu("features." + std::to_string(index + 1), x);
      index += 2;
    }
  }
  x = b.adaptive_pool("avgpool", x, 7);
  // classifier.2 and classifier.5 are Dropout.
  x = b.relu("classifier.1", b.linear("classifier.0", x, 4096));
  x = b.relu("classifier.4", b.linear("classifier.3", x, 4096));
  b.loss("loss", b.linear("classifier.6", x, kClasses));
  return std::move(b).finish();
}

ModelGraph build_inception_v3(std::int64_t image_size) {
  CnnBuilder b("inception-v3", image_size);
  // Stem, unpadded except Conv2d_2b: 299 -> 149 -> 147 -> 147 -> 73 -> 73 -> 71 -> 35.
  LayerId x = b.basic_convs(
      "", b.image(),
      {{"Conv2d_1a_3x3", square(32, 3, 2)}, {"Conv2d_2a_3x3", square(32, 3)}, {"Conv2d_2b_3x3", square(64, 3, 1, 1)}});
  x = b.pool("maxpool1", LayerKind::MaxPool, x, 3, 2);
  x = b.basic_convs("", x, {{"Conv2d_3b_1x1", square(80, 1)}, {"Conv2d_4a_3x3", square(192, 3)}});
  x = b.pool("maxpool2", LayerKind::MaxPool, x, 3, 2);
  x = inception_a(b, "Mixed_5b", x, 32);
  x = inception_a(b, "Mixed_5c", x, 64);
  x = inception_a(b, "Mixed_5d", x, 64);
  x = inception_b(b, "Mixed_6a", x);
  x = inception_c(b, "Mixed_6b", x, 128);
  x = inception_c(b, "Mixed_6c", x, 160);
  x = inception_c(b, "Mixed_6d", x, 160);
  const LayerId mixed_6e = inception_c(b, "Mixed_6e", x, 192);
  // The main path is added before AuxLogits so that, of Mixed_6e's consumers, it comes first
  // in the graph's edge order: the forward order then still runs AuxLogits right after Mixed_6e
  // (as torchvision does), and the gradient-ready order starts with the main loss and reaches
  // AuxLogits only after Mixed_7a, as autograd does (it runs the later-created nodes first).
  x = inception_d(b, "Mixed_7a", mixed_6e);
  x = inception_e(b, "Mixed_7b", x);
  x = inception_e(b, "Mixed_7c", x);
  b.classifier("", x);
  inception_aux(b, mixed_6e);
  return std::move(b).finish();
}

}  // namespace dpcast::models
