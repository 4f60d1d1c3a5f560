#pragma once
// Communicator: how data-parallel ranks exchange gradients (MPI on CPUs, NCCL on GPUs). The
// trainer starts one in-place sum all-reduce per gradient bucket as soon as backward has
// computed it, lets the transport progress between layers, and waits for all of them before
// the optimizer. Small control exchanges (the loss, the trace) go through it too.
//
// Every wait is bounded: a rank that dies or hangs makes the others fail with an Error
// (CommTimeout) instead of waiting forever.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "dpcast/real/device.hpp"

namespace dpcast::real {

/// A collective did not finish in time: another rank is dead or stuck.
class CommTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "an all-reduce of 1.0 MiB" (of `floats` floats): how failure messages name one.
[[nodiscard]] std::string allreduce_name(std::size_t floats);
/// "WHAT has not finished after 60 s: another rank has died or hangs".
[[nodiscard]] std::string not_finished(const std::string& what, double timeout_s);

/// When a started all-reduce began and ended, on the device clock.
struct RequestTimes {
  Mark start = 0;
  Mark end = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;
  /// "mpi": the collective algorithm name measured records carry.
  [[nodiscard]] virtual std::string name() const = 0;
  /// Says which implementation chooses the algorithm (for the record's collective.why).
  [[nodiscard]] virtual std::string describe() const = 0;

  /// Starts an in-place sum all-reduce of `count` floats at `data` (device memory) and
  /// returns at once with the request's index (0, 1, ... since the last clear()).
  virtual int start_allreduce(float* data, std::size_t count) = 0;
  /// Lets started all-reduces advance (for transports that progress only inside calls).
  virtual void progress() = 0;
  /// Waits for every started all-reduce; throws CommTimeout past the deadline.
  virtual void wait_all() = 0;
  /// Start and end of request `index` (after wait_all()).
  [[nodiscard]] virtual RequestTimes times(int index) const = 0;
  /// Forgets finished requests (once per step).
  virtual void clear() = 0;

  // ---- control exchanges, blocking (bounded by the same deadline) ----
  /// Sum over ranks.
  [[nodiscard]] virtual double sum(double value) = 0;
  /// Every rank's vector, on rank 0 (other ranks get an empty result).
  [[nodiscard]] virtual std::vector<std::vector<double>> gather(const std::vector<double>& mine) = 0;
  /// Rank 0's value, on every rank.
  [[nodiscard]] virtual long long broadcast(long long value) = 0;
};

}  // namespace dpcast::real
