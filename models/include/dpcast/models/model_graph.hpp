#pragma once
// A model is a directed acyclic graph of layers (Boost.Graph, layers as bundled vertex
// properties; an edge u -> v means v reads u's output). The graph gives the forward
// (topological) order, the gradient-ready order (reverse topological: the order in which
// backward produces parameter gradients, used for bucketing) and the totals.
#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "dpcast/models/layer.hpp"

namespace dpcast::models {

using LayerGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Layer>;
using LayerId = LayerGraph::vertex_descriptor;

/// Model-level facts the predictors need besides the layers.
struct ModelInfo {
  std::string name;
  std::int64_t seq_len = 0;  // tokens per sample for sequence models; 0 otherwise
  bool is_sequence_model() const { return seq_len > 0; }
};

class ModelGraph {
 public:
  explicit ModelGraph(ModelInfo info);

  /// Adds a layer reading the outputs of `inputs`. A layer whose inputs are all Input
  /// layers computes no input gradient (backward_input_flops set to 0).
  LayerId add(Layer layer, std::initializer_list<LayerId> inputs = {});
  LayerId add(Layer layer, const std::vector<LayerId>& inputs);
  /// Declares that `user` shares the parameters of `owner` (tied embeddings): the user's
  /// parameters are not counted again and its gradient lands in the owner's bucket.
  void tie(LayerId user, LayerId owner);
  /// Marks a layer as part of repeated block `block` (activation checkpointing recomputes blocks).
  void set_block(LayerId id, int block) { graph_[id].block = block; }

  [[nodiscard]] const ModelInfo& info() const { return info_; }
  [[nodiscard]] const LayerGraph& graph() const { return graph_; }
  [[nodiscard]] const Layer& layer(LayerId id) const { return graph_[id]; }
  [[nodiscard]] std::size_t size() const { return boost::num_vertices(graph_); }

  /// Layers in an order where every layer follows its inputs (the forward order).
  [[nodiscard]] const std::vector<LayerId>& forward_order() const;
  /// The reverse: the order in which backward makes gradients ready.
  [[nodiscard]] std::vector<LayerId> gradient_ready_order() const;
  /// Parameters this layer owns (0 for a layer tied to another's parameters).
  [[nodiscard]] std::int64_t owned_params(LayerId id) const;

  [[nodiscard]] std::int64_t total_params() const;
  /// Per-sample totals.
  [[nodiscard]] double forward_flops_per_sample() const;
  [[nodiscard]] double backward_flops_per_sample() const;
  [[nodiscard]] double saved_elements_per_sample() const;
  /// With activation checkpointing every block keeps only its input, and one block at a
  /// time holds its full activations again while it is recomputed in backward.
  [[nodiscard]] double checkpointed_elements_per_sample() const;

 private:
  ModelInfo info_;
  LayerGraph graph_;
  std::vector<LayerId> tied_to_;  // vertex -> owner vertex, or itself
  mutable std::vector<LayerId> order_cache_;
};

}  // namespace dpcast::models
