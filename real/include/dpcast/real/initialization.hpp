#pragma once
// Deterministic initial weights: every value is a function of the seed, the tensor's name and
// the element's index, so every rank starts from the same weights and changing bucket sizes
// (which reorders the flat buffer) does not change them.
//  * Sequence models (GPT-2, Radford et al. 2019; as nanoGPT): linear weights and embedding
//    tables ~ N(0, 0.02); residual projections (a linear layer that feeds an add) ~
//    N(0, 0.02 / sqrt(R)) with R the number of them (2 per transformer block); biases 0;
//    LayerNorm scale 1, shift 0.
//  * Other models (PyTorch's defaults): linear weights and biases ~ U(-1/sqrt(in), 1/sqrt(in))
//    (kaiming_uniform_ with a = sqrt(5)); embeddings ~ N(0, 1); LayerNorm scale 1, shift 0.
#include <cstdint>
#include <vector>

#include "dpcast/real/graph_plan.hpp"
#include "dpcast/real/param_layout.hpp"

namespace dpcast::real {

/// The flat parameter buffer's initial host values.
[[nodiscard]] std::vector<float> initial_parameters(const GraphPlan& plan, const ParamLayout& layout,
                                                    std::uint64_t seed);

}  // namespace dpcast::real
