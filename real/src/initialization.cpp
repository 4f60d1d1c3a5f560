#include "dpcast/real/initialization.hpp"

#include <cmath>
#include <string_view>

#include "dpcast/real/rng.hpp"

namespace dpcast::real {
namespace {
using models::LayerKind;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// A linear layer whose output goes straight into an add is the end of a residual branch.
bool is_residual_projection(const GraphPlan& plan, int node) {
  if (plan.node(node).kind != LayerKind::Linear) return false;
  for (const auto& p : plan.nodes())
    for (int in : p.inputs)
      if (in == node && p.kind == LayerKind::Add) return true;
  return false;
}
}  // namespace

std::vector<float> initial_parameters(const GraphPlan& plan, const ParamLayout& layout, std::uint64_t seed) {
  std::vector<float> values(layout.total(), 0.0f);
  const bool gpt = plan.tokens_in();
  int residual = 0;
  for (int i = 0; i < plan.size(); ++i) residual += is_residual_projection(plan, i) ? 1 : 0;
  for (const ParamTensor& t : layout.tensors()) {
    const PlanNode& p = plan.node(t.node);
    const std::uint64_t key = hash_keys({seed, fnv1a(t.name)});
    float* v = values.data() + t.offset;
    auto normal = [&](double std) {
      for (std::size_t e = 0; e < t.count; ++e) v[e] = static_cast<float>(std * standard_normal(hash_keys({key, e})));
    };
    auto uniform = [&](double bound) {
      for (std::size_t e = 0; e < t.count; ++e)
        v[e] = static_cast<float>(bound * (2.0 * uniform01(hash_keys({key, e})) - 1.0));
    };
    auto constant = [&](float c) { std::fill(v, v + t.count, c); };
    const double fan_in = static_cast<double>(p.in_cols);
    switch (t.role) {
      case TensorRole::Weight:
        if (gpt)
          normal(is_residual_projection(plan, t.node) ? 0.02 / std::sqrt(static_cast<double>(residual)) : 0.02);
        else
          uniform(1.0 / std::sqrt(fan_in));
        break;
      case TensorRole::Bias:
        if (gpt)
          constant(0.0f);
        else
          uniform(1.0 / std::sqrt(fan_in));
        break;
      case TensorRole::Table:
        normal(gpt ? 0.02 : 1.0);
        break;
      case TensorRole::Scale:
        constant(1.0f);
        break;
      case TensorRole::Shift:
        constant(0.0f);
        break;
    }
  }
  return values;
}

}  // namespace dpcast::real
