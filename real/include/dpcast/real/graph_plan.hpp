#pragma once
// GraphPlan: a models::ModelGraph checked for execution and turned into what the executor
// walks: the layers in forward order, each with its inputs, its per-sample shape as rows x
// cols, and the facts its kernels need. Anything the real backend cannot run (a layer kind,
// grouped-query attention, shapes that do not chain) is a dpcast::Error that names the layer.
#include <cstdint>
#include <string>
#include <vector>

#include "dpcast/models/model_graph.hpp"

namespace dpcast::real {

/// One layer as executed. Shapes are per sample; a micro-batch multiplies the rows.
struct PlanNode {
  models::LayerId id = 0;
  std::string name;
  models::LayerKind kind = models::LayerKind::Input;
  std::vector<int> inputs;      // plan indices of the layers it reads, in the graph's edge order
  std::int64_t rows = 1;        // output rows per sample (tokens; 1 for a plain vector)
  std::int64_t cols = 1;        // output width
  std::int64_t in_cols = 0;     // Linear: input features; Loss: classes
  std::int64_t table_rows = 0;  // Embedding: rows of the table (vocabulary or positions)
  bool bias = false;            // Linear, LayerNorm
  bool positional = false;      // Embedding indexed by position
  std::int64_t heads = 0;       // Attention
  std::int64_t head_dim = 0;    // Attention
  int param_owner = -1;         // plan index of the layer whose parameters it uses (itself, or the tied owner)
  bool is_token_input = false;  // Input: token ids (read by embeddings) rather than features

  [[nodiscard]] std::int64_t elements() const { return rows * cols; }
};

class GraphPlan {
 public:
  /// Checks `graph` and plans it; throws dpcast::Error on anything the backend cannot run.
  explicit GraphPlan(const models::ModelGraph& graph);

  [[nodiscard]] const models::ModelGraph& graph() const { return *graph_; }
  [[nodiscard]] const std::vector<PlanNode>& nodes() const { return nodes_; }
  [[nodiscard]] const PlanNode& node(int i) const { return nodes_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] int size() const { return static_cast<int>(nodes_.size()); }
  /// Plan index of a graph layer.
  [[nodiscard]] int index_of(models::LayerId id) const { return index_of_[id]; }
  [[nodiscard]] int input_index() const { return input_; }
  [[nodiscard]] int loss_index() const { return loss_; }
  /// A sequence model: token ids in, next-token targets out.
  [[nodiscard]] bool tokens_in() const { return node(input_).is_token_input; }
  /// Tokens per sample (sequence models) or features per sample.
  [[nodiscard]] std::int64_t input_elements() const { return node(input_).elements(); }
  /// The token vocabulary (sequence models): rows of the token embeddings.
  [[nodiscard]] std::int64_t vocab() const { return vocab_; }
  /// Rows and classes of the loss, per sample.
  [[nodiscard]] std::int64_t loss_rows() const { return node(loss_).rows; }
  [[nodiscard]] std::int64_t classes() const { return node(loss_).in_cols; }

 private:
  // The constructor's steps (graph_plan.cpp): every layer in forward order, then each one
  // checked against its neighbours and planned by its kind, then what the input carries.
  void add_layers();
  void plan_layer(PlanNode& p, const std::vector<int>& consumers);
  void set_param_owner(PlanNode& p, const models::Layer& l) const;
  void plan_input(const PlanNode& p, const models::Layer& l);
  void plan_embedding(PlanNode& p, const models::Layer& l);
  void plan_linear(PlanNode& p, const models::Layer& l) const;
  void plan_layernorm(PlanNode& p, const models::Layer& l) const;
  void plan_attention(PlanNode& p, const models::Layer& l) const;
  void check_add(const PlanNode& p, const models::Layer& l) const;
  void plan_loss(PlanNode& p, const models::Layer& l, const std::vector<int>& consumers);
  /// Throws unless `p` reads one layer of `elements` elements per sample.
  void expect_one_input(const PlanNode& p, const models::Layer& l, std::int64_t elements) const;
  void choose_input_kind();

  const models::ModelGraph* graph_;
  std::vector<PlanNode> nodes_;
  std::vector<int> index_of_;
  int input_ = -1;
  int loss_ = -1;
  std::int64_t vocab_ = 0;
};

/// "input, embedding, linear, layernorm, attention, gelu, relu, add, loss".
[[nodiscard]] std::string supported_kinds();

}  // namespace dpcast::real
