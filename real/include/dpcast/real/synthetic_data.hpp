#pragma once
// Deterministic synthetic data on which the loss really falls. Every sample is a function of
// the seed and its global index, so ranks need no shared state: at step t, micro-step a,
// rank r, the i-th sample of the micro-batch is global sample ((t*A + a)*N + r)*b + i, and N
// ranks x micro-batch b see exactly the samples one rank x N*b sees.
//  * Features (models without token input): N(0, 1) inputs; the label is the argmax of a
//    fixed random linear teacher (N(0, 1) weights): a task a network can learn.
//  * Tokens (sequence models): sequences of a fixed sparse random Markov chain. Each token
//    has 4 likely successors (probabilities 0.6, 0.2, 0.1, 0.05) and, with 0.05, any token;
//    the first token comes from the sample's hash. Targets are the next tokens. The best
//    achievable loss is about 1.5 nats (the chain's entropy), far below ln(vocabulary).
#include <cstdint>
#include <vector>

#include "dpcast/real/graph_plan.hpp"

namespace dpcast::real {

struct Batch {
  std::vector<float> features;        // count x features (feature models)
  std::vector<std::int32_t> tokens;   // count x tokens (sequence models)
  std::vector<std::int32_t> targets;  // count x loss rows
};

class SyntheticData {
 public:
  SyntheticData(const GraphPlan& plan, std::uint64_t seed);
  /// Samples first, first + 1, ..., first + count - 1.
  [[nodiscard]] Batch batch(std::int64_t first, std::int64_t count) const;
  /// The global index of sample i of rank r's micro-batch a at step t.
  [[nodiscard]] static std::int64_t sample_index(std::int64_t step, std::int64_t micro, std::int64_t accumulation,
                                                 std::int64_t rank, std::int64_t ranks, std::int64_t micro_batch,
                                                 std::int64_t i) {
    return ((step * accumulation + micro) * ranks + rank) * micro_batch + i;
  }
  /// Successor k (0..3) of a token in the Markov chain.
  [[nodiscard]] std::int32_t successor(std::int32_t token, int k) const;

 private:
  std::uint64_t seed_;
  bool tokens_;
  std::int64_t inputs_;         // features or tokens per sample
  std::int64_t classes_;        // classes (feature models) or vocabulary
  std::vector<float> teacher_;  // classes x features
};

}  // namespace dpcast::real
