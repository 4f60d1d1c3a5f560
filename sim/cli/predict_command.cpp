// dpcast predict and dpcast memory: every configuration of a scenario through an engine.
#include <algorithm>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/memory_remedies.hpp"
#include "dpcast/sim/predictor.hpp"
#include "dpcast/sim/provenance.hpp"
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/trace.hpp"
#include "mpi_sweep.hpp"
#include "progress.hpp"

namespace dpcast::cli {

void emit(const std::string& text, const std::string& output) {
  models::write_output(output.empty() ? "-" : output, text);
}

namespace {
// "; with training.attention: flash, 52.1 GiB (fits); ...": what would make it fit.
std::string remedies(const models::Scenario& scenario) {
  const std::string text = sim::memory_remedies(scenario);
  return text.empty() ? "" : "; " + text;
}
}  // namespace

std::vector<models::RunRecord> predict_all(const std::vector<models::Scenario>& scenarios, bool details,
                                           const std::string& engine_name, const models::NetworkModelSettings& network,
                                           MpiSweep* sweep) {
  sim::Predictor predictor;
  const auto engine = engine_name == "des" ? sim::Engine::Des : sim::Engine::Analytical;
  const std::size_t ranks = sweep ? static_cast<std::size_t>(sweep->size()) : 1;
  // Only the rank that writes draws; each rank predicts about 1/ranks of the sweep.
  const std::size_t total = sweep && !sweep->writes() ? 0 : (scenarios.size() + ranks - 1) / ranks;
  Progress progress;
  std::size_t done = 0;
  auto predict = [&](std::size_t i) {
    models::RunRecord r = predictor.predict(scenarios[i], engine, {details, false, network});
    progress.tick(++done, total);
    return r;
  };
  if (sweep) return sweep->map(scenarios.size(), predict, details);
  std::vector<models::RunRecord> records;
  for (std::size_t i = 0; i < scenarios.size(); ++i) records.push_back(predict(i));
  return records;
}

int cmd_predict(const PredictArgs& a, MpiSweep& sweep) {
  const std::string& file = a.scenario;
  const std::string& profile_file = a.profile;
  // A calibrated profile replaces the catalogue's figures for the GPUs and links it names.
  std::optional<models::Profile> profile;
  std::optional<models::Catalogue> calibrated;
  if (!profile_file.empty()) {
    profile = models::load_profile(profile_file);
    calibrated = models::apply_profile(models::Catalogue::builtin(), *profile);
  }
  sweep.set_wait(a.comm_timeout_s, a.fault_stop_rank);
  const auto scenarios =
      models::load_scenarios(file, calibrated ? *calibrated : models::Catalogue::builtin(), a.max_configurations);
  std::string chosen = a.engine;
  if (chosen.empty()) {
#ifdef DPCAST_HAVE_DES
    chosen = scenarios.size() <= kDesDefaultLimit ? "des" : "analytical";
    // The default does not send the DES what it cannot play in bounded time, and says so.
    for (std::size_t i = 0; chosen == "des" && i < scenarios.size(); ++i)
      if (const std::string why = sim::beyond_the_des(scenarios[i]); !why.empty()) {
        chosen = "analytical";
        if (sweep.writes()) std::cerr << "dpcast predict: engine analytical: " << why << "\n";
      }
#else
    chosen = "analytical";
#endif
  }
#ifdef DPCAST_HAVE_DES
  if (chosen != "analytical" && chosen != "des")
    throw Error("--engine: unknown engine '" + chosen + "' (engines: des, analytical)");
#else
  if (chosen != "analytical")
    throw Error("--engine: '" + chosen + "' is not available in this build (engines: analytical; des needs SimGrid)");
#endif
  if (!a.trace.empty() && scenarios.size() != 1 && a.point == 0)
    throw Error("--trace: needs a single configuration; " + file + " has " + std::to_string(scenarios.size()) +
                ": name the one to trace with --point N (1 to " + std::to_string(scenarios.size()) + ")");
  if (a.point > scenarios.size())
    throw Error("--point " + std::to_string(a.point) + ": " + file + " has " + std::to_string(scenarios.size()) +
                " configuration" + (scenarios.size() == 1 ? "" : "s"));
  if (a.point > 0 && a.trace.empty()) throw Error("--point: picks the configuration --trace writes; give --trace FILE");
  const std::size_t traced = a.point == 0 ? 0 : a.point - 1;
  const auto trace_ranks =
      a.trace.empty() ? std::vector<int>{} : sim::trace_ranks(a.trace_ranks, scenarios[traced].cluster.gpus());
  const bool details = (a.json ? !a.summary : scenarios.size() == 1) || !a.trace.empty();
  auto records =
      predict_all(scenarios, details, chosen, profile ? profile->network : models::NetworkModelSettings{}, &sweep);
  if (profile)
    for (std::size_t i = 0; i < records.size(); ++i) {
      records[i].profile = profile->name;
      records[i].provenance = sim::provenance(scenarios[i], &*profile, records[i].engine);
    }
  if (!sweep.writes()) return 0;  // rank 0 writes the result
  if (records.size() == 1 && !records.front().feasible)
    throw Error(scenarios.front().where("training.micro_batch"), "training.micro_batch",
                std::to_string(records.front().micro_batch) + " does not fit in memory: " +
                    sim::out_of_memory_text(records.front()) + remedies(scenarios.front()));
  if (!a.trace.empty())
    models::write_output(a.trace, sim::chrome_trace(records[traced], scenarios[traced], trace_ranks).dump() + "\n");
  emit(a.json  ? sim::records_json(records, !a.summary)
       : a.csv ? sim::predict_csv(records)
               : sim::predict_table(records),
       a.output);
  return 0;
}

int cmd_memory(const std::string& file, bool json, std::size_t max_configurations) {
  const auto scenarios = models::load_scenarios(file, models::Catalogue::builtin(), max_configurations);
  const auto records = predict_all(scenarios, false);
  if (json) {
    models::Json all = models::Json::array();
    for (const auto& r : records) {
      auto j = models::to_json(r, false);
      all.push_back({{"config", j["config"]},
                     {"feasible", r.feasible},
                     {"memory_bytes", j["memory_bytes"]},
                     {"max_micro_batch", r.max_micro_batch}});
    }
    std::cout << all.dump(2) << "\n";
    return 0;
  }
  std::cout << sim::memory_table(records);
  for (std::size_t i = 0; i < records.size(); ++i)
    if (const auto& r = records[i]; !r.feasible)
      std::cout << "out of memory at " << r.gpus << " GPUs, micro-batch " << r.micro_batch << ": "
                << sim::out_of_memory_text(r) << remedies(scenarios[i]) << "\n";
  return 0;
}

}  // namespace dpcast::cli
