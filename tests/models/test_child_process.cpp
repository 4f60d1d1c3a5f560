// run_in_child: the work's answer comes back whole, a failure as the child's exit status, and
// the child holds no descriptor of its parent beyond the standard streams and its pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "dpcast/models/child_process.hpp"

using namespace dpcast;

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
