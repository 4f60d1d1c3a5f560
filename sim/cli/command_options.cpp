// dpcast's command line: every subcommand with its options and help texts, and what runs it
// once the command line is parsed. The names, texts and checks here are what `dpcast
// --help-all` prints and the cli tests check; the commands themselves live in their own files
// (commands.hpp).
#include <CLI/CLI.hpp>
#include <memory>

#include "commands.hpp"
#include "dpcast/models/cli_numbers.hpp"

namespace dpcast::cli {
namespace {
// -o, --trace: a file name, or - for standard output; -o '' is not standard output by accident.
const CLI::Validator kOutputName(
    [](std::string& value) {
      return value.empty() ? std::string("expected a file name, or - for standard output") : "";
    },
    "FILE", "output file");
}  // namespace

void add_max_configurations(CLI::App& command, std::size_t& limit) {
  command
      .add_option("--max-configurations", limit,
                  "The largest sweep to expand (default " + std::to_string(models::kMaxConfigurations) +
                      "): a larger one is refused before it expands")
      ->check(cli_numbers::kPositive);
}

Command add_predict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* predict = app.add_subcommand("predict", "Predict one training step for every configuration of a scenario");
  predict->add_option("scenario", a->scenario, "Scenario file (YAML or JSON)")->required();
  auto* json_flag = predict->add_flag("--json", a->json, "JSON: one run record per configuration");
  predict->add_flag("--csv", a->csv, "CSV with snake_case columns that carry their units")->excludes(json_flag);
  predict->add_option("--engine", a->engine,
                      "des (SimGrid: shared links, contention) or analytical (closed forms). Default: des for "
                      "scenarios of up to 16 configurations, analytical for larger sweeps");
  predict->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")
      ->check(kOutputName);
  predict->add_flag("--summary", a->summary, "JSON without the per-layer and per-bucket entries");
  predict->add_option("--trace", a->trace, "Write one step as a Chrome trace (Perfetto): one process per rank")
      ->check(kOutputName);
  predict->add_option("--trace-ranks", a->trace_ranks,
                      "Ranks in the trace: the first N (default 8), or ranks and ranges such as 0,32,64 or 0-3,60-63");
  predict->add_option("--point", a->point, "With --trace, of a sweep: the configuration to trace (1 = the first)")
      ->check(cli_numbers::kPositive);
  predict->add_option("--profile", a->profile,
                      "A calibrated hardware profile (dpcast calibrate): measured efficiencies and link alpha-beta "
                      "replace the catalogue's for the GPUs and links it names");
  add_max_configurations(*predict, a->max_configurations);
  predict
      ->add_option("--comm-timeout", a->comm_timeout_s,
                   "Under mpirun: seconds a rank that has finished its share waits for the others, beyond the time "
                   "its share took (default " +
                       std::to_string(static_cast<int>(kDefaultCommTimeoutS)) +
                       "); then it names the rank it missed and ends the job")
      ->check(cli_numbers::kPositive);
  predict->add_option("--fault-stop-rank", a->fault_stop_rank)->group("");  // tests: a hung rank
  return {predict, true, [a](MpiSweep& sweep) { return cmd_predict(*a, sweep); }};
}

Command add_compare(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  auto* compare = app.add_subcommand("compare", "Predicted against measured run records of the same configurations");
  compare->add_option("records", a->files, "Run record files (dpcast predict --json, dpcast-train)")->required();
  auto* compare_json = compare->add_flag("--json", a->json, "JSON: every pair, the MAPE and the worst error");
  compare->add_flag("--csv", a->csv, "CSV: one row per pair")->excludes(compare_json);
  compare->add_flag("--layers", a->layers, "Also compare every layer's forward and backward time");
  compare
      ->add_option("--tolerance", a->tolerance,
                   "Exit status 1 when any pair's step-time error exceeds this many percent")
      ->check(cli_numbers::kNonNegative);
  compare->add_option("--max-mape", a->max_mape, "Exit status 1 when the MAPE exceeds this many percent")
      ->check(cli_numbers::kNonNegative);
  compare->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")
      ->check(kOutputName);
  compare->add_flag("--predict", a->predict,
                    "Predict every measured record again from the scenario it carries, and compare with that");
  compare->add_option("--engine", a->engine, "With --predict: des (default) or analytical");
  compare->add_option("--profile", a->profile, "With --predict: a calibrated hardware profile");
  return {compare, false, [a](MpiSweep&) { return cmd_compare(*a); }};
}

Command add_record(CLI::App& app) {
  auto a = std::make_shared<RecordArgs>();
  auto* record = app.add_subcommand(
      "record", "Write a measured run record of a scenario from a step time measured elsewhere (your own run)");
  record->add_option("scenario", a->scenario, "The scenario that describes the run (YAML or JSON)")->required();
  record->add_option("--point", a->point, "Of a sweep: the configuration measured (1 = the first)")
      ->check(cli_numbers::kPositive);
  record->add_option("--step-time", a->step_time_s, "Measured seconds per training step (median)");
  record->add_option("--tokens-per-s", a->tokens_per_s,
                     "Measured tokens per second, all GPUs (instead of --step-time)");
  record->add_option("--samples-per-s", a->samples_per_s,
                     "Measured samples per second, all GPUs (instead of --step-time)");
  record->add_option("--p10", a->figures.p10_s, "10th percentile of the step time (with --p90)");
  record->add_option("--p90", a->figures.p90_s, "90th percentile of the step time (with --p10)");
  record->add_option("--forward", a->figures.forward_s, "Measured forward seconds per step");
  record->add_option("--backward", a->figures.backward_s, "Measured backward seconds per step");
  record->add_option("--exposed-comm", a->figures.exposed_comm_s, "Measured seconds waiting for communication");
  record->add_option("--engine", a->figures.engine, "What measured it: pytorch, megatron, ... (default external)");
  record->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")->check(kOutputName);
  return {record, false, [a](MpiSweep&) { return cmd_record(*a); }};
}

Command add_calibrate(CLI::App& app) {
  auto a = std::make_shared<CalibrateArgs>();
  auto* calibrate = app.add_subcommand(
      "calibrate",
      "Measure this machine (dpcast-train --microbench) or import nccl-tests / OSU logs into a hardware profile");
  calibrate->add_option("--backend", a->backend, "cpu (OpenBLAS + MPI) or cuda (cuBLAS + NCCL); default cpu");
  calibrate
      ->add_option("-n,--ranks", a->ranks,
                   "Processes for the all-reduce measurement (mpirun -n; with --backend cuda, "
                   "GPUs: dpcast-train --gpus; default 2), or the ranks of an imported OSU log, or of an "
                   "nccl-tests log without rank lines")
      ->check(CLI::Range(1, 1 << 20));
  calibrate->add_option("--gpu", a->gpu,
                        "Catalogue GPU the measurements describe (default cpu-core for --backend cpu)");
  calibrate->add_option("--node", a->node,
                        "Node preset whose intra-node link the all-reduce crosses (default cpu-host); with "
                        "--nccl-tests, the node preset the log ran on (required)");
  calibrate->add_option("--link", a->link,
                        "Catalogue link the all-reduce measures (instead of --node); with --nccl-tests, the NIC "
                        "link where not the preset's");
  calibrate->add_option("--nodes", a->nodes, "Nodes of an nccl-tests log (default: the hosts of its rank lines)")
      ->check(CLI::Range(1, 1 << 20));
  calibrate
      ->add_option("--gpus-per-node", a->gpus_per_node, "GPUs per node of an nccl-tests log (default: ranks / nodes)")
      ->check(CLI::Range(1, 1 << 10));
  calibrate->add_option("--op", a->op,
                        "The collective of an nccl-tests log: all_reduce, all_gather, reduce_scatter, broadcast, "
                        "reduce (default: the log's \"Collective test starting\" line, else all_reduce)");
  calibrate->add_option("--name", a->name, "Profile name (default: the output file's name)");
  calibrate->add_option("-o,--output", a->output, "Where to write the profile (YAML, atomically)")->check(kOutputName);
  calibrate->add_option("--base", a->base, "Start from this profile and add what is measured or imported");
  calibrate->add_option("--from-microbench", a->microbench,
                        "Fit this dpcast-train --microbench output instead of running it");
  calibrate->add_option("--nccl-tests", a->nccl_tests,
                        "Import an nccl-tests log (all_reduce_perf, all_gather_perf, reduce_scatter_perf, ...) of "
                        "--node: each size's measured over dpcast's NCCL time, on the link the collective is bound "
                        "by (the NICs across nodes)");
  calibrate->add_option("--record", a->records,
                        "Measured run records (dpcast-train on one worker) whose layers' times the profile keeps "
                        "(repeatable); predictions of those layers then use them");
  calibrate->add_option("--osu", a->osu, "Import an OSU osu_allreduce log (of --ranks ranks) into --link's alpha-beta");
  return {calibrate, false, [a](MpiSweep&) { return cmd_calibrate(*a); }};
}

Command add_plan(CLI::App& app) {
  auto a = std::make_shared<PlanArgs>();
  auto* plan = app.add_subcommand("plan",
                                  "Size a cluster: the Pareto front of time to train against cost, under a "
                                  "deadline, a budget and a maximum global batch (the scenario's plan section)");
  plan->add_option("scenario", a->scenario, "Scenario with a plan section")->required();
  plan->add_option("--tokens", a->tokens, "Tokens to train on (overrides plan.target)")->check(cli_numbers::kPositive);
  plan->add_option("--samples", a->samples, "Samples to train on (overrides plan.target)")
      ->check(cli_numbers::kPositive);
  plan->add_option("--deadline-hours", a->deadline_hours, "Deadline in hours")->check(cli_numbers::kPositive);
  plan->add_option("--budget", a->budget_usd, "Budget in USD")->check(cli_numbers::kPositive);
  plan->add_option("--max-global-batch", a->max_global_batch, "Largest global batch in samples")
      ->check(cli_numbers::kPositive);
  plan->add_option("--price", a->prices, "GPU=USD per GPU-hour, overriding the catalogue and the plan (repeatable)");
  plan->add_option("--confirm-up-to", a->confirm_up_to,
                   "Play front points of at most this many GPUs on the DES (default 1024; 0: none)")
      ->check(CLI::Range(0, 1 << 30));
  auto* plan_json = plan->add_flag("--json", a->json, "JSON: the front, each point with its scenario YAML");
  plan->add_flag("--csv", a->csv, "CSV: one row per front point")->excludes(plan_json);
  plan->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")->check(kOutputName);
  return {plan, false, [a](MpiSweep&) { return cmd_plan(*a); }};
}

Command add_validate(CLI::App& app) {
  auto a = std::make_shared<ValidateArgs>();
  auto* validate = app.add_subcommand(
      "validate",
      "Predict the validation corpus (published measurements of real clusters) from the catalogue defaults");
  validate->add_option("data_sets", a->data_sets, "Data sets (folders of scenarios/validation/); default: all");
  validate->add_option("--engine", a->engine, "analytical (default, what the bounds hold) or des");
  auto* validate_json = validate->add_flag("--json", a->json, "JSON: every case, and per data set its statistics");
  validate->add_flag("--csv", a->csv, "CSV: one row per case")->excludes(validate_json);
  validate->add_flag("--summary", a->summary, "Only the table per data set");
  validate->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")
      ->check(kOutputName);
  validate->add_flag("--check", a->check,
                     "Exit status 1 when a data set's MAPE is above its bound in bounds.yaml, or the bound is stale");
  validate->add_flag(
      "--write-bounds", a->write_bounds,
      "Write bounds.yaml: each data set's MAPE rounded up to 0.1% (never raises the bound of unchanged cases)");
  validate->add_option("--corpus", a->corpus,
                       "The corpus folder (default: scenarios/validation, or $DPCAST_VALIDATION_DIR)");
  return {validate, false, [a](MpiSweep&) { return cmd_validate(*a); }};
}

Command add_collective(CLI::App& app) {
  auto a = std::make_shared<CollectiveArgs>();
  auto* collective = app.add_subcommand(
      "collective",
      "One collective over a range of sizes, printed as nccl-tests prints it (with the algorithm chosen)");
  collective->add_option("scenario", a->scenario, "Take the cluster (and library) from this scenario file");
  collective->add_option("--op", a->op,
                         "all-reduce (default), all-gather, reduce-scatter, broadcast or reduce (all_reduce also)");
  collective->add_option("--node", a->node, "Node preset (dpcast hardware), when no scenario is given");
  collective->add_option("--gpus", a->gpus, "GPU counts, e.g. 8,16,128 (one table each; default 8)")->delimiter(',');
  collective->add_option("--gpus-per-node", a->gpus_per_node, "GPUs per node (default: the preset's)");
  collective->add_option("--link", a->link, "NIC link (default: the preset's)");
  collective->add_option("--topology", a->topology,
                         "Network topology: single-switch, fat-tree or rail-optimized (default: the scenario's, "
                         "else a fat-tree)");
  collective->add_option("--oversubscription", a->oversubscription,
                         "Leaf oversubscription of a fat-tree or rail-optimized network: 2 for 2:1 (default 1)");
  collective->add_option("--nodes-per-leaf", a->nodes_per_leaf,
                         "Nodes under one leaf switch (default: 32 / NICs per node); a node-ordered ring crosses "
                         "each leaf once, so oversubscription up to this many nodes costs it nothing");
  collective->add_flag("--sharp", a->sharp,
                       "The switches reduce in the network (NVIDIA SHARP) and NCCL uses it: CollNet, and NVLS across "
                       "nodes (as NCCL_COLLNET_ENABLE=1 with the SHARP plugin)");
  collective->add_option("--library", a->library, "nccl, mpi or gloo (default: NCCL on NVIDIA GPUs, else MPI)");
  collective->add_option("--algorithm", a->algorithm,
                         "auto (the library's choice: NCCL's own) or an alpha-beta algorithm: ring, tree, "
                         "halving-doubling, hierarchical, parameter-server");
  collective->add_option("--nccl-algorithm", a->nccl_algorithm,
                         "As NCCL_ALGO: NCCL chooses only this algorithm: tree, ring, nvls, nvls-tree or pat");
  collective->add_option("--nccl-protocol", a->nccl_protocol,
                         "As NCCL_PROTO: NCCL chooses only this protocol: LL, LL128 or Simple");
  collective->add_option("--profile", a->profile,
                         "A calibrated profile (dpcast calibrate --nccl-tests LOG): its measured curves replace the "
                         "model's where they apply");
  collective->add_option("-b,--minbytes", a->begin, "First size, as nccl-tests: 8, 64K, 1M, 8G (default 8)");
  collective->add_option("-e,--maxbytes", a->end, "Last size (default 128M)");
  collective->add_option("-f,--stepfactor", a->factor, "Size factor between rows (default 2)");
  collective->add_option("--engine", a->engine, "analytical (default) or des");
  auto* json = collective->add_flag("--json", a->json, "JSON: per GPU count, its rows");
  collective->add_flag("--csv", a->csv, "CSV: one row per GPU count and size")->excludes(json);
  collective->add_option("-o,--output", a->output, "Write to this file (atomically) instead of stdout")
      ->check(kOutputName);
  return {collective, false, [a](MpiSweep&) { return cmd_collective(*a); }};
}

Command add_models(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* models_cmd = app.add_subcommand("models", "List the built-in model zoo");
  models_cmd->add_flag("--json", *json, "JSON");
  return {models_cmd, false, [json](MpiSweep&) { return cmd_models(*json); }};
}

Command add_hardware(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* hardware = app.add_subcommand("hardware", "List the hardware catalogue (GPUs, links, node presets)");
  hardware->add_flag("--json", *json, "JSON");
  return {hardware, false, [json](MpiSweep&) { return cmd_hardware(*json); }};
}

Command add_memory(CLI::App& app) {
  struct MemoryArgs {
    std::string scenario;
    bool json = false;
    std::size_t max_configurations = models::kMaxConfigurations;
  };
  auto a = std::make_shared<MemoryArgs>();
  auto* memory = app.add_subcommand("memory", "Memory per GPU for every configuration of a scenario");
  memory->add_option("scenario", a->scenario, "Scenario file (YAML or JSON)")->required();
  memory->add_flag("--json", a->json, "JSON");
  add_max_configurations(*memory, a->max_configurations);
  return {memory, false, [a](MpiSweep&) { return cmd_memory(a->scenario, a->json, a->max_configurations); }};
}

}  // namespace dpcast::cli
