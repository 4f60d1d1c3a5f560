#include "dpcast/sim/two_streams.hpp"

#include <algorithm>
#include <limits>

#include "dpcast/models/error.hpp"

namespace dpcast::sim {

double TwoStreams::end() const {
  const double compute = compute_end.empty() ? 0 : compute_end.back();
  return std::max(compute, comm_end.empty() ? 0 : comm_end.back());
}

namespace {

// The two streams' progress: the next task of each, whether it runs, and what it has left.
struct Streams {
  const std::vector<ComputeTask>& compute;
  const std::vector<CommTask>& comm;
  TwoStreams out;
  double now = 0;
  std::size_t next_compute = 0, next_comm = 0;  // tasks before these have ended
  bool computing = false, communicating = false;
  double compute_left = 0, compute_started = 0;

  void start_what_may_start() {
    if (!communicating && next_comm < comm.size()) {
      const int after = comm[next_comm].after_compute;
      if (after < static_cast<int>(next_compute)) {
        communicating = true;
        out.comm_start.push_back(now);
        out.comm_end.push_back(now + comm[next_comm].seconds);
      }
    }
    if (!computing && next_compute < compute.size()) {
      const int after = compute[next_compute].after_comm;
      if (after < static_cast<int>(next_comm)) {
        computing = true;
        compute_left = compute[next_compute].seconds;
        compute_started = now;
      }
    }
  }

  [[nodiscard]] double compute_rate() const {
    if (!communicating) return 1;
    return 1 - comm[next_comm].takes.share(compute[next_compute].matrix);
  }

  // Runs to the next end of a task; false when nothing runs (all done, or a wait never met).
  bool advance() {
    if (!computing && !communicating) return false;
    constexpr double kNever = std::numeric_limits<double>::infinity();
    const double rate = computing ? compute_rate() : 0;
    const double compute_done = computing ? now + compute_left / rate : kNever;
    const double comm_done = communicating ? out.comm_end.back() : kNever;
    const double next = std::min(compute_done, comm_done);
    if (computing) compute_left = std::max(0.0, compute_left - (next - now) * rate);
    now = next;
    if (computing && compute_done <= comm_done) {
      out.compute_end.push_back(now);
      out.slowed_s += (now - compute_started) - compute[next_compute].seconds;
      computing = false;
      ++next_compute;
    }
    if (communicating && comm_done <= compute_done) {
      communicating = false;
      ++next_comm;
    }
    return true;
  }
};

}  // namespace

TwoStreams run_two_streams(const std::vector<ComputeTask>& compute, const std::vector<CommTask>& comm) {
  Streams s{compute, comm, {}};
  do s.start_what_may_start();
  while (s.advance());
  DPCAST_ASSERT(s.next_compute == compute.size() && s.next_comm == comm.size(),
                "two streams: a task waits for one that never ends");
  return s.out;
}

}  // namespace dpcast::sim
