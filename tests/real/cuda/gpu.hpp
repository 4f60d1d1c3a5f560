#pragma once
// What the CUDA tests share: how many GPUs there are (asked in a child process through
// models::run_in_child, so the test process itself never initialises CUDA before a test forks
// workers: a CUDA context does not survive fork), a visible skip without enough of them, and
// comparing results. Tests that run dpcast-train as processes use ../mpi/process.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "dpcast/models/child_process.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/real/cuda/cuda_info.hpp"

namespace dpcast::real::test {

struct GpuProbe {
  int count = 0;
  std::string why;  // when count is 0: the runtime's reason
};

/// The CUDA devices this machine has, counted by a child process.
inline GpuProbe probe_gpus() {
  GpuProbe probe;
  models::ChildOutput child;
  try {
    child = models::run_in_child("probe", [] {
      std::string why;
      const int n = cuda::device_count(&why);
      return std::to_string(n) + "\n" + why;
    });
  } catch (const Error& e) {
    probe.why = e.what();
    return probe;
  }
  const auto newline = child.text.find('\n');
  if (newline == std::string::npos) {
    probe.why = "the probe process failed (wait status " + std::to_string(child.wait_status) + ")";
    return probe;
  }
  probe.count = std::atoi(child.text.substr(0, newline).c_str());
  probe.why = child.text.substr(newline + 1);
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
