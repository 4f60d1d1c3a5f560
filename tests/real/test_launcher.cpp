// The launcher of `dpcast-train --backend cuda --gpus N` knows nothing of CUDA: these tests
// fork plain worker functions to check what it promises -- rank 0's bytes reach every worker,
// a worker that fails makes the launcher stop the others and say which rank failed and how,
// bad input (exit status 2, which rank 0 reports) adds no message of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include "dpcast/models/error.hpp"
#include "dpcast/real/communicator.hpp"
#include "dpcast/real/launcher.hpp"

namespace {
using namespace dpcast::real;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A worker that would wait for ever on a dead peer, as a rank blocked in a collective would.
[[noreturn]] void wait_forever() {
  while (true) ::pause();
}

TEST(Launcher, EveryWorkerSucceeding) {
  LaunchOptions o;
  o.workers = 3;
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) { return c.size() == 3 && c.rank() < 3 ? 0 : 7; });
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.failed_rank, -1);
  EXPECT_EQ(r.message, "");
}

TEST(Launcher, Rank0BroadcastReachesEveryWorker) {
  LaunchOptions o;
  o.workers = 3;
  // Large enough to need several reads and writes through the relay.
  const std::string payload(200000, 'x');
  const LaunchResult r = launch_workers(o, [&](WorkerChannel& c) {
    const std::string got = c.broadcast_from_rank0(c.rank() == 0 ? payload + "!" : std::string("ignored"), 30);
    return got == payload + "!" ? 0 : 5;
  });
  EXPECT_EQ(r.exit_status, 0) << r.message;
}

TEST(Launcher, AFailingWorkerStopsTheOthers) {
  LaunchOptions o;
  o.workers = 3;
  o.grace_s = 1;
  const auto start = Clock::now();
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) {
    if (c.rank() == 1) return 3;
    wait_forever();
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.failed_rank, 1);
  EXPECT_EQ(r.message, "rank 1 exited with status 3; stopped ranks 0, 2");
  EXPECT_LT(seconds_since(start), 10);
}

TEST(Launcher, AKilledWorkerIsNamedWithItsSignal) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 1;
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 1) ::raise(SIGKILL);
    wait_forever();
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.message, "rank 1 was killed by signal 9 (Killed); stopped rank 0");
}

TEST(Launcher, AWorkerIgnoringSigtermIsKilled) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 0.5;
  const auto start = Clock::now();
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 0) return 1;
    std::signal(SIGTERM, SIG_IGN);
    wait_forever();
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.message, "rank 0 exited with status 1; stopped rank 1");
  EXPECT_LT(seconds_since(start), 10);
}

TEST(Launcher, AStoppedWorkerIsEndedWithoutWaitingForSigkill) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 5;
  const auto start = Clock::now();
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 1) ::raise(SIGSTOP);  // hung, as a rank stopped mid-step
    ::usleep(100000);
    return 1;  // rank 0 gives up on it (as after its all-reduce timed out)
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.message, "rank 0 exited with status 1; stopped rank 1");
  EXPECT_LT(seconds_since(start), 3) << "SIGTERM reaches a stopped worker once it is continued";
}

TEST(Launcher, BadInputOnEveryRankIsLeftToRank0ToReport) {
  LaunchOptions o;
  o.workers = 3;
  const LaunchResult r = launch_workers(o, [](WorkerChannel&) { return 2; });
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.message, "");
}

TEST(Launcher, BadInputOnOneRankStopsTheOthersAfterTheGrace) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 0.2;
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 1) return 2;
    wait_forever();
  });
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.message, "rank 1 exited with status 2; stopped rank 0");
}

TEST(Launcher, AWorkerThrowingExitsWithStatus3) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 0.5;
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 0) throw std::runtime_error("boom");
    wait_forever();
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.message, "rank 0 exited with status 3; stopped rank 1");
}

TEST(Launcher, ABroadcastThatNeverComesTimesOut) {
  LaunchOptions o;
  o.workers = 2;
  o.grace_s = 0.5;
  // Rank 0 never broadcasts (as if it hung before making the NCCL id): rank 1 gives up.
  const LaunchResult r = launch_workers(o, [](WorkerChannel& c) -> int {
    if (c.rank() == 0) wait_forever();
    try {
      (void)c.broadcast_from_rank0("", 0.3);
    } catch (const CommTimeout& e) {
      return std::string(e.what()) == "rank 1: rank 0's broadcast has not come after 0.3 s: rank 0 has died or hangs"
                 ? 4
                 : 5;
    }
    return 6;
  });
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.failed_rank, 1);
  EXPECT_EQ(r.message, "rank 1 exited with status 4; stopped rank 0");
}

TEST(Launcher, NeedsAWorker) {
  LaunchOptions o;
  o.workers = 0;
  EXPECT_THROW((void)launch_workers(o, [](WorkerChannel&) { return 0; }), dpcast::Error);
}

}  // namespace
