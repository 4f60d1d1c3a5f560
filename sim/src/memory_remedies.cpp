#include "dpcast/sim/memory_remedies.hpp"

#include <functional>
#include <vector>

#include "dpcast/sim/memory_model.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {

namespace {

struct Remedy {
  std::string change;  // as the scenario writes it
  std::function<void(models::Scenario&)> apply;
};

// The changes that apply to `s`: fused attention for an eager transformer, activation
// checkpointing, and each higher ZeRO stage on more than one GPU.
std::vector<Remedy> remedies_for(const models::Scenario& s) {
  std::vector<Remedy> out;
  if (s.model.transformer && s.training.attention == models::AttentionKernel::Eager)
    out.push_back({"training.attention: flash", [](models::Scenario& v) {
                     v.training.attention = models::AttentionKernel::Flash;
                     v.model.transformer->attention = models::AttentionKernel::Flash;
                   }});
  if (!s.training.activation_checkpointing)
    out.push_back({"training.activation_checkpointing: true",
                   [](models::Scenario& v) { v.training.activation_checkpointing = true; }});
  if (s.cluster.gpus() > 1)
    for (int stage = s.data_parallel.zero_stage + 1; stage <= 3; ++stage)
      out.push_back({"data_parallel.zero_stage: " + std::to_string(stage),
                     [stage](models::Scenario& v) { v.data_parallel.zero_stage = stage; }});
  return out;
}

// "52.1 GiB (fits)", "84.2 GiB (too much; micro-batch 2 would fit)", "90.0 GiB (too much)".
std::string verdict(const models::Scenario& changed) {
  const MemoryEstimate memory = estimate_memory(changed, changed.model.build(changed.seq_len()));
  std::string text = human_bytes(memory.breakdown.total_bytes);
  if (memory.fits()) return text + " (fits)";
  if (memory.max_micro_batch > 0)
    return text + " (too much; micro-batch " + std::to_string(memory.max_micro_batch) + " would fit)";
  return text + " (too much)";
}

}  // namespace

std::string memory_remedies(const models::Scenario& scenario) {
  const auto remedies = remedies_for(scenario);
  std::string text;
  models::Scenario all = scenario;  // every change at once (the highest ZeRO stage last)
  for (const auto& remedy : remedies) {
    models::Scenario changed = scenario;
    remedy.apply(changed);
    remedy.apply(all);
    text += std::string(text.empty() ? "with " : "; with ") + remedy.change + ", " + verdict(changed);
  }
  if (remedies.size() > 1) text += "; with all of these, " + verdict(all);
  return text;
}

}  // namespace dpcast::sim
