// dpcast: predict the step time of data-parallel training, list the model zoo and the
// hardware catalogue, and break down memory. Bad input: one line on stderr, exit 2.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>

#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/compare.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif
#include "dpcast/sim/report.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/trace.hpp"
#include "dpcast/sim/units.hpp"

namespace {
using namespace dpcast;

// A progress bar on stderr for long sweeps, only when stderr is a terminal.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), enabled_(total >= 50 && ::isatty(STDERR_FILENO)) {}
  void tick(std::size_t done) {
    if (!enabled_ || (done != total_ && done % std::max<std::size_t>(1, total_ / 100) != 0)) return;
    const int filled = static_cast<int>(30 * done / total_);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(30 - filled, ' ') << "] " << done << "/" << total_
              << (done == total_ ? "\n" : "") << std::flush;
  }

 private:
  std::size_t total_;
  bool enabled_;
};

// Sweeps up to this size use the DES by default; larger ones the analytical engine.
constexpr std::size_t kDesDefaultLimit = 16;

std::vector<models::RunRecord> predict_all(const std::vector<models::Scenario>& scenarios, bool details,
                                           const std::string& engine_name = "analytical",
                                           const models::NetworkModelSettings& network = {}) {
  sim::ModelCache cache;
  sim::AnalyticalEngine analytical;
#ifdef DPCAST_HAVE_DES
  sim::DesEngine des;
#endif
  std::vector<models::RunRecord> records;
  Progress progress(scenarios.size());
  for (const auto& s : scenarios) {
    const models::ModelGraph* graph = nullptr;
    try {
      graph = &cache.get(s);
    } catch (const Error& e) {
      // A model that cannot be built for this configuration: point at the model key.
      if (e.where().file.empty()) throw Error(s.where("model"), "model", e.detail());
      throw;
    }
#ifdef DPCAST_HAVE_DES
    if (engine_name == "des") {
      records.push_back(des.predict(s, *graph, {details, false, network}));
      progress.tick(records.size());
      continue;
    }
#endif
    records.push_back(analytical.predict(s, *graph, {details}));
    progress.tick(records.size());
  }
  return records;
}

void emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
  } else {
    models::write_file_atomically(output, text);
  }
}

int cmd_predict(const std::string& file, bool json, bool csv, const std::string& engine, const std::string& output,
                bool summary, const std::string& trace, int trace_ranks, const std::string& profile_file) {
  // A calibrated profile replaces the catalogue's figures for the GPUs and links it names.
  std::optional<models::Profile> profile;
  std::optional<models::Catalogue> calibrated;
  if (!profile_file.empty()) {
    profile = models::load_profile(profile_file);
    calibrated = models::apply_profile(models::Catalogue::builtin(), *profile);
  }
  const auto scenarios = models::load_scenarios(file, calibrated ? *calibrated : models::Catalogue::builtin());
  std::string chosen = engine;
  if (chosen.empty()) {
#ifdef DPCAST_HAVE_DES
    chosen = scenarios.size() <= kDesDefaultLimit ? "des" : "analytical";
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
  if (!trace.empty() && scenarios.size() != 1)
    throw Error("--trace: needs a single configuration; " + file + " has " + std::to_string(scenarios.size()));
  const bool details = (json ? !summary : scenarios.size() == 1) || !trace.empty();
  const auto records = predict_all(scenarios, details, chosen, profile ? profile->network : models::NetworkModelSettings{});
  if (records.size() == 1 && !records.front().feasible)
    throw Error(scenarios.front().where("training.micro_batch"), "training.micro_batch",
                std::to_string(records.front().micro_batch) + " does not fit in memory: " +
                    sim::out_of_memory_text(records.front()));
  if (!trace.empty())
    models::write_file_atomically(trace, sim::chrome_trace(records.front(), scenarios.front(), trace_ranks).dump() + "\n");
  emit(json ? sim::records_json(records, !summary) : csv ? sim::predict_csv(records) : sim::predict_table(records),
       output);
  return 0;
}

// Predicted against measured records of the same configurations; exit status 1 when a
// pair's error or the MAPE is above its tolerance.
int cmd_compare(const std::vector<std::string>& files, bool json, bool csv, bool layers, double tolerance,
                double max_mape, const std::string& output) {
  std::vector<models::RunRecord> records;
  for (const auto& f : files) {
    auto more = sim::load_records(f);
    records.insert(records.end(), more.begin(), more.end());
  }
  const auto comparison = sim::compare_records(records);
  if (comparison.pairs.empty())
    throw Error("dpcast compare: no predicted and measured records of the same configuration among " +
                std::to_string(records.size()) + " records" +
                (comparison.unpaired.empty() ? "" : " (" + comparison.unpaired.front() + ")"));
  emit(json ? sim::comparison_json(comparison) : csv ? sim::comparison_csv(comparison)
                                                     : sim::comparison_table(comparison, layers),
       output);
  bool over = false;
  if (tolerance >= 0)
    for (const auto& p : comparison.pairs)
      if (std::abs(p.error()) * 100 > tolerance) {
        std::cerr << "dpcast compare: " << p.measured.model << " on " << p.measured.gpus << " GPUs, micro-batch "
                  << p.measured.micro_batch << " (" << p.predicted.engine << "): error "
                  << sim::fixed(100 * p.error(), 1) << "% is beyond the tolerance of " << sim::fixed(tolerance, 1) << "%\n";
        over = true;
      }
  if (max_mape >= 0 && comparison.mape() * 100 > max_mape) {
    std::cerr << "dpcast compare: MAPE " << sim::fixed(100 * comparison.mape(), 1) << "% is beyond " << sim::fixed(max_mape, 1)
              << "%\n";
    over = true;
  }
  return over ? 1 : 0;
}

int cmd_memory(const std::string& file, bool json) {
  const auto scenarios = models::load_scenarios(file);
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
  for (const auto& r : records)
    if (!r.feasible) std::cout << "out of memory at " << r.gpus << " GPUs, micro-batch " << r.micro_batch << ": "
                               << sim::out_of_memory_text(r) << "\n";
  return 0;
}

std::string family_name(models::ModelFamily f) {
  return f == models::ModelFamily::Transformer ? "transformer" : f == models::ModelFamily::Cnn ? "cnn" : "mlp";
}

int cmd_models(bool json) {
  models::Json all = models::Json::array();
  sim::Table t({"name", "family", "parameters", "input", "forward GFLOP/sample", "description"});
  for (const auto& e : models::zoo()) {
    const auto g = models::build_zoo_model(e.name);
    const std::string input = e.default_seq_len ? std::to_string(e.default_seq_len) + " tokens"
                              : e.image_size    ? std::to_string(e.image_size) + "x" + std::to_string(e.image_size)
                                                : "features";
    all.push_back({{"name", e.name},
                   {"family", family_name(e.family)},
                   {"params", g.total_params()},
                   {"seq_len", e.default_seq_len},
                   {"image_size", e.image_size},
                   {"layers", g.size()},
                   {"forward_flops_per_sample", g.forward_flops_per_sample()},
                   {"backward_flops_per_sample", g.backward_flops_per_sample()},
                   {"description", e.description}});
    t.add_row({e.name, family_name(e.family), std::to_string(g.total_params()), input,
               sim::fixed(g.forward_flops_per_sample() / 1e9, 1), e.description});
  }
  if (json) {
    std::cout << all.dump(2) << "\n";
  } else {
    t.print(std::cout);
  }
  return 0;
}

int cmd_hardware(bool json) {
  const auto& cat = models::Catalogue::builtin();
  if (json) {
    models::Json out{{"gpus", models::Json::array()}, {"links", models::Json::array()}, {"nodes", models::Json::array()}};
    for (const auto& [name, g] : cat.gpus()) {
      models::Json peaks;
      for (const auto& [p, v] : g.peak_flops) peaks[std::string(models::to_string(p))] = v;
      models::Json j{{"name", name},
                       {"description", g.description},
                       {"peak_flops", peaks},
                       {"vector_flops", g.vector_flops},
                       {"memory_bytes", g.memory_bytes},
                       {"memory_bandwidth_bytes_per_s", g.memory_bandwidth_bytes_per_s},
                       {"compute_efficiency", g.compute_efficiency},
                       {"memory_efficiency", g.memory_efficiency},
                       {"reserved_bytes", g.reserved_bytes},
                       {"launch_overhead_s", g.launch_overhead_s}};
      if (g.price_per_hour) j["price_per_hour_usd"] = *g.price_per_hour;
      out["gpus"].push_back(j);
    }
    for (const auto& [name, l] : cat.links())
      out["links"].push_back({{"name", name}, {"description", l.description},
                              {"bandwidth_bytes_per_s", l.bandwidth_bytes_per_s}, {"latency_s", l.latency_s}});
    for (const auto& [name, n] : cat.nodes()) {
      models::Json j{{"name", name}, {"description", n.description}, {"gpu", n.gpu},
                     {"gpus_per_node", n.gpus_per_node}, {"fabric", std::string(models::to_string(n.fabric))},
                     {"intra_link", n.intra_link}, {"nics", n.nics}, {"nic_link", n.nic_link}};
      if (n.fabric == models::IntraFabric::Pcie) {
        j["pcie_switches"] = n.pcie_switches;
        j["host_link"] = n.host_link;
        j["sockets"] = n.sockets;
        if (n.sockets > 1) j["socket_link"] = n.socket_link;
      }
      out["nodes"].push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "GPUs (" << models::Catalogue::default_dir() << "/gpus)\n";
  sim::Table gpus({"name", "bf16", "fp32 matrix", "memory", "bandwidth", "efficiency (compute/memory)", "$/GPU-hour", "description"});
  for (const auto& [name, g] : cat.gpus()) {
    const auto bf16 = g.peak_flops.find(models::Precision::Bf16);
    gpus.add_row({name, bf16 == g.peak_flops.end() ? "-" : sim::human_rate(bf16->second, "FLOP/s"),
                  sim::human_rate(g.matrix_peak(models::Precision::Fp32), "FLOP/s"), sim::human_bytes(g.memory_bytes),
                  sim::human_rate(g.memory_bandwidth_bytes_per_s, "B/s"),
                  sim::fixed(g.compute_efficiency, 2) + " / " + sim::fixed(g.memory_efficiency, 2),
                  g.price_per_hour ? sim::fixed(*g.price_per_hour, 2) : "-", g.description});
  }
  gpus.print(std::cout);
  std::cout << "\nLinks (bandwidth per direction)\n";
  sim::Table links({"name", "bandwidth", "latency", "description"});
  for (const auto& [name, l] : cat.links())
    links.add_row({name, sim::human_rate(l.bandwidth_bytes_per_s, "B/s"), sim::human_time(l.latency_s), l.description});
  links.print(std::cout);
  std::cout << "\nNode presets\n";
  sim::Table nodes({"name", "GPUs", "fabric", "intra link", "NICs", "description"});
  for (const auto& [name, n] : cat.nodes())
    nodes.add_row({name, std::to_string(n.gpus_per_node) + " x " + n.gpu, std::string(models::to_string(n.fabric)),
                   n.intra_link, std::to_string(n.nics) + " x " + n.nic_link, n.description});
  nodes.print(std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dpcast: how long will one data-parallel training step take on this cluster, and why?"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show every command's options");

  std::string scenario, engine, output, trace, profile;
  int trace_ranks = 8;
  bool json = false, csv = false, summary = false;
  auto* predict = app.add_subcommand("predict", "Predict one training step for every configuration of a scenario");
  predict->add_option("scenario", scenario, "Scenario file (YAML or JSON)")->required();
  auto* json_flag = predict->add_flag("--json", json, "JSON: one run record per configuration");
  predict->add_flag("--csv", csv, "CSV with snake_case columns that carry their units")->excludes(json_flag);
  predict->add_option("--engine", engine,
                      "des (SimGrid: shared links, contention) or analytical (closed forms). Default: des for "
                      "scenarios of up to 16 configurations, analytical for larger sweeps");
  predict->add_option("-o,--output", output, "Write to this file (atomically) instead of stdout");
  predict->add_flag("--summary", summary, "JSON without the per-layer and per-bucket entries");
  predict->add_option("--trace", trace, "Write one step as a Chrome trace (Perfetto): one process per rank");
  predict->add_option("--trace-ranks", trace_ranks, "Ranks in the trace (default 8)")->check(CLI::Range(1, 100000));
  predict->add_option("--profile", profile,
                      "A calibrated hardware profile (dpcast calibrate): measured efficiencies and link alpha-beta "
                      "replace the catalogue's for the GPUs and links it names");

  std::vector<std::string> record_files;
  double tolerance = -1, max_mape = -1;
  bool layers = false;
  auto* compare = app.add_subcommand("compare", "Predicted against measured run records of the same configurations");
  compare->add_option("records", record_files, "Run record files (dpcast predict --json, dpcast-train)")->required();
  auto* compare_json = compare->add_flag("--json", json, "JSON: every pair, the MAPE and the worst error");
  compare->add_flag("--csv", csv, "CSV: one row per pair")->excludes(compare_json);
  compare->add_flag("--layers", layers, "Also compare every layer's forward and backward time");
  compare->add_option("--tolerance", tolerance, "Exit status 1 when any pair's step-time error exceeds this many percent")
      ->check(CLI::NonNegativeNumber);
  compare->add_option("--max-mape", max_mape, "Exit status 1 when the MAPE exceeds this many percent")
      ->check(CLI::NonNegativeNumber);
  compare->add_option("-o,--output", output, "Write to this file (atomically) instead of stdout");

  auto* models_cmd = app.add_subcommand("models", "List the built-in model zoo");
  models_cmd->add_flag("--json", json, "JSON");
  auto* hardware = app.add_subcommand("hardware", "List the hardware catalogue (GPUs, links, node presets)");
  hardware->add_flag("--json", json, "JSON");
  auto* memory = app.add_subcommand("memory", "Memory per GPU for every configuration of a scenario");
  memory->add_option("scenario", scenario, "Scenario file (YAML or JSON)")->required();
  memory->add_flag("--json", json, "JSON");

  // An unknown command gets a did-you-mean rather than CLI11's "a subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      std::cerr << "dpcast: unknown command '" << argv[1] << "'" << models::suggestion(argv[1], names)
                << "; commands: " << list << "\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "dpcast: " << e.what() << " (see dpcast --help)\n";  // one line, exit 2
    return 2;
  }

  try {
    if (*predict) return cmd_predict(scenario, json, csv, engine, output, summary, trace, trace_ranks, profile);
    if (*compare) return cmd_compare(record_files, json, csv, layers, tolerance, max_mape, output);
    if (*models_cmd) return cmd_models(json);
    if (*hardware) return cmd_hardware(json);
    if (*memory) return cmd_memory(scenario, json);
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dpcast: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
