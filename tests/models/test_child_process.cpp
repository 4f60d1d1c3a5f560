// run_in_child: the work's answer comes back whole, a failure as the child's exit status, and
// the child holds no descriptor of its parent beyond the standard streams and its pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "dpcast/models/child_process.hpp"

using namespace dpcast;

namespace {

TEST(ChildProcess, BringsBackWhatTheWorkReturned) {
  const auto child = models::run_in_child("test", [] { return std::string("42\nfrom pid ") + "child"; });
  EXPECT_EQ(child.text, "42\nfrom pid child");
  ASSERT_TRUE(WIFEXITED(child.wait_status));
  EXPECT_EQ(WEXITSTATUS(child.wait_status), 0);
}

TEST(ChildProcess, BringsBackMoreThanAPipeHolds) {
  // A pipe holds 64 KiB on Linux: the parent must read while the child writes.
  const auto child = models::run_in_child("test", [] { return std::string(1 << 20, 'x'); });
  EXPECT_EQ(child.text.size(), 1u << 20);
  EXPECT_EQ(child.text.find_first_not_of('x'), std::string::npos);
}

TEST(ChildProcess, WorkThatThrowsSendsNothingAndExitsWithOne) {
  const auto child = models::run_in_child("test", []() -> std::string { throw std::runtime_error("no"); });
  EXPECT_EQ(child.text, "");
  ASSERT_TRUE(WIFEXITED(child.wait_status));
  EXPECT_EQ(WEXITSTATUS(child.wait_status), 1);
}

TEST(ChildProcess, TheChildKeepsNoOtherDescriptorOfItsParent) {
  // As a pipe another thread opened at the same moment: if the child kept its write end, that
  // thread's reader would wait for this child too.
  int other[2];
  ASSERT_EQ(::pipe(other), 0);
  const auto child = models::run_in_child("test", [&] {
    std::string closed;  // y: closed in the child, n: open
    for (const int fd : {other[0], other[1]}) closed += ::fcntl(fd, F_GETFD) == -1 ? 'y' : 'n';
    closed += ::fcntl(STDERR_FILENO, F_GETFD) == -1 ? 'y' : 'n';
    return closed;
  });
  ::close(other[0]);
  ::close(other[1]);
  EXPECT_EQ(child.text, "yyn");  // both ends of the other pipe closed, stderr kept
}

// Whether `pid` (a child of this process) ends within `seconds`; its wait status in `status`.
bool ends_within(pid_t pid, double seconds, int& status) {
  for (int waited_ms = 0; waited_ms < seconds * 1000; waited_ms += 10) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;
    ::usleep(10'000);
  }
  return false;
}

TEST(ChildProcess, DiesWithItsParent) {
  // As `kill -9` of a `dpcast predict` whose simulation runs in a child. The test runs in a
  // helper process that adopts orphans (a subreaper), so that it can wait for the grandchild,
  // which names itself in a file (it keeps no descriptor of its parent's but the pipe).
  const std::string pid_file = ::testing::TempDir() + "child-process-pid-" + std::to_string(::getpid());
  std::remove(pid_file.c_str());
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    const pid_t parent = ::fork();  // plays dpcast predict
    if (parent == 0) {
      (void)models::run_in_child("test", [&] {
        std::ofstream(pid_file) << ::getpid() << std::endl;
        ::sleep(60);  // a long simulation
        return std::string("too late");
      });
      ::_exit(0);
    }
    pid_t grandchild = 0;
    for (int tries = 0; grandchild <= 0 && tries < 1000; ++tries, ::usleep(10'000))
      std::ifstream(pid_file) >> grandchild;
    if (grandchild <= 0) ::_exit(11);
    ::kill(parent, SIGKILL);
    int status = 0;
    ::waitpid(parent, &status, 0);
    // The orphan is now ours: it must end, killed, within seconds (not after its 60 s).
    if (!ends_within(grandchild, 10, status)) {
      ::kill(grandchild, SIGKILL);
      ::_exit(12);
    }
    ::_exit(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 13);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  std::remove(pid_file.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  // 11: the child never started; 12: the orphaned child ran on; 13: it ended otherwise than by SIGKILL.
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
