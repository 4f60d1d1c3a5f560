#include "dpcast/models/model_graph.hpp"

#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <iterator>
#include <map>

#include "dpcast/models/error.hpp"

namespace dpcast::models {

ModelGraph::ModelGraph(ModelInfo info) : info_(std::move(info)) {}

LayerId ModelGraph::add(Layer layer, std::initializer_list<LayerId> inputs) {
  return add(std::move(layer), std::vector<LayerId>(inputs));
}

LayerId ModelGraph::add(Layer layer, const std::vector<LayerId>& inputs) {
  for (LayerId u : inputs)
    if (u >= size()) throw Error("layer '" + layer.name + "' reads a layer that does not exist yet");
  const bool reads_only_data = !inputs.empty() && std::all_of(inputs.begin(), inputs.end(), [&](LayerId u) {
    return graph_[u].kind == LayerKind::Input;
  });
  if (reads_only_data) layer.backward_input_flops = 0;
  const LayerId v = boost::add_vertex(graph_);  // add_vertex(property, graph) would copy the layer
  graph_[v] = std::move(layer);
  for (LayerId u : inputs) boost::add_edge(u, v, graph_);
  tied_to_.push_back(v);
  order_cache_.clear();
  return v;
}

void ModelGraph::tie(LayerId user, LayerId owner) {
  if (graph_[user].params != graph_[owner].params)
    throw Error("cannot tie '" + graph_[user].name + "' to '" + graph_[owner].name + "': parameter counts differ");
  tied_to_.at(user) = owner;
}

const std::vector<LayerId>& ModelGraph::forward_order() const {
  if (order_cache_.size() != size()) {
    std::vector<LayerId> reversed;
    boost::topological_sort(graph_, std::back_inserter(reversed));
    order_cache_.assign(reversed.rbegin(), reversed.rend());
  }
  return order_cache_;
}

std::vector<LayerId> ModelGraph::gradient_ready_order() const {
  const auto& fwd = forward_order();
  return {fwd.rbegin(), fwd.rend()};
}

std::int64_t ModelGraph::owned_params(LayerId id) const {
  return tied_to_.at(id) == id ? graph_[id].params : 0;
}

std::int64_t ModelGraph::total_params() const {
  std::int64_t n = 0;
  for (LayerId v = 0; v < size(); ++v) n += owned_params(v);
  return n;
}

double ModelGraph::forward_flops_per_sample() const {
  double f = 0;
  for (LayerId v = 0; v < size(); ++v) f += graph_[v].forward_flops;
  return f;
}

double ModelGraph::backward_flops_per_sample() const {
  double f = 0;
  for (LayerId v = 0; v < size(); ++v) f += graph_[v].backward_input_flops + graph_[v].backward_weight_flops;
  return f;
}

double ModelGraph::saved_elements_per_sample() const {
  double e = 0;
  for (LayerId v = 0; v < size(); ++v) e += graph_[v].saved_elements;
  return e;
}

double ModelGraph::checkpointed_elements_per_sample() const {
  std::map<int, double> block_saved;  // block -> what it keeps without checkpointing
  std::map<int, double> block_input;  // block -> its first layer's input
  double outside = 0;
  for (LayerId v : forward_order()) {
    const Layer& l = graph_[v];
    if (l.block < 0) {
      outside += l.saved_elements;
      continue;
    }
    if (!block_input.count(l.block)) block_input[l.block] = static_cast<double>(elements(l.input_shape));
    block_saved[l.block] += l.saved_elements;
  }
  double inputs = 0, largest = 0;
  for (const auto& [b, e] : block_input) inputs += e;
  for (const auto& [b, e] : block_saved) largest = std::max(largest, e);
  return outside + inputs + largest;
}

}  // namespace dpcast::models
