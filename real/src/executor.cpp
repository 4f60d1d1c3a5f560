#include "dpcast/real/executor.hpp"

#include <set>
#include <string>

#include "dpcast/models/error.hpp"

namespace dpcast::real {
namespace {
using models::LayerKind;
}  // namespace

Executor::Executor(const GraphPlan& plan, const ParamLayout& layout, Device& device, Kernels& kernels,
                   ExecutorOptions options)
    : plan_(&plan),
      layout_(&layout),
      device_(&device),
      kernels_(&kernels),
      batch_(options.micro_batch),
      params_(device, layout.total()),
      grads_(device, layout.total()),
      state_(static_cast<std::size_t>(plan.size())) {
  if (batch_ <= 0) throw Error("micro-batch must be positive");
  std::int64_t scratch = 0;
  for (int i = 0; i < plan.size(); ++i) {
    const PlanNode& p = plan.node(i);
    NodeState& s = state_[static_cast<std::size_t>(i)];
    const auto n = static_cast<std::size_t>(batch_ * p.elements());
    const auto rows = static_cast<std::size_t>(batch_ * p.rows);
    switch (p.kind) {
      case LayerKind::Input:
        if (p.is_token_input) {
          s.ids = DeviceArray<std::int32_t>(device, n);
        } else {
          s.out = DeviceArray<float>(device, n);
          if (options.input_gradient) s.grad = DeviceArray<float>(device, n);
        }
        break;
      case LayerKind::Loss:
        s.ids = DeviceArray<std::int32_t>(device, rows);
        s.stat_a = DeviceArray<float>(device, rows * static_cast<std::size_t>(p.in_cols));  // probabilities
        s.stat_b = DeviceArray<float>(device, 1);                                           // the loss
        break;
      default:
        s.out = DeviceArray<float>(device, n);
        s.grad = DeviceArray<float>(device, n);
        break;
    }
    if (p.kind == LayerKind::LayerNorm) {
      s.stat_a = DeviceArray<float>(device, rows);
      s.stat_b = DeviceArray<float>(device, rows);
    }
    if (p.kind == LayerKind::Attention) {
      s.stat_a = DeviceArray<float>(device, static_cast<std::size_t>(batch_ * p.heads * p.rows * p.rows));
      scratch = std::max(scratch, kernels.attention_scratch(batch_, p.rows, p.heads));
    }
    activation_bytes_ +=
        static_cast<double>(s.out.bytes() + s.grad.bytes() + s.stat_a.bytes() + s.stat_b.bytes() + s.ids.bytes());
    // Parameter offsets (a tied linear reads its owner's table as [out][in]).
    if (p.param_owner >= 0) {
      switch (p.kind) {
        case LayerKind::Linear: {
          const PlanNode& owner = plan.node(p.param_owner);
          s.weight = layout.offset(i, owner.kind == LayerKind::Embedding ? TensorRole::Table : TensorRole::Weight);
          if (p.bias) s.bias = layout.offset(i, TensorRole::Bias);
          break;
        }
        case LayerKind::Embedding:
          s.weight = layout.offset(i, TensorRole::Table);
          break;
        case LayerKind::LayerNorm:
          s.weight = layout.offset(i, TensorRole::Scale);
          if (p.bias) s.bias = layout.offset(i, TensorRole::Shift);
          break;
        default:
          break;
      }
    }
  }
  if (scratch > 0) scratch_ = DeviceArray<float>(device, static_cast<std::size_t>(scratch));
  activation_bytes_ += static_cast<double>(scratch_.bytes());

  // Who writes a gradient first in backward (reverse forward order) overwrites it; the
  // others add to it. This spares zeroing gradients before every backward.
  std::set<int> written, params_written;
  for (int i = plan.size() - 1; i >= 0; --i) {
    const PlanNode& p = plan.node(i);
    NodeState& s = state_[static_cast<std::size_t>(i)];
    for (int in : p.inputs) s.first_grad_write.push_back(written.insert(in).second);
    if (p.param_owner >= 0) s.first_param_write = params_written.insert(p.param_owner).second;
  }
}

void Executor::set_features(const std::vector<float>& features) {
  NodeState& s = state_[static_cast<std::size_t>(plan_->input_index())];
  if (plan_->tokens_in() || features.size() != s.out.size())
    throw Error("set_features: expected " + std::to_string(s.out.size()) + " features");
  device_->upload(s.out.data(), features.data(), s.out.bytes());
}

void Executor::set_tokens(const std::vector<std::int32_t>& tokens) {
  NodeState& s = state_[static_cast<std::size_t>(plan_->input_index())];
  if (!plan_->tokens_in() || tokens.size() != s.ids.size())
    throw Error("set_tokens: expected " + std::to_string(s.ids.size()) + " token ids");
  for (std::int32_t t : tokens)
    if (t < 0 || t >= plan_->vocab()) throw Error("set_tokens: token id " + std::to_string(t) + " out of range");
  device_->upload(s.ids.data(), tokens.data(), s.ids.bytes());
}

void Executor::set_targets(const std::vector<std::int32_t>& targets) {
  NodeState& s = state_[static_cast<std::size_t>(plan_->loss_index())];
  if (targets.size() != s.ids.size()) throw Error("set_targets: expected " + std::to_string(s.ids.size()) + " targets");
  for (std::int32_t t : targets)
    if (t < 0 || t >= plan_->classes()) throw Error("set_targets: class " + std::to_string(t) + " out of range");
  device_->upload(s.ids.data(), targets.data(), s.ids.bytes());
}

const float* Executor::input_gradient() const {
  const NodeState& s = state_[static_cast<std::size_t>(plan_->input_index())];
  if (!s.grad.data()) throw Error("input_gradient: not computed (ExecutorOptions::input_gradient)");
  return s.grad.data();
}

float Executor::loss() {
  float value = 0;
  device_->download(&value, state_[static_cast<std::size_t>(plan_->loss_index())].stat_b.data(), sizeof value);
  return value;
}

void Executor::forward(LayerObserver* observer) {
  for (int i = 0; i < plan_->size(); ++i) {
    if (observer) observer->before(i, Pass::Forward);
    forward_node(i);
    if (observer) observer->after(i, Pass::Forward);
  }
}

void Executor::backward(float loss_scale, bool accumulate, LayerObserver* observer) {
  for (int i = plan_->size() - 1; i >= 0; --i) {
    if (observer) observer->before(i, Pass::Backward);
    backward_node(i, loss_scale, accumulate);
    if (observer) observer->after(i, Pass::Backward);
  }
}

void Executor::forward_node(int i) {
  const PlanNode& p = plan_->node(i);
  NodeState& s = state_[static_cast<std::size_t>(i)];
  Kernels& k = *kernels_;
  const std::int64_t rows = batch_ * p.rows;
  const std::int64_t n = batch_ * p.elements();
  float* w = params_.data() + s.weight;
  float* y = s.out.data();
  const float* x = p.inputs.empty() ? nullptr : out(p.inputs[0]);
  switch (p.kind) {
    case LayerKind::Input:
      break;
    case LayerKind::Embedding: {
      const std::int32_t* ids = state_[static_cast<std::size_t>(plan_->input_index())].ids.data();
      k.embedding_forward(y, w, p.positional ? nullptr : ids, batch_, p.rows, p.cols);
      break;
    }
    case LayerKind::Linear:
      k.gemm(false, true, rows, p.cols, p.in_cols, 1.0f, x, p.in_cols, w, p.in_cols, 0.0f, y, p.cols);
      if (p.bias) k.add_bias(y, params_.data() + s.bias, rows, p.cols);
      break;
    case LayerKind::LayerNorm:
      k.layernorm_forward(y, s.stat_a.data(), s.stat_b.data(), x, w, p.bias ? params_.data() + s.bias : nullptr, rows,
                          p.cols, kLayerNormEps);
      break;
    case LayerKind::Attention:
      k.attention_forward(y, s.stat_a.data(), x, batch_, p.rows, p.heads, p.head_dim);
      break;
    case LayerKind::Gelu:
      k.gelu_forward(y, x, n);
      break;
    case LayerKind::Relu:
      k.relu_forward(y, x, n);
      break;
    case LayerKind::Add: {
      std::vector<const float*> inputs;
      for (int in : p.inputs) inputs.push_back(out(in));
      k.add_forward(y, inputs.data(), static_cast<int>(inputs.size()), n);
      break;
    }
    case LayerKind::Loss:
      k.cross_entropy_forward(s.stat_a.data(), s.stat_b.data(), x, s.ids.data(), rows, p.in_cols);
      break;
    default:
      throw Error("layer '" + p.name + "': kind not executable");
  }
}

void Executor::backward_node(int i, float loss_scale, bool accumulate) {
  const PlanNode& p = plan_->node(i);
  NodeState& s = state_[static_cast<std::size_t>(i)];
  Kernels& k = *kernels_;
  const std::int64_t rows = batch_ * p.rows;
  const std::int64_t n = batch_ * p.elements();
  // Parameter gradients add up over micro-steps and over layers sharing them (tied weights).
  const bool add_params = accumulate || !s.first_param_write;
  float* w = params_.data() + s.weight;
  float* gw = grads_.data() + s.weight;
  float* gb = grads_.data() + s.bias;
  const float* dy = s.grad.data();
  // The input's gradient (null when nothing needs it) and whether to add to it.
  float* dx = p.inputs.empty() ? nullptr : grad(p.inputs[0]);
  const bool add_dx = !p.inputs.empty() && !s.first_grad_write[0];
  const float* x = p.inputs.empty() ? nullptr : out(p.inputs[0]);
  switch (p.kind) {
    case LayerKind::Input:
      break;
    case LayerKind::Loss:
      if (dx)
        k.cross_entropy_backward(dx, s.stat_a.data(), s.ids.data(), rows, p.in_cols,
                                 loss_scale / static_cast<float>(rows), add_dx);
      break;
    case LayerKind::Linear:
      // dW = dy^T x ([out][in]); db = column sums of dy; dx = dy W.
      k.gemm(true, false, p.cols, p.in_cols, rows, 1.0f, dy, p.cols, x, p.in_cols, add_params ? 1.0f : 0.0f, gw,
             p.in_cols);
      if (p.bias) k.bias_grad(gb, dy, rows, p.cols, add_params);
      if (dx)
        k.gemm(false, false, rows, p.in_cols, p.cols, 1.0f, dy, p.cols, w, p.in_cols, add_dx ? 1.0f : 0.0f, dx,
               p.in_cols);
      break;
    case LayerKind::Embedding: {
      const std::int32_t* ids = state_[static_cast<std::size_t>(plan_->input_index())].ids.data();
      k.embedding_backward(gw, dy, p.positional ? nullptr : ids, batch_, p.rows, p.cols, p.table_rows, add_params);
      break;
    }
    case LayerKind::LayerNorm:
      k.layernorm_backward(dx, gw, p.bias ? gb : nullptr, dy, x, s.stat_a.data(), s.stat_b.data(), w, rows, p.cols,
                           add_dx, add_params);
      break;
    case LayerKind::Attention:
      if (dx)
        k.attention_backward(dx, scratch_.data(), dy, x, s.stat_a.data(), batch_, p.rows, p.heads, p.head_dim, add_dx);
      break;
    case LayerKind::Gelu:
      if (dx) k.gelu_backward(dx, dy, x, n, add_dx);
      break;
    case LayerKind::Relu:
      if (dx) k.relu_backward(dx, dy, s.out.data(), n, add_dx);
      break;
    case LayerKind::Add:
      for (std::size_t in = 0; in < p.inputs.size(); ++in)
        if (float* d = grad(p.inputs[in])) k.copy(d, dy, n, !s.first_grad_write[in]);
      break;
    default:
      throw Error("layer '" + p.name + "': kind not executable");
  }
}

}  // namespace dpcast::real
