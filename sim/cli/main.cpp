// dpcast: predict the step time of data-parallel training, compare predictions with
// measurements, calibrate, list the model zoo and the hardware catalogue, and break down
// memory. Bad input: one line on stderr, exit 2.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "mpi_sweep.hpp"

using namespace dpcast;

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
  compare
      ->add_option("--tolerance", tolerance, "Exit status 1 when any pair's step-time error exceeds this many percent")
      ->check(CLI::NonNegativeNumber);
  compare->add_option("--max-mape", max_mape, "Exit status 1 when the MAPE exceeds this many percent")
      ->check(CLI::NonNegativeNumber);
  compare->add_option("-o,--output", output, "Write to this file (atomically) instead of stdout");
  bool repredict = false;
  std::string compare_engine, compare_profile;
  compare->add_flag("--predict", repredict,
                    "Predict every measured record again from the scenario it carries, and compare with that");
  compare->add_option("--engine", compare_engine, "With --predict: des (default) or analytical");
  compare->add_option("--profile", compare_profile, "With --predict: a calibrated hardware profile");

  cli::CalibrateArgs cal;
  auto* calibrate = app.add_subcommand(
      "calibrate",
      "Measure this machine (dpcast-train --microbench) or import nccl-tests / OSU logs into a hardware profile");
  calibrate->add_option("--backend", cal.backend, "cpu (OpenBLAS + MPI) or cuda (cuBLAS + NCCL); default cpu");
  calibrate
      ->add_option("-n,--ranks", cal.ranks,
                   "Processes for the all-reduce measurement (mpirun -n; with --backend cuda, "
                   "GPUs: dpcast-train --gpus), or the ranks of an imported OSU log; default 2")
      ->check(CLI::Range(1, 1 << 20));
  calibrate->add_option("--gpu", cal.gpu,
                        "Catalogue GPU the measurements describe (default cpu-core for --backend cpu)");
  calibrate->add_option("--node", cal.node,
                        "Node preset whose intra-node link the all-reduce crosses (default cpu-host)");
  calibrate->add_option("--link", cal.link, "Catalogue link the all-reduce measures (instead of --node)");
  calibrate->add_option("--name", cal.name, "Profile name (default: the output file's name)");
  calibrate->add_option("-o,--output", cal.output, "Where to write the profile (YAML, atomically)");
  calibrate->add_option("--base", cal.base, "Start from this profile and add what is measured or imported");
  calibrate->add_option("--from-microbench", cal.microbench,
                        "Fit this dpcast-train --microbench output instead of running it");
  calibrate->add_option("--nccl-tests", cal.nccl_tests,
                        "Import an nccl-tests all_reduce_perf log into --link's alpha-beta");
  calibrate->add_option("--record", cal.records,
                        "Measured run records (dpcast-train on one worker) whose layers' times the profile keeps "
                        "(repeatable); predictions of those layers then use them");
  calibrate->add_option("--osu", cal.osu,
                        "Import an OSU osu_allreduce log (of --ranks ranks) into --link's alpha-beta");

  cli::PlanArgs plan_args;
  auto* plan = app.add_subcommand("plan",
                                  "Size a cluster: the Pareto front of time to train against cost, under a "
                                  "deadline, a budget and a maximum global batch (the scenario's plan section)");
  plan->add_option("scenario", plan_args.scenario, "Scenario with a plan section")->required();
  plan->add_option("--tokens", plan_args.tokens, "Tokens to train on (overrides plan.target)")
      ->check(CLI::PositiveNumber);
  plan->add_option("--samples", plan_args.samples, "Samples to train on (overrides plan.target)")
      ->check(CLI::PositiveNumber);
  plan->add_option("--deadline-hours", plan_args.deadline_hours, "Deadline in hours")->check(CLI::PositiveNumber);
  plan->add_option("--budget", plan_args.budget_usd, "Budget in USD")->check(CLI::PositiveNumber);
  plan->add_option("--max-global-batch", plan_args.max_global_batch, "Largest global batch in samples")
      ->check(CLI::PositiveNumber);
  plan->add_option("--price", plan_args.prices,
                   "GPU=USD per GPU-hour, overriding the catalogue and the plan (repeatable)");
  plan->add_option("--confirm-up-to", plan_args.confirm_up_to,
                   "Play front points of at most this many GPUs on the DES (default 1024; 0: none)")
      ->check(CLI::Range(0, 1 << 30));
  auto* plan_json = plan->add_flag("--json", plan_args.json, "JSON: the front, each point with its scenario YAML");
  plan->add_flag("--csv", plan_args.csv, "CSV: one row per front point")->excludes(plan_json);
  plan->add_option("-o,--output", plan_args.output, "Write to this file (atomically) instead of stdout");

  cli::ValidateArgs val;
  auto* validate = app.add_subcommand(
      "validate",
      "Predict the validation corpus (published measurements of real clusters) from the catalogue defaults");
  validate->add_option("data_sets", val.data_sets, "Data sets (folders of scenarios/validation/); default: all");
  validate->add_option("--engine", val.engine, "analytical (default, what the bounds hold) or des");
  auto* validate_json = validate->add_flag("--json", val.json, "JSON: every case, and per data set its statistics");
  validate->add_flag("--csv", val.csv, "CSV: one row per case")->excludes(validate_json);
  validate->add_flag("--summary", val.summary, "Only the table per data set");
  validate->add_option("-o,--output", val.output, "Write to this file (atomically) instead of stdout");
  validate->add_flag("--check", val.check,
                     "Exit status 1 when a data set's MAPE is above its bound in bounds.yaml, or the bound is stale");
  validate->add_flag(
      "--write-bounds", val.write_bounds,
      "Write bounds.yaml: each data set's MAPE rounded up to 0.1% (never raises the bound of unchanged cases)");
  validate->add_option("--corpus", val.corpus,
                       "The corpus folder (default: scenarios/validation, or $DPCAST_VALIDATION_DIR)");

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
    cli::MpiSweep world;  // under mpirun: predict splits its sweep, other commands run on rank 0
    if (*predict)
      return cli::cmd_predict({scenario, json, csv, engine, output, summary, trace, trace_ranks, profile}, world);
    if (!world.writes()) return 0;
    if (*calibrate) return cli::cmd_calibrate(cal);
    if (*plan) return cli::cmd_plan(plan_args);
    if (*compare)
      return cli::cmd_compare(record_files, json, csv, layers, tolerance, max_mape, output, repredict, compare_engine,
                              compare_profile);
    if (*validate) return cli::cmd_validate(val);
    if (*models_cmd) return cli::cmd_models(json);
    if (*hardware) return cli::cmd_hardware(json);
    if (*memory) return cli::cmd_memory(scenario, json);
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const cli::FailedOnAnotherRank&) {
    return 2;  // rank 0 reports it
  } catch (const std::exception& e) {
    std::cerr << "dpcast: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
