// ModelGraph: orders, the first-layer rule, tied parameters and per-sample totals, on small
// hand-built graphs.
#include <gtest/gtest.h>

#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <vector>

#include "dpcast/models/error.hpp"
#include "dpcast/models/model_graph.hpp"

namespace dpcast::models {
namespace {

// tokens -> emb -> fc1 -> relu -> fc2 ----> add -> loss
//                    \_____________________/
// with a second input feeding a side branch into the add: a graph with more than one order.
struct Diamond {
  ModelGraph g{ModelInfo{"diamond", 0}};
  LayerId in, fc1, relu, fc2, side_in, side, add, out;
  Diamond() {
    in = g.add(input_layer("x", {4}));
    side_in = g.add(input_layer("y", {4}));
    fc1 = g.add(linear("fc1", 1, 4, 6, true), {in});  // 4*6+6 = 30 params
    relu = g.add(elementwise("relu", LayerKind::Relu, {1, 6}), {fc1});
    fc2 = g.add(linear("fc2", 1, 6, 6, false), {relu});       // 36 params
    side = g.add(linear("side", 1, 4, 6, false), {side_in});  // 24 params
    add = g.add(elementwise("add", LayerKind::Add, {1, 6}, 3), {fc2, side, fc1});
    out = g.add(loss("loss", 1, 6), {add});
  }
};

std::vector<std::size_t> positions(const std::vector<LayerId>& order, std::size_t n) {
  std::vector<std::size_t> pos(n, n);
  for (std::size_t i = 0; i < order.size(); ++i) pos[order[i]] = i;
  return pos;
}

TEST(ModelGraph, ForwardOrderIsTopological) {
  const Diamond d;
  const auto& order = d.g.forward_order();
  ASSERT_EQ(order.size(), d.g.size());
  const auto pos = positions(order, d.g.size());
  for (std::size_t v = 0; v < d.g.size(); ++v) EXPECT_LT(pos[v], d.g.size()) << "layer missing from order";
  int edges = 0;
  for (auto [e, end] = boost::edges(d.g.graph()); e != end; ++e, ++edges) {
    const LayerId u = boost::source(*e, d.g.graph());
    const LayerId v = boost::target(*e, d.g.graph());
    EXPECT_LT(pos[u], pos[v]) << d.g.layer(u).name << " must come before " << d.g.layer(v).name;
  }
  EXPECT_EQ(edges, 8);
  EXPECT_EQ(order.back(), d.out);
}

TEST(ModelGraph, GradientReadyOrderIsTheReverse) {
  const Diamond d;
  const auto fwd = d.g.forward_order();
  const auto bwd = d.g.gradient_ready_order();
  ASSERT_EQ(bwd.size(), fwd.size());
  for (std::size_t i = 0; i < fwd.size(); ++i) EXPECT_EQ(bwd[i], fwd[fwd.size() - 1 - i]);
  EXPECT_EQ(bwd.front(), d.out);
}

TEST(ModelGraph, OrderFollowsLaterAdditions) {
  ModelGraph g(ModelInfo{"grow", 0});
  const LayerId x = g.add(input_layer("x", {2}));
  const LayerId a = g.add(linear("a", 1, 2, 2, false), {x});
  EXPECT_EQ(g.forward_order().size(), 2u);
  const LayerId b = g.add(loss("loss", 1, 2), {a});
  ASSERT_EQ(g.forward_order().size(), 3u);  // the cached order is refreshed
  EXPECT_EQ(g.forward_order().back(), b);
}

TEST(ModelGraph, LayersReadingOnlyInputsComputeNoInputGradient) {
  const Diamond d;
  EXPECT_EQ(d.g.layer(d.fc1).backward_input_flops, 0.0);
  EXPECT_EQ(d.g.layer(d.fc1).backward_weight_flops, 2.0 * 4 * 6);  // the weight gradient stays
  EXPECT_EQ(d.g.layer(d.side).backward_input_flops, 0.0);
  EXPECT_EQ(d.g.layer(d.fc2).backward_input_flops, 2.0 * 6 * 6);  // reads a computed layer
  // A layer reading one input and one computed layer still needs its input gradient.
  ModelGraph g(ModelInfo{"mixed", 0});
  const LayerId x = g.add(input_layer("x", {1, 6}));
  const LayerId r = g.add(elementwise("relu", LayerKind::Relu, {1, 6}), {x});
  const LayerId m = g.add(elementwise("mul", LayerKind::Multiply, {1, 6}, 2), {x, r});
  EXPECT_EQ(g.layer(r).backward_input_flops, 0.0);
  EXPECT_EQ(g.layer(m).backward_input_flops, 12.0);  // 2 x 1 FLOP x 6 elements
}

TEST(ModelGraph, AddingAReadOfAMissingLayerThrowsAndLeavesTheGraphUnchanged) {
  ModelGraph g(ModelInfo{"bad", 0});
  const LayerId x = g.add(input_layer("x", {2}));
  const LayerId a = g.add(linear("a", 1, 2, 2, false), {x});
  // `a + 1` is the id the new layer itself would get: it cannot read it.
  EXPECT_THROW((void)g.add(linear("b", 1, 2, 2, false), {a, a + 1}), dpcast::Error);
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.total_params(), 4);
}

TEST(ModelGraph, TiedLayersOwnNoParameters) {
  // A tiny language model: tokens -> embedding (vocab 10, dim 4) -> head (4 -> 10), tied.
  ModelGraph g(ModelInfo{"tied", 3});
  const LayerId t = g.add(input_layer("tokens", {3}));
  const LayerId e = g.add(embedding("wte", 3, 10, 4), {t});
  const LayerId h = g.add(linear("head", 3, 4, 10, false), {e});
  g.add(loss("loss", 3, 10), {h});
  EXPECT_EQ(g.total_params(), 40 + 40);
  g.tie(h, e);
  EXPECT_EQ(g.owned_params(h), 0);
  EXPECT_EQ(g.owned_params(e), 40);
  EXPECT_EQ(g.layer(h).params, 40);  // the layer still reads its 40 weights
  EXPECT_EQ(g.total_params(), 40);   // counted once
  EXPECT_TRUE(g.info().is_sequence_model());
}

TEST(ModelGraph, TieWithDifferentParameterCountsThrows) {
  ModelGraph g(ModelInfo{"tied", 3});
  const LayerId t = g.add(input_layer("tokens", {3}));
  const LayerId e = g.add(embedding("wte", 3, 10, 4), {t});
  const LayerId h = g.add(linear("head", 3, 4, 10, true), {e});  // 40 + 10 biases
  try {
    g.tie(h, e);
    FAIL() << "no exception";
  } catch (const dpcast::Error& err) {
    EXPECT_STREQ(err.what(), "cannot tie 'head' to 'wte': parameter counts differ");
  }
  EXPECT_EQ(g.owned_params(h), 50);  // nothing changed
  EXPECT_EQ(g.total_params(), 90);
}

TEST(ModelGraph, PerSampleTotals) {
  const Diamond d;
  EXPECT_EQ(d.g.total_params(), 30 + 36 + 24);
  // Forward: fc1 2*4*6 = 48, relu 6, fc2 2*6*6 = 72, side 2*4*6 = 48, add 6, loss 5*6 = 30.
  EXPECT_EQ(d.g.forward_flops_per_sample(), 48.0 + 6 + 72 + 48 + 6 + 30);
  // Backward: fc1 weight 48 (no input grad), relu 12, fc2 72 + 72, side weight 48,
  // add 0, loss 2*6 = 12.
  EXPECT_EQ(d.g.backward_flops_per_sample(), 48.0 + 12 + 144 + 48 + 0 + 12);
  // Saved: fc1 4, relu 6, fc2 6, side 4, add 0, loss 6.
  EXPECT_EQ(d.g.saved_elements_per_sample(), 4.0 + 6 + 6 + 4 + 0 + 6);
  EXPECT_EQ(d.g.info().name, "diamond");
  EXPECT_FALSE(d.g.info().is_sequence_model());
}

}  // namespace
}  // namespace dpcast::models
