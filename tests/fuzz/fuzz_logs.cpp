// libFuzzer target: the benchmark logs dpcast calibrate imports — nccl-tests and OSU
// osu_allreduce output — and the α-β fit of what they hold. Bad input must end as
// dpcast::Error; anything else escaping (another exception, a crash, a leak, a hang) is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/calibrate.hpp"

namespace {

void fit(const dpcast::sim::AllreduceLog& log) {
  (void)dpcast::sim::fit_allreduce(log.samples, log.ranks >= 2 ? log.ranks : 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using namespace dpcast;
  try {
    fit(sim::parse_nccl_tests(text, "fuzz/nccl-tests.log"));
  } catch (const Error&) {
  }
  try {
    fit(sim::parse_osu_allreduce(text, "fuzz/osu.log"));
  } catch (const Error&) {
  }
  return 0;
}
