// A rank that dies (SIGKILL) or hangs (SIGSTOP) in the middle of a step: every process of
// the job exits non-zero within seconds, with a message, instead of waiting forever.
//  * Killed: OpenMPI's runtime notices the death and ends the others with SIGTERM, which
//    dpcast-train reports before exiting.
//  * Hung: nothing dies, so the runtime does nothing; the other rank's bounded wait
//    (--comm-timeout) fails, it says why and aborts the job.
#include <gtest/gtest.h>

#include "process.hpp"

namespace dpcast::real::test {
namespace {

constexpr double kBoundSeconds = 30;

// Where the record would go: these runs die before writing one (-o must name a regular file).
std::string never_written() {
  return ::testing::TempDir() + "dead-rank-record.json";
}

TEST(DeadRank, OthersExitWithAMessageWithinSeconds) {
  const Finished f = run(mpirun(2,
                                "tests/real/scenarios/tiny-gpt-2x2.yaml --steps 200 --fault-kill-rank 1 "
                                "--fault-kill-step 3 -o " +
                                    never_written()),
                         60);
  EXPECT_NE(f.status, 0) << f.output;
  EXPECT_NE(f.status, 124) << "timed out:\n" << f.output;
  EXPECT_LT(f.seconds, kBoundSeconds) << f.output;
  EXPECT_NE(f.output.find("rank 1"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("exited on signal 9"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("dpcast-train: rank 0: stopped by SIGTERM"), std::string::npos) << f.output;
  EXPECT_EQ(f.output.find("step 200/"), std::string::npos) << "the run went on:\n" << f.output;
}

void expect_watchdog_fired(const Finished& f) {
  EXPECT_NE(f.status, 0) << f.output;
  EXPECT_NE(f.status, 124) << "timed out:\n" << f.output;
  EXPECT_LT(f.seconds, kBoundSeconds) << f.output;
  EXPECT_NE(f.output.find("dpcast-train: rank 0: an all-reduce of "), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("has not finished after 2 s: another rank has died or hangs"), std::string::npos) << f.output;
}

TEST(DeadRank, AHungRankTripsTheWatchdog) {
  // Both ways of progressing MPI: a communication thread (default) and MPI_Test between layers.
  for (const std::string progress : {"thread", "test"}) {
    SCOPED_TRACE("--progress " + progress);
    const Finished f = run(mpirun(2,
                                  "tests/real/scenarios/tiny-gpt-2x2.yaml --steps 200 --fault-stop-rank 1 "
                                  "--fault-stop-step 3 --comm-timeout 2 -o " +
                                      never_written() + " --progress " + progress),
                           60);
    expect_watchdog_fired(f);
  }
}
}  // namespace
}  // namespace dpcast::real::test
