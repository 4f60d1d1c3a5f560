#pragma once
// Memory per GPU for one configuration (bytes), after Rajbhandari et al. 2020 (ZeRO):
//  parameters   P·w (w = 2 for bf16/fp16, 4 for fp32/tf32); ZeRO-3 keeps P·w/N
//  gradients    P·w; ZeRO-2 and 3 keep P·w/N
//  optimizer    Adam: m and v in fp32 (8P) plus fp32 master weights in mixed precision (4P);
//               SGD with momentum: 4P, plus 4P master weights in mixed precision;
//               ZeRO-1, 2 and 3 keep 1/N
//  activations  what the layers keep for backward at this micro-batch (one micro-step alive);
//               with activation checkpointing, each block's input plus one block's activations
//  comm buffers DDP copies every gradient into flat buckets (gradient_as_bucket_view=False,
//               PyTorch's default: "the saved memory size will be equal to the total gradients
//               size"); ZeRO keeps a reduce and an all-gather bucket
//  reserved     runtime context and allocator reserve from the GPU entry
#include <cstdint>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct MemoryEstimate {
  models::MemoryBreakdown breakdown;
  double activation_bytes_per_sample = 0;
  std::int64_t max_micro_batch = 0;  // 0 when not even one sample fits
  [[nodiscard]] bool fits() const { return breakdown.total_bytes <= breakdown.capacity_bytes; }
};

[[nodiscard]] MemoryEstimate estimate_memory(const models::Scenario& scenario, const models::ModelGraph& graph);

/// Bytes of a gradient (and of a communicated parameter) per parameter at this precision.
[[nodiscard]] double gradient_bytes_per_param(models::Precision precision);

}  // namespace dpcast::sim
