// dpcast record: a measured run record from a step time measured elsewhere (measured_record.hpp).
#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/measured_record.hpp"

namespace dpcast::cli {

namespace {
// The option a measured_record key came from.
std::string option_of(const std::string& key) {
  if (key == "step_time_s") return "--step-time";
  if (key == "exposed_comm_s") return "--exposed-comm";
  return "--" + key.substr(0, key.size() - 2);  // p10_s -> --p10, forward_s -> --forward
}

// --step-time, or what --tokens-per-s or --samples-per-s say of it.
double step_time(const RecordArgs& a, const models::Scenario& s) {
  const int given = a.step_time_s.has_value() + a.tokens_per_s.has_value() + a.samples_per_s.has_value();
  if (given != 1) throw Error("dpcast record: give one of --step-time, --tokens-per-s and --samples-per-s");
  if (a.step_time_s) return *a.step_time_s;  // measured_record checks it
  const double rate = a.samples_per_s ? *a.samples_per_s : *a.tokens_per_s;
  const std::string option = a.samples_per_s ? "--samples-per-s" : "--tokens-per-s";
  if (!(rate > 0) || !std::isfinite(rate)) throw Error("dpcast record: " + option + ": expected a positive rate");
  const double batch = static_cast<double>(s.training.micro_batch * s.training.grad_accumulation) * s.cluster.gpus();
  if (a.samples_per_s) return batch / rate;
  if (s.seq_len() <= 0) throw Error("dpcast record: --tokens-per-s: " + s.model.label + " has no sequence length");
  return batch * static_cast<double>(s.seq_len()) / rate;
}
}  // namespace

int cmd_record(const RecordArgs& a) {
  const auto scenarios = models::load_scenarios(a.scenario);
  const std::size_t count = scenarios.size();
  if (count > 1 && a.point == 0)
    throw Error("dpcast record: " + a.scenario + " has " + std::to_string(count) +
                " configurations: name the one measured with --point N (1 to " + std::to_string(count) + ")");
  if (a.point > count)
    throw Error("dpcast record: --point " + std::to_string(a.point) + ": " + a.scenario + " has " +
                std::to_string(count) + " configuration" + (count == 1 ? "" : "s"));
  const models::Scenario& scenario = scenarios[a.point == 0 ? 0 : a.point - 1];
  sim::MeasuredFigures figures = a.figures;
  figures.step_time_s = step_time(a, scenario);
  models::RunRecord r;
  try {
    r = sim::measured_record(scenario, figures);
  } catch (const Error& e) {
    throw Error("dpcast record: " + option_of(e.key_path()) + ": " + e.detail());
  }
  const std::string text = models::to_json(r, false).dump(2) + "\n";
  models::write_output(a.output.empty() ? "-" : a.output, text);
  return 0;
}

}  // namespace dpcast::cli
