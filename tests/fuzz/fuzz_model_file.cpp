// libFuzzer target: a custom model file (a zoo model with changes, a transformer or MLP
// template, a list of layers), read and its layer graph built. Bad input must end as
// dpcast::Error; anything else escaping (another exception, a crash, a leak, a hang) is a
// finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = dpcast::models::parse_model_file(text, "fuzz/model.yaml");
    (void)spec.build(spec.default_seq_len()).total_params();
  } catch (const dpcast::Error&) {
  }
  return 0;
}
