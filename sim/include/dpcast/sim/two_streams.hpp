#pragma once
// A GPU's compute stream and one communication stream, as the analytical engine schedules a
// step: each runs its tasks in order, a task may first wait for one task of the other stream,
// and while a collective runs the compute task in progress runs at 1 - the share the
// collective takes from its kind of layer (interference.hpp). Piecewise exact: the DES plays
// the same with SimGrid sharing the GPU host between the layer and the collective.
#include <vector>

#include "dpcast/sim/interference.hpp"

namespace dpcast::sim {

struct ComputeTask {
  double seconds = 0;   // alone on the GPU
  bool matrix = true;   // which share a running collective takes (Interference::share)
  int after_comm = -1;  // the communication task that must have ended first, or -1
};

struct CommTask {
  double seconds = 0;
  Interference takes;
  int after_compute = -1;  // the compute task that must have ended first, or -1
};

struct TwoStreams {
  std::vector<double> compute_end;           // per compute task
  std::vector<double> comm_start, comm_end;  // per communication task
  double slowed_s = 0;                       // compute time beyond the tasks' own seconds
  [[nodiscard]] double end() const;          // when both streams are done
};

/// Both streams from time 0. Throws InternalError when a wait can never be met.
[[nodiscard]] TwoStreams run_two_streams(const std::vector<ComputeTask>& compute, const std::vector<CommTask>& comm);

}  // namespace dpcast::sim
