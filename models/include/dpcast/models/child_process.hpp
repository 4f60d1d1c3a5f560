#pragma once
// Work done in a forked child process, its answer brought back through a pipe. The DES runs
// each simulation so (SimGrid keeps one simulation per process); the CUDA tests count the
// GPUs so (a CUDA context does not survive fork: the test process itself must never make
// one). Header-only, so that tests/real can use it without linking anything of sim/.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <string>

#include "dpcast/models/error.hpp"

namespace dpcast::models {

/// What a child process sent back, and how it ended.
struct ChildOutput {
  std::string text;     // everything it wrote; empty when it died before writing
  int wait_status = 0;  // as waitpid reports it
};

/// Runs `work` (a callable returning the std::string to send back) in a forked child and
/// returns what it sent once the child has ended. Flushes the stdio streams before forking,
/// so that nothing buffered is written twice. The child keeps only the standard streams and
/// its end of the pipe, dies with its parent (SIGKILL when the forking thread's process ends:
/// a killed `dpcast predict` leaves no simulation running on), and leaves with _exit (no
/// atexit handlers, no static destructors):
/// status 0 after writing, 1 without writing anything when `work` throws. Throws
/// dpcast::InternalError ("<who>: cannot create a pipe", "<who>: cannot fork") when there is
/// no child: that is dpcast's failure, not bad input.
template <typename Work>
ChildOutput run_in_child(const std::string& who, Work&& work) {
  int fds[2];
  if (::pipe(fds) != 0) throw InternalError(who + ": cannot create a pipe");
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw InternalError(who + ": cannot fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before the line above
    // Keep only the standard streams and our pipe: a copy of another thread's pipe (forked
    // from a GUI or planner thread at the same moment) would keep that parent waiting for us.
    if (fds[1] > 3) ::close_range(3, static_cast<unsigned>(fds[1]) - 1, 0);
    ::close_range(static_cast<unsigned>(fds[1]) + 1, ~0U, 0);
    std::string out;
    int status = 0;
    try {
      out = work();
    } catch (...) {
      status = 1;
    }
    for (std::size_t done = 0; done < out.size();) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
    ::_exit(status);
  }
  ::close(fds[1]);
  ChildOutput output;
  char buf[65536];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) output.text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, &output.wait_status, 0);
  return output;
}

}  // namespace dpcast::models
