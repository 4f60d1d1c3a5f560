// libFuzzer target: a run record (dpcast predict --json, dpcast-train, dpcast record) or a
// list of them, as dpcast compare and the dashboard read them, then written out again. Bad
// input must end as dpcast::Error; anything else escaping (another exception, a crash, a
// leak, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/run_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using namespace dpcast;
  try {
    const models::Json j = models::parse_json(text, "fuzz/record.json");
    for (const auto& item : j.is_array() ? j : models::Json::array({j}))
      (void)models::to_json(models::record_from_json(item)).dump();
  } catch (const Error&) {
  }
  return 0;
}
