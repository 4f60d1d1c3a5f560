#pragma once
// How much a running collective slows the computation it overlaps (issue 17). Two shares of
// the GPU, each from a statement of NCCL's maintainers (no public table gives the slowdown
// per kernel and collective):
//
//  matrix     channels / SMs. NCCL runs one thread block per channel, and "NCCL CTAs won't
//             share an SM with compute kernels" (NVIDIA/nccl#689): a matrix kernel, bound by
//             its SMs, keeps the others. (A GEMM sized to one wave can lose more, to a second
//             wave: NVIDIA forum "Compute-Communication Overlap Causes Severe GEMM Performance
//             Degradation because of Tail Effect", 132-block GEMM with a 24-block all-gather
//             on H100, 80% -> 47% MFU. Shapes are not modelled: this is the mean share.)
//  streaming  3 x bus bytes per second / the GPU's reachable memory bandwidth. The
//             collective's traffic through HBM is its bus bandwidth "multiplied by at least
//             2x ... we need to store to memory, then read back from it. If you add reading
//             from or writing to user data, it can be 3x" (NVIDIA/nccl#1428): memory-bound
//             kernels keep the rest of the bandwidth.
//
// Both are capped at kMaxShare. A collective on a device that computes its own communication
// (communication_uses_compute) does not overlap at all; a library other than NCCL holds no
// SMs (its copies are the memory share).
#include "dpcast/models/hardware.hpp"
#include "dpcast/sim/collectives.hpp"

namespace dpcast::sim {

/// Fractions of the GPU's throughput a running collective takes from overlapping kernels.
struct Interference {
  double matrix = 0;     // from matrix layers (linear, convolution, attention)
  double streaming = 0;  // from memory-bound layers (norms, activations, element-wise)

  static constexpr double kMaxShare = 0.9;
  /// NCCL's traffic through HBM per bus byte (NVIDIA/nccl#1428).
  static constexpr double kMemoryPassesPerBusByte = 3;

  /// The share taken from a layer of this kind while the collective runs.
  [[nodiscard]] double share(bool matrix_layer) const { return matrix_layer ? matrix : streaming; }
  [[nodiscard]] bool any() const { return matrix > 0 || streaming > 0; }
};

/// What `choice` (a collective `op` of `bytes` on `gpus` GPUs) takes from `gpu` while it runs.
[[nodiscard]] Interference collective_interference(const CollectiveChoice& choice, CollectiveOp op, double bytes,
                                                   int gpus, const models::Gpu& gpu);

}  // namespace dpcast::sim
