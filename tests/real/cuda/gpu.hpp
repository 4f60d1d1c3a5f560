#pragma once
// What the CUDA tests share: how many GPUs there are (asked in a child process, so the test
// process itself never initialises CUDA before a test forks workers: a CUDA context does not
// survive fork), a visible skip without enough of them, and comparing results. Tests that run
// dpcast-train as processes use ../mpi/process.hpp.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "dpcast/real/cuda/cuda_info.hpp"

namespace dpcast::real::test {

struct GpuProbe {
  int count = 0;
  std::string why;  // when count is 0: the runtime's reason
};

/// The CUDA devices this machine has, counted by a child process.
inline GpuProbe probe_gpus() {
  GpuProbe probe;
  int fds[2];
  if (::pipe(fds) != 0) {
    probe.why = "pipe failed";
    return probe;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string why;
    const int n = cuda::device_count(&why);
    const std::string text = std::to_string(n) + "\n" + why;
    const ssize_t ignored = ::write(fds[1], text.data(), text.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[512];
  for (ssize_t got; (got = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(got));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto newline = text.find('\n');
  if (newline == std::string::npos) {
    probe.why = "the probe process failed (wait status " + std::to_string(status) + ")";
    return probe;
  }
  probe.count = std::atoi(text.substr(0, newline).c_str());
  probe.why = text.substr(newline + 1);
  return probe;
}

/// Skips the test (visibly: "no CUDA device: ...") unless the machine has `n` GPUs.
#define DPCAST_REQUIRE_GPUS(n)                                                                          \
  do {                                                                                                  \
    const ::dpcast::real::test::GpuProbe probe_ = ::dpcast::real::test::probe_gpus();                   \
    if (probe_.count == 0) GTEST_SKIP() << "no CUDA device: " << probe_.why;                            \
    if (probe_.count < (n)) GTEST_SKIP() << "needs " << (n) << " CUDA devices, found " << probe_.count; \
  } while (0)

/// Largest |a - b| over the largest |b| (0 for empty inputs).
inline double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(b[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

}  // namespace dpcast::real::test
