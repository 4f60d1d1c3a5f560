// dpcast compare: predicted against measured run records of the same configurations.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/provenance.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::cli {

// Predicted against measured records of the same configurations; exit status 1 when a
// pair's error or the MAPE is above its tolerance.
namespace {

// Predicts the configuration of every measured record again, from the scenario it carries.
std::vector<models::RunRecord> repredict(const std::vector<models::RunRecord>& records, const std::string& engine,
                                         const std::string& profile_file) {
  std::optional<models::Profile> profile;
  std::optional<models::Catalogue> calibrated;
  if (!profile_file.empty()) {
    profile = models::load_profile(profile_file);
    calibrated = models::apply_profile(models::Catalogue::builtin(), *profile);
  }
  std::vector<models::Scenario> scenarios;
  std::vector<const models::RunRecord*> predicted_for;  // one prediction per configuration, not per record
  for (const auto& r : records) {
    if (r.kind != "measured") continue;
    if (std::any_of(predicted_for.begin(), predicted_for.end(),
                    [&](const models::RunRecord* done) { return sim::same_configuration(*done, r); }))
      continue;
    predicted_for.push_back(&r);
    if (r.scenario_yaml.empty())
      throw Error("dpcast compare --predict: the measured record of " + r.model + " on " + std::to_string(r.gpus) +
                  " GPUs carries no scenario (scenario.yaml) to predict from");
    auto parsed = models::parse_scenarios(r.scenario_yaml, r.scenario_file.empty() ? "record" : r.scenario_file,
                                          calibrated ? *calibrated : models::Catalogue::builtin());
    scenarios.push_back(parsed.front());
  }
  std::string chosen = engine.empty() ? "des" : engine;
#ifndef DPCAST_HAVE_DES
  if (engine.empty()) chosen = "analytical";
#endif
  if (chosen != "des" && chosen != "analytical")
    throw Error("--engine: unknown engine '" + chosen + "' (engines: des, analytical)");
  auto predicted = predict_all(scenarios, true, chosen, profile ? profile->network : models::NetworkModelSettings{});
  if (profile)
    for (std::size_t i = 0; i < predicted.size(); ++i) {
      predicted[i].profile = profile->name;
      predicted[i].provenance = sim::provenance(scenarios[i], &*profile, predicted[i].engine);
    }
  return predicted;
}

}  // namespace

int cmd_compare(const CompareArgs& a) {
  std::vector<models::RunRecord> records;
  for (const auto& f : a.files) {
    auto more = sim::load_records(f);
    records.insert(records.end(), more.begin(), more.end());
  }
  if (a.predict) {
    auto predicted = repredict(records, a.engine, a.profile);
    records.insert(records.end(), predicted.begin(), predicted.end());
  } else if (!a.engine.empty() || !a.profile.empty()) {
    throw Error("dpcast compare: --engine and --profile choose how --predict predicts; add --predict");
  }
  const auto comparison = sim::compare_records(records);
  if (comparison.pairs.empty())
    throw Error("dpcast compare: no predicted and measured records of the same configuration among " +
                std::to_string(records.size()) + " records" +
                (comparison.unpaired.empty() ? "" : " (" + comparison.unpaired.front() + ")"));
  emit(a.json  ? sim::comparison_json(comparison)
       : a.csv ? sim::comparison_csv(comparison)
               : sim::comparison_table(comparison, a.layers),
       a.output);
  bool over = false;
  if (a.tolerance >= 0)
    for (const auto& p : comparison.pairs)
      if (std::abs(p.error()) * 100 > a.tolerance) {
        std::cerr << "dpcast compare: " << p.measured.model << " on " << p.measured.gpus << " GPUs, micro-batch "
                  << p.measured.micro_batch << " (" << p.predicted.engine << "): error "
                  << sim::fixed(100 * p.error(), 1) << "% is beyond the tolerance of " << sim::fixed(a.tolerance, 1)
                  << "%\n";
        over = true;
      }
  if (a.max_mape >= 0 && comparison.mape() * 100 > a.max_mape) {
    std::cerr << "dpcast compare: MAPE " << sim::fixed(100 * comparison.mape(), 1) << "% is beyond "
              << sim::fixed(a.max_mape, 1) << "%\n";
    over = true;
  }
  return over ? 1 : 0;
}

}  // namespace dpcast::cli
