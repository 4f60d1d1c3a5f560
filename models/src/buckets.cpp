#include "dpcast/models/buckets.hpp"

namespace dpcast::models {

std::vector<Bucket> make_buckets(const ModelGraph& graph, double bytes_per_param, double first_bucket_bytes,
                                 double bucket_bytes) {
  std::vector<Bucket> buckets;
  Bucket current;
  for (LayerId id : graph.gradient_ready_order()) {
    const auto params = static_cast<double>(graph.owned_params(id));
    if (params == 0) continue;
    current.layers.push_back(id);
    current.params += params;
    current.bytes += params * bytes_per_param;
    if (current.bytes >= (buckets.empty() ? first_bucket_bytes : bucket_bytes)) {
      buckets.push_back(std::move(current));
      current = Bucket{};
    }
  }
  if (!current.layers.empty()) buckets.push_back(std::move(current));
  return buckets;
}

}  // namespace dpcast::models
