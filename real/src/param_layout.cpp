#include "dpcast/real/param_layout.hpp"

#include "dpcast/models/error.hpp"

namespace dpcast::real {

const char* to_string(TensorRole role) {
  switch (role) {
    case TensorRole::Weight:
      return "weight";
    case TensorRole::Bias:
      return "bias";
    case TensorRole::Scale:
      return "scale";
    case TensorRole::Shift:
      return "shift";
    case TensorRole::Table:
      return "table";
  }
  return "?";
}

ParamLayout::ParamLayout(const GraphPlan& plan, double first_bucket_bytes, double bucket_bytes)
    : plan_(&plan), completes_(static_cast<std::size_t>(plan.size()), -1) {
  const auto buckets = models::make_buckets(plan.graph(), sizeof(float), first_bucket_bytes, bucket_bytes);
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    BucketSpan span;
    span.id = static_cast<int>(k);
    span.offset = total_;
    for (models::LayerId id : buckets[k].layers) {
      const int i = plan.index_of(id);
      const PlanNode& p = plan.node(i);
      auto add = [&](TensorRole role, std::size_t count, bool decay) {
        tensors_.push_back({i, role, p.name + "." + to_string(role), total_, count, decay});
        total_ += count;
      };
      const auto cols = static_cast<std::size_t>(p.cols);
      switch (p.kind) {
        case models::LayerKind::Linear:
          add(TensorRole::Weight, cols * static_cast<std::size_t>(p.in_cols), true);
          if (p.bias) add(TensorRole::Bias, cols, false);
          break;
        case models::LayerKind::Embedding:
          add(TensorRole::Table, static_cast<std::size_t>(p.table_rows) * cols, true);
          break;
        case models::LayerKind::LayerNorm:
          add(TensorRole::Scale, cols, false);
          if (p.bias) add(TensorRole::Shift, cols, false);
          break;
        default:
          throw Error("layer '" + p.name + "' has parameters the real backend does not lay out");
      }
      span.nodes.push_back(i);
    }
    span.count = total_ - span.offset;
    if (static_cast<double>(span.count) != buckets[k].params)
      throw Error("bucket " + std::to_string(k) + " lays out " + std::to_string(span.count) + " parameters, expected " +
                  std::to_string(static_cast<std::int64_t>(buckets[k].params)));
    span.last_node = span.nodes.back();
    completes_[static_cast<std::size_t>(span.last_node)] = span.id;
    buckets_.push_back(std::move(span));
  }
  if (static_cast<std::int64_t>(total_) != plan.graph().total_params())
    throw Error("laid out " + std::to_string(total_) + " parameters, the model has " +
                std::to_string(plan.graph().total_params()));
}

const ParamTensor* ParamLayout::find(int node, TensorRole role) const {
  const int owner = plan_->node(node).param_owner;
  for (const auto& t : tensors_)
    if (t.node == owner && t.role == role) return &t;
  return nullptr;
}

std::size_t ParamLayout::offset(int node, TensorRole role) const {
  const ParamTensor* t = find(node, role);
  if (!t) throw Error("layer '" + plan_->node(node).name + "' has no " + to_string(role));
  return t->offset;
}

}  // namespace dpcast::real
