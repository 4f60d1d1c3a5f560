#include "dpcast/real/graph_plan.hpp"

#include <algorithm>

#include "dpcast/models/error.hpp"

namespace dpcast::real {
namespace {
using models::LayerKind;

constexpr LayerKind kSupported[] = {LayerKind::Input,     LayerKind::Embedding, LayerKind::Linear,
                                    LayerKind::LayerNorm, LayerKind::Attention, LayerKind::Gelu,
                                    LayerKind::Relu,      LayerKind::Add,       LayerKind::Loss};

std::string n(std::int64_t v) {
  return std::to_string(v);
}

std::string quoted(const models::Layer& l) {
  return "layer '" + l.name + "' (" + std::string(models::to_string(l.kind)) + ")";
}
}  // namespace

std::string supported_kinds() {
  std::string s;
  for (LayerKind k : kSupported) s += (s.empty() ? "" : ", ") + std::string(models::to_string(k));
  return s;
}

GraphPlan::GraphPlan(const models::ModelGraph& graph) : graph_(&graph), index_of_(graph.size(), -1) {
  add_layers();
  std::vector<int> consumers(nodes_.size(), 0);
  for (const auto& p : nodes_)
    for (int i : p.inputs) ++consumers[static_cast<std::size_t>(i)];
  for (auto& p : nodes_) plan_layer(p, consumers);
  if (input_ < 0) throw Error("the model has no input layer");
  if (loss_ < 0) throw Error("the model has no loss layer");
  choose_input_kind();
}

// Every layer in forward order, with its inputs and its output as rows x cols.
void GraphPlan::add_layers() {
  const auto& g = graph_->graph();
  for (models::LayerId id : graph_->forward_order()) {
    const models::Layer& l = graph_->layer(id);
    if (std::find(std::begin(kSupported), std::end(kSupported), l.kind) == std::end(kSupported))
      throw Error(quoted(l) + " is not supported by the real backend, which runs " + supported_kinds());
    index_of_[id] = static_cast<int>(nodes_.size());
    PlanNode p;
    p.id = id;
    p.name = l.name;
    p.kind = l.kind;
    for (auto [e, end] = boost::in_edges(id, g); e != end; ++e) p.inputs.push_back(index_of_[boost::source(*e, g)]);
    const models::Shape& out = l.output_shape;
    p.rows = out.size() == 2 ? out[0] : 1;
    p.cols = p.rows > 0 ? models::elements(out) / p.rows : 0;
    nodes_.push_back(std::move(p));
  }
}

// One layer: wired into the graph, its parameters' owner, then what its kind needs.
void GraphPlan::plan_layer(PlanNode& p, const std::vector<int>& consumers) {
  const models::Layer& l = graph_->layer(p.id);
  if (p.kind != LayerKind::Loss && consumers[static_cast<std::size_t>(index_of_[p.id])] == 0)
    throw Error(quoted(l) + " feeds no other layer: its output would not reach the loss");
  if (p.kind != LayerKind::Input && p.inputs.empty()) throw Error(quoted(l) + " reads no layer");
  set_param_owner(p, l);

  switch (p.kind) {
    case LayerKind::Input:
      plan_input(p, l);
      break;
    case LayerKind::Embedding:
      plan_embedding(p, l);
      break;
    case LayerKind::Linear:
      plan_linear(p, l);
      break;
    case LayerKind::LayerNorm:
      plan_layernorm(p, l);
      break;
    case LayerKind::Attention:
      plan_attention(p, l);
      break;
    case LayerKind::Gelu:
    case LayerKind::Relu:
      expect_one_input(p, l, models::elements(l.input_shape));
      break;
    case LayerKind::Add:
      check_add(p, l);
      break;
    case LayerKind::Loss:
      plan_loss(p, l, consumers);
      break;
    default:
      break;
  }
}

// Parameters: owned, tied to another layer's, or none.
void GraphPlan::set_param_owner(PlanNode& p, const models::Layer& l) const {
  if (l.params <= 0) return;
  if (graph_->owned_params(p.id) == l.params) {
    p.param_owner = index_of_[p.id];
    return;
  }
  auto owner = std::find_if(nodes_.begin(), nodes_.end(), [&](const PlanNode& o) { return o.name == l.tied_to; });
  if (l.tied_to.empty() || owner == nodes_.end() || graph_->owned_params(owner->id) != l.params)
    throw Error(quoted(l) + " shares parameters, but not with a layer that owns " + n(l.params) +
                " (Layer::tied_to names '" + l.tied_to + "')");
  p.param_owner = static_cast<int>(owner - nodes_.begin());
}

void GraphPlan::expect_one_input(const PlanNode& p, const models::Layer& l, std::int64_t elements) const {
  if (p.inputs.size() != 1)
    throw Error(quoted(l) + " reads " + n(static_cast<std::int64_t>(p.inputs.size())) + " layers; it takes one");
  const PlanNode& in = node(p.inputs[0]);
  if (in.elements() != elements)
    throw Error(quoted(l) + " expects " + n(elements) + " input elements per sample, but '" + in.name + "' gives " +
                n(in.elements()));
}

void GraphPlan::plan_input(const PlanNode& p, const models::Layer& l) {
  if (input_ >= 0)
    throw Error("the real backend needs one input layer; '" + node(input_).name + "' and '" + l.name + "' are two");
  input_ = index_of_[p.id];
}

void GraphPlan::plan_embedding(PlanNode& p, const models::Layer& l) {
  const auto& src = nodes_[static_cast<std::size_t>(p.inputs.at(0))];
  if (p.inputs.size() != 1 || src.kind != LayerKind::Input)
    throw Error(quoted(l) + " must read the token ids of the input layer");
  if (l.input_shape.size() != 1 || l.output_shape.size() != 2 || src.elements() != l.input_shape[0])
    throw Error(quoted(l) + " expects " + n(models::elements(l.input_shape)) + " token ids per sample, but '" +
                src.name + "' gives " + n(src.elements()));
  p.rows = l.output_shape[0];
  p.cols = l.output_shape[1];
  if (l.params % p.cols != 0) throw Error(quoted(l) + " has " + n(l.params) + " parameters, not rows x " + n(p.cols));
  p.table_rows = l.params / p.cols;
  p.positional = l.positional;
  if (p.positional && p.table_rows < p.rows)
    throw Error(quoted(l) + " has " + n(p.table_rows) + " positions for " + n(p.rows) + " tokens");
  if (p.positional) return;
  // Every embedding indexed by token id reads the same ids: one vocabulary.
  for (const auto& o : nodes_)
    if (o.kind == LayerKind::Embedding && !o.positional && o.table_rows != p.table_rows && o.table_rows > 0)
      throw Error("embeddings '" + o.name + "' (" + n(o.table_rows) + " rows) and '" + p.name + "' (" +
                  n(p.table_rows) + " rows) both read the token ids; the real backend needs one vocabulary");
  vocab_ = p.table_rows;
}

void GraphPlan::plan_linear(PlanNode& p, const models::Layer& l) const {
  if (l.input_shape.size() != 2 || l.output_shape.size() != 2 || l.input_shape[0] != l.output_shape[0])
    throw Error(quoted(l) + " needs shapes [tokens, in] -> [tokens, out]");
  expect_one_input(p, l, models::elements(l.input_shape));
  p.rows = l.output_shape[0];
  p.cols = l.output_shape[1];
  p.in_cols = l.input_shape[1];
  p.bias = l.bias;
  const std::int64_t needed = p.in_cols * p.cols + (p.bias ? p.cols : 0);
  if (l.params != needed)
    throw Error(quoted(l) + " has " + n(l.params) + " parameters; " + n(p.in_cols) + " -> " + n(p.cols) +
                (p.bias ? " with" : " without") + " bias needs " + n(needed));
  if (p.param_owner == index_of_[p.id]) return;
  const auto& owner = node(p.param_owner);
  // A tied weight is read as [out][in]: an embedding table [vocab][dim] fits when out = vocab.
  const bool fits =
      !p.bias &&
      ((owner.kind == LayerKind::Embedding && !owner.positional && owner.table_rows == p.cols &&
        owner.cols == p.in_cols) ||
       (owner.kind == LayerKind::Linear && !owner.bias && owner.cols == p.cols && owner.in_cols == p.in_cols));
  if (!fits) throw Error(quoted(l) + " cannot use the parameters of '" + owner.name + "' as its weight");
}

void GraphPlan::plan_layernorm(PlanNode& p, const models::Layer& l) const {
  const std::int64_t in_total = models::elements(l.input_shape);
  expect_one_input(p, l, in_total);
  p.cols = l.input_shape.back();
  p.rows = in_total / p.cols;
  p.bias = l.bias;
  if (l.params != p.cols * (p.bias ? 2 : 1))
    throw Error(quoted(l) + " has " + n(l.params) + " parameters for " + n(p.cols) + " features");
}

void GraphPlan::plan_attention(PlanNode& p, const models::Layer& l) const {
  if (l.kv_heads != l.heads)
    throw Error(quoted(l) + " uses grouped-query attention (" + n(l.heads) + " query heads, " + n(l.kv_heads) +
                " key/value heads); the real backend needs as many key/value heads as query heads");
  if (l.heads <= 0 || l.head_dim <= 0 || l.input_shape.size() != 2 || l.input_shape[1] != 3 * l.heads * l.head_dim ||
      l.output_shape != models::Shape{l.input_shape[0], l.heads * l.head_dim})
    throw Error(quoted(l) +
                " needs heads and head_dim with shapes [seq, 3 x heads x head_dim] -> [seq, heads x head_dim]");
  expect_one_input(p, l, models::elements(l.input_shape));
  p.heads = l.heads;
  p.head_dim = l.head_dim;
  p.rows = l.input_shape[0];
  p.cols = l.heads * l.head_dim;
}

void GraphPlan::check_add(const PlanNode& p, const models::Layer& l) const {
  if (p.inputs.size() < 2) throw Error(quoted(l) + " adds fewer than two inputs");
  for (int i : p.inputs)
    if (node(i).elements() != p.elements())
      throw Error(quoted(l) + " adds inputs of different sizes ('" + node(i).name + "' gives " + n(node(i).elements()) +
                  ", not " + n(p.elements()) + ")");
}

void GraphPlan::plan_loss(PlanNode& p, const models::Layer& l, const std::vector<int>& consumers) {
  if (loss_ >= 0)
    throw Error("the real backend needs one loss layer; '" + node(loss_).name + "' and '" + l.name + "' are two");
  if (l.input_shape.size() != 2) throw Error(quoted(l) + " needs an input shape [rows, classes]");
  expect_one_input(p, l, models::elements(l.input_shape));
  if (consumers[static_cast<std::size_t>(index_of_[p.id])] > 0) throw Error(quoted(l) + " must be the last layer");
  loss_ = index_of_[p.id];
  p.rows = l.input_shape[0];
  p.in_cols = l.input_shape[1];
  p.cols = 1;
}

// The input carries token ids when embeddings read it, features otherwise; not both.
void GraphPlan::choose_input_kind() {
  PlanNode& in = nodes_[static_cast<std::size_t>(input_)];
  bool to_embedding = false, to_other = false;
  for (const auto& p : nodes_)
    for (int i : p.inputs)
      if (i == input_) (p.kind == LayerKind::Embedding ? to_embedding : to_other) = true;
  if (to_embedding && to_other)
    throw Error("input '" + in.name + "' feeds embeddings and other layers: it must be either token ids or features");
  in.is_token_input = to_embedding;
  if (to_embedding && vocab_ == 0) throw Error("the model reads token ids but has no token embedding (only positions)");
}

}  // namespace dpcast::real
