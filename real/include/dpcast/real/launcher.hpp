#pragma once
// The single-node launcher of `dpcast-train --backend cuda --gpus N`: it forks one worker
// process per GPU, lets rank 0 hand every other worker a small blob (the NCCL unique id)
// through it, and watches them. When one worker fails -- exits non-zero or dies by a signal --
// it stops the others (SIGTERM, then SIGKILL after a grace period) and says which rank failed
// and how, so no worker is left waiting on a dead peer. It knows nothing of CUDA: the parent
// never initialises a GPU (a CUDA context does not survive fork), only the workers do.
//
// Workers get a parent-death signal (SIGKILL), so killing the launcher ends them too.
#include <functional>
#include <string>

namespace dpcast::real {

/// A worker's side of the launch: its rank, the world size, and a channel to rank 0.
class WorkerChannel {
 public:
  WorkerChannel(int rank, int size, int fd) : rank_(rank), size_(size), fd_(fd) {}
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  /// Rank 0 passes `payload` (up to 1 MiB) and gets it back; every other rank gets rank 0's
  /// payload (its own argument is ignored). Throws CommTimeout when it does not come within
  /// `timeout_s` or the launcher has gone.
  [[nodiscard]] std::string broadcast_from_rank0(const std::string& payload, double timeout_s);

 private:
  int rank_, size_, fd_;
};

struct LaunchOptions {
  int workers = 1;
  /// After a worker fails: how long the others may take to end on their own when it failed
  /// on bad input (exit status 2, which every worker finds alike and rank 0 reports), and how
  /// long SIGTERM has before SIGKILL.
  double grace_s = 5;
};

struct LaunchResult {
  /// What the launcher exits with: 0 when every worker did, 2 when the first to fail exited
  /// with 2 (bad input, reported by the workers), else 1.
  int exit_status = 0;
  int failed_rank = -1;  // the first worker to fail, or -1
  /// Empty, or one line: "rank 1 exited with status 3; stopped ranks 0, 2" /
  /// "rank 1 was killed by signal 9 (Killed); stopped rank 0".
  std::string message;
};

/// Forks `options.workers` processes; worker r runs `worker(channel)` and exits with what it
/// returns (an exception: its message on stderr and status 3). Returns when every worker has
/// ended. Flushes stdout and stderr before forking. Call it from the thread that lives
/// longest (the parent-death signal follows the forking thread).
[[nodiscard]] LaunchResult launch_workers(const LaunchOptions& options,
                                          const std::function<int(WorkerChannel&)>& worker);

}  // namespace dpcast::real
