#pragma once
// The dpcast commands, one file per family: predict and memory (predict_command.cpp), compare
// (compare_command.cpp), calibrate (calibrate_command.cpp), plan (plan_command.cpp), validate
// (validate_command.cpp), models and hardware (catalogue_commands.cpp); their options and
// help texts in command_options.cpp. Each returns the exit status; bad input throws
// dpcast::Error.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/profile.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/measured_record.hpp"
#include "mpi_sweep.hpp"

namespace CLI {
class App;
}

namespace dpcast::cli {

/// A subcommand on the app, and what runs it once the command line is parsed.
struct Command {
  CLI::App* sub = nullptr;
  /// Runs on every rank under mpirun (predict splits its sweep); the others run on rank 0 only.
  bool every_rank = false;
  std::function<int(MpiSweep&)> run;
};

/// Each adds its subcommand, with its options and help texts, to `app` (command_options.cpp).
Command add_predict(CLI::App& app);
Command add_compare(CLI::App& app);
Command add_record(CLI::App& app);
Command add_calibrate(CLI::App& app);
Command add_plan(CLI::App& app);
Command add_validate(CLI::App& app);
Command add_models(CLI::App& app);
Command add_hardware(CLI::App& app);
Command add_memory(CLI::App& app);
Command add_collective(CLI::App& app);

/// Sweeps up to this size use the DES by default; larger ones the analytical engine.
inline constexpr std::size_t kDesDefaultLimit = 16;

struct PredictArgs {
  std::string scenario;
  bool json = false;
  bool csv = false;
  std::string engine;  // empty: des up to kDesDefaultLimit configurations, else analytical
  std::string output;
  bool summary = false;
  std::string trace;
  std::string trace_ranks = "8";  // a count, or ranks and ranges (sim::trace_ranks)
  std::size_t point = 0;          // the configuration of a sweep to trace (1 = the first); 0: the only one
  std::string profile;
  std::size_t max_configurations = models::kMaxConfigurations;  // the largest sweep expanded
  double comm_timeout_s = kDefaultCommTimeoutS;  // under mpirun: how long a rank waits beyond its own share
  int fault_stop_rank = -1;                      // tests: this rank hangs (SIGSTOP) after its share
};

/// Writes to stdout, or atomically to `output`.
void emit(const std::string& text, const std::string& output);

/// Predicts every configuration (with a progress bar for long sweeps on a terminal); under
/// mpirun with several ranks, each predicts its share and rank 0 gets them all (mpi_sweep.hpp).
[[nodiscard]] std::vector<models::RunRecord> predict_all(const std::vector<models::Scenario>& scenarios, bool details,
                                                         const std::string& engine_name = "analytical",
                                                         const models::NetworkModelSettings& network = {},
                                                         MpiSweep* sweep = nullptr);

int cmd_predict(const PredictArgs& args, MpiSweep& sweep);
int cmd_memory(const std::string& file, bool json, std::size_t max_configurations);
struct CompareArgs {
  std::vector<std::string> files;  // run records
  bool json = false;
  bool csv = false;
  bool layers = false;    // also every layer
  double tolerance = -1;  // exit 1 when a pair's error exceeds this many percent (negative: never)
  double max_mape = -1;   // exit 1 when the MAPE exceeds this many percent (negative: never)
  std::string output;
  /// Every measured record predicted again from the scenario it carries (with `engine` and
  /// `profile`) and paired with that prediction.
  bool predict = false;
  std::string engine;
  std::string profile;
};

int cmd_compare(const CompareArgs& args);

/// dpcast record: a measured record of one configuration from figures measured elsewhere.
struct RecordArgs {
  std::string scenario;
  std::size_t point = 0;         // 1-based configuration of a sweep; 0: the scenario has one
  sim::MeasuredFigures figures;  // all but the step time, from the options
  std::optional<double> step_time_s, tokens_per_s, samples_per_s;  // exactly one
  std::string output;
};

int cmd_record(const RecordArgs& args);
struct CalibrateArgs {
  std::string backend = "cpu";  // cpu | cuda
  int ranks = 0;                // processes for the all-reduce part (mpirun -n; 0: 2), or of an imported log
  int nodes = 0;                // an imported nccl-tests log's nodes (0: from its rank lines)
  int gpus_per_node = 0;        // and GPUs per node (0: ranks / nodes)
  std::string op;               // and its collective (default: the log's)
  std::string gpu;              // catalogue GPU measured (default: cpu-core for cpu)
  std::string node;             // node preset whose intra-node link the ranks' all-reduce crosses (nccl-tests: ran on)
  std::string link;             // or that link, named directly
  std::string name;
  std::string output;
  std::string base;                  // a profile to extend
  std::string microbench;            // fit this dpcast-train --microbench output instead of running it
  std::string nccl_tests;            // import an nccl-tests *_perf log
  std::string osu;                   // import an osu_allreduce log
  std::vector<std::string> records;  // measured records (one worker) whose layers the profile keeps
};

int cmd_calibrate(const CalibrateArgs& args);

struct PlanArgs {
  std::string scenario;
  double tokens = 0;  // overrides of the plan section (0: not given)
  double samples = 0;
  double deadline_hours = 0;
  double budget_usd = 0;
  std::int64_t max_global_batch = 0;
  std::vector<std::string> prices;  // GPU=USD per GPU-hour
  int confirm_up_to = 1024;
  bool json = false;
  bool csv = false;
  std::string output;
};

int cmd_plan(const PlanArgs& args);
struct ValidateArgs {
  std::vector<std::string> data_sets;  // empty: all
  std::string engine = "analytical";
  std::string corpus;  // empty: models::default_validation_dir()
  bool json = false;
  bool csv = false;
  bool summary = false;  // only the per-data-set table
  bool check = false;    // exit 1 when a data set is beyond its bound (CI)
  bool write_bounds = false;
  std::string output;
};

int cmd_validate(const ValidateArgs& args);
struct CollectiveArgs {
  std::string scenario;          // its cluster (and library, collective), or:
  std::string node;              // a node preset
  int gpus_per_node = 0;         // 0: the preset's (or fewer GPUs on one node)
  std::string link;              // NIC link (default: the preset's)
  std::string topology;          // single-switch | fat-tree | rail-optimized (default: the scenario's or preset's)
  std::string oversubscription;  // a fat-tree's or rail network's leaf oversubscription, e.g. 2 for 2:1
  std::string nodes_per_leaf;    // nodes under one leaf switch
  bool sharp = false;            // cluster.network.sharp: NCCL's CollNet
  std::string library;           // nccl | mpi | gloo (default: by device)
  std::string algorithm = "auto";
  std::string nccl_algorithm;  // NCCL_ALGO: tree, ring, nvls, nvls-tree, pat ("": NCCL's choice)
  std::string nccl_protocol;   // NCCL_PROTO: LL, LL128, Simple
  std::string profile;         // a calibrated profile (dpcast calibrate --nccl-tests)
  std::string op = "all-reduce";
  std::vector<int> gpus{8};
  std::string begin = "8", end = "128M";
  double factor = 2;
  std::string engine = "analytical";
  bool json = false;
  bool csv = false;
  std::string output;
};

int cmd_collective(const CollectiveArgs& args);
int cmd_models(bool json);
int cmd_hardware(bool json);

}  // namespace dpcast::cli
