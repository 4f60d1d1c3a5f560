#include "dpcast/sim/interference.hpp"

#include <algorithm>

namespace dpcast::sim {

Interference collective_interference(const CollectiveChoice& choice, CollectiveOp op, double bytes, int gpus,
                                     const models::Gpu& gpu) {
  if (gpus <= 1 || gpu.communication_uses_compute || !(choice.time_s > 0) || !(bytes > 0)) return {};
  Interference taken;
  if (choice.nccl && gpu.multiprocessors > 0)
    taken.matrix = std::min(Interference::kMaxShare, static_cast<double>(choice.nccl->channels) / gpu.multiprocessors);
  const double bus_bytes_per_s = bytes * bus_bandwidth_factor(op, gpus) / choice.time_s;
  const double memory_bytes_per_s = gpu.memory_bandwidth_bytes_per_s * gpu.memory_efficiency;
  if (memory_bytes_per_s > 0)
    taken.streaming =
        std::min(Interference::kMaxShare, Interference::kMemoryPassesPerBusByte * bus_bytes_per_s / memory_bytes_per_s);
  return taken;
}

}  // namespace dpcast::sim
