#pragma once
// ParamLayout: every parameter tensor in one flat buffer (and its gradient at the same offset
// in another), laid out bucket by bucket in the order models::make_buckets forms them —
// the rule the predictors use — so each bucket's gradients are one contiguous span that
// is all-reduced in place, with no copies. Optimizer states share the layout.
#include <cstddef>
#include <string>
#include <vector>

#include "dpcast/models/buckets.hpp"
#include "dpcast/real/graph_plan.hpp"

namespace dpcast::real {

enum class TensorRole { Weight, Bias, Scale, Shift, Table };
[[nodiscard]] const char* to_string(TensorRole role);

struct ParamTensor {
  int node = -1;  // plan index of the layer that owns it
  TensorRole role = TensorRole::Weight;
  std::string name;        // "h0.attn.qkv.weight"
  std::size_t offset = 0;  // in floats, into the flat buffer
  std::size_t count = 0;
  /// Matrices (linear weights, embedding tables) take weight decay; biases and norms do not.
  bool decay = false;
};

struct BucketSpan {
  int id = 0;
  std::size_t offset = 0;  // in floats
  std::size_t count = 0;
  std::vector<int> nodes;  // plan indices, in gradient-ready order
  int last_node = -1;      // its gradients are all computed once this layer's backward is done
  [[nodiscard]] double bytes() const { return static_cast<double>(count) * sizeof(float); }
};

class ParamLayout {
 public:
  /// Buckets capped at first_bucket_bytes, then bucket_bytes (fp32 gradients).
  ParamLayout(const GraphPlan& plan, double first_bucket_bytes, double bucket_bytes);

  [[nodiscard]] const std::vector<ParamTensor>& tensors() const { return tensors_; }
  [[nodiscard]] const std::vector<BucketSpan>& buckets() const { return buckets_; }
  [[nodiscard]] std::size_t total() const { return total_; }
  /// The tensor of a layer's parameters in a role (the owner's, for a tied layer); null if none.
  [[nodiscard]] const ParamTensor* find(int node, TensorRole role) const;
  /// Offset of a layer's tensor (throws if it has none).
  [[nodiscard]] std::size_t offset(int node, TensorRole role) const;
  /// The bucket a layer's backward completes, or -1.
  [[nodiscard]] int bucket_completed_by(int node) const { return completes_[static_cast<std::size_t>(node)]; }

 private:
  const GraphPlan* plan_;
  std::vector<ParamTensor> tensors_;
  std::vector<BucketSpan> buckets_;
  std::vector<int> completes_;
  std::size_t total_ = 0;
};

}  // namespace dpcast::real
