// libFuzzer target: the YAML a user writes — a scenario (its sweep expanded, up to 64
// configurations), a plan scenario, a hardware profile. Bad input must end as dpcast::Error;
// anything else escaping (another exception, a crash, a leak, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/models/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using namespace dpcast;
  try {
    (void)models::parse_scenarios(text, "fuzz/scenario.yaml", models::Catalogue::builtin(), 64);
  } catch (const Error&) {
  }
  try {
    (void)models::parse_plan_scenario(text, "fuzz/plan.yaml");
  } catch (const Error&) {
  }
  try {
    (void)models::parse_profile(text, "fuzz/profile.yaml");
  } catch (const Error&) {
  }
  return 0;
}
