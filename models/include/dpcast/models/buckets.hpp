#pragma once
// Gradient buckets, as PyTorch DDP forms them: parameters in gradient-ready order (reverse
// topological), the first bucket capped at first_bucket_mb and the rest at bucket_mb; a
// bucket closes as soon as it reaches its cap (a large tensor makes a bucket of its own).
#include <vector>

#include "dpcast/models/model_graph.hpp"

namespace dpcast::models {

struct Bucket {
  std::vector<LayerId> layers;  // in gradient-ready order; the last one makes it ready
  double params = 0;
  double bytes = 0;
};

[[nodiscard]] std::vector<Bucket> make_buckets(const ModelGraph& graph, double bytes_per_param,
                                               double first_bucket_bytes, double bucket_bytes);

}  // namespace dpcast::models
