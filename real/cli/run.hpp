#pragma once
// dpcast-train's parts that every backend shares: the options, a training run on one rank
// (trainer, per-step lines, the record and the trace gathered to rank 0, the summary), and
// the micro-benchmarks' shapes and output. The backends (cpu_main.cpp, cuda_main.cpp) make
// the device, kernels and transport and call these.
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/real/communicator.hpp"
#include "dpcast/real/device.hpp"
#include "dpcast/real/kernels.hpp"
#include "dpcast/real/microbench.hpp"
#include "dpcast/real/trainer.hpp"

namespace dpcast::cli {

struct Options {
  std::string scenario, output, trace, dump_weights, backend = "cpu", progress = "thread";
  bool microbench = false, quick = false, compute_on_lead_only = false;
  std::vector<double> sizes;
  std::optional<int> config;
  int steps = 20, warmup = 3, threads = 1;
  int gpus = 0;  // --gpus (0: not given)
  bool threads_given = false, progress_given = false;
  float lr = 0;
  std::uint64_t seed = 1;
  double comm_timeout_s = 60;
  int kill_rank = -1, kill_step = -1, stop_rank = -1, stop_step = -1;
};

/// The rank the launcher gave this process, before MPI is up (for CLI errors: print once).
[[nodiscard]] int launcher_rank();
/// Whether an MPI launcher (mpirun) started this process.
[[nodiscard]] bool launched_by_mpi();

/// Under mpirun: when one rank dies, OpenMPI's runtime ends the others with SIGTERM; from now
/// on this rank says so ("dpcast-train: rank R: stopped by SIGTERM ...") before it exits.
void explain_sigterm(int rank);

/// The scenario's one configuration to train, checked for `backend`, and its graph.
struct Chosen {
  std::vector<models::Scenario> all;
  models::Scenario scenario;
  models::ModelGraph graph;
};
[[nodiscard]] Chosen choose(const Options& o, const std::string& backend);

/// The training configuration: the scenario's, with the command line's steps, seed, faults.
[[nodiscard]] real::TrainConfig train_config(const Options& o, const models::Scenario& s);

/// Trains on this rank and, on rank 0, writes the record (and trace) and prints the summary.
/// `hardware` says what one rank computes on ("1 thread per rank", "GPU 0 (NVIDIA H100), bf16 ...").
int train(const Options& o, const Chosen& chosen, const real::TrainConfig& config, real::Device& device,
          real::Kernels& kernels, real::Communicator& comm, const std::string& hardware);

/// The micro-benchmark options of the command line (shapes of the zoo MLP, small GPTs and
/// the given scenario; --sizes; --quick; --compute-on-rank-0).
[[nodiscard]] real::MicrobenchOptions microbench_options(const Options& o);

/// Writes the raw figures (rank 0) and prints what was measured and the all-reduce table.
void write_microbench(const Options& o, const models::Json& raw, int ranks, const std::string& hardware);

}  // namespace dpcast::cli
