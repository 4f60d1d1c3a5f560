// dpcast-train: trains a scenario's model for real and writes a measured run record that
// pairs with the prediction of the same scenario.
//   mpirun -n N dpcast-train SCENARIO [-o RECORD.json] [--trace FILE] [--steps N] ...    (CPU)
//   dpcast-train --backend cuda --gpus N SCENARIO ...                                     (GPUs)
//   dpcast-train --microbench -o RAW.json [--backend cuda] [--sizes BYTES...]            (calibration)
// Bad input: one line on stderr (file:line:col: key: message) from rank 0, exit status 2.
// A rank that dies or hangs ends the job with an error on every rank (exit status 1).
#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <sstream>

#include "backends.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/cli_numbers.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::cli {

std::string built_backends() {
  std::string list;
#ifdef DPCAST_HAVE_CPU_BACKEND
  list += "cpu";
#endif
#ifdef DPCAST_HAVE_CUDA
  list += list.empty() ? "cuda" : ", cuda";
#endif
  return list;
}

namespace {

// -o: a name; -o '' would otherwise mean the default file.
const CLI::Validator kFileName(
    [](std::string& value) { return value.empty() ? std::string("expected a file name") : std::string(); }, "FILE",
    "output file");

// Checks that do not depend on the backend's hardware, before anything starts.
void check_options(const Options& o) {
  if (!std::isfinite(o.comm_timeout_s) || o.comm_timeout_s <= 0)
    throw Error("--comm-timeout: expected a finite number of seconds above 0, got " +
                (std::ostringstream() << o.comm_timeout_s).str());
  if (o.microbench && o.output.empty()) throw Error("--microbench: needs -o FILE for the raw measurements");
  // Where the results go is checked now, not after the run (-o /dev/null, a folder).
  for (const std::string* path : {&o.output, &o.trace}) {
    if (*path == "-") throw Error("-o, --trace: dpcast-train prints its progress on standard output; give a file name");
    if (!path->empty()) models::check_output_path(*path);
  }
  const std::string built = built_backends();
  if ((o.backend == "cpu" && built.find("cpu") == std::string::npos) ||
      (o.backend == "cuda" && built.find("cuda") == std::string::npos))
    throw Error("--backend: '" + o.backend + "' is not available in this build (backends: " + built + ")");
  if (o.gpus > 0 && o.backend != "cuda")
    throw Error("--gpus: starts one process per GPU for --backend cuda; the CPU backend's ranks come from mpirun -n N");
  if (o.backend == "cuda" && o.threads_given)
    throw Error("--threads: sets CPU compute threads (--backend cpu); the CUDA backend computes on the GPU");
  if (o.backend == "cuda" && o.progress_given)
    throw Error("--progress: says how MPI progresses (--backend cpu); NCCL progresses on the GPU");
}

}  // namespace
}  // namespace dpcast::cli

int main(int argc, char** argv) {
  using namespace dpcast;
  using cli::Options;
  CLI::App app{
      "dpcast-train: train a scenario's model for real and measure every step -- fp32 on CPU cores, data "
      "parallel over MPI (run it with mpirun -n <workers>), or on NVIDIA GPUs with --backend cuda --gpus "
      "<workers> (cuBLAS, NCCL)"};
  Options o;
  app.add_option("scenario", o.scenario, "Scenario file (YAML or JSON; with --microbench, adds its shapes)");
  app.add_option("-o,--output", o.output, "Write the measured record here (default: <scenario stem>-measured.json)")
      ->check(cli::kFileName);
  app.add_option("--trace", o.trace, "Write one measured step as a Chrome trace (Perfetto): one process per rank");
  app.add_option("--steps", o.steps, "Measured steps (default 20)")->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", o.warmup, "Steps run first and not measured (default 3)")->check(CLI::Range(0, 1000000));
  app.add_option("--lr", o.lr, "Learning rate (default: 0.1 for sgd, 1e-3 for adam)")->check(cli_numbers::kPositive);
  app.add_option("--seed", o.seed, "Seed of the initial weights and the synthetic data (default 1)");
  auto* threads =
      app.add_option("--threads", o.threads, "CPU compute threads per rank (OpenBLAS and kernels; default 1)")
          ->check(CLI::Range(1, 1024));
  app.add_option("--backend", o.backend, "Backend: cpu (default) or cuda (" + cli::built_backends() + " in this build)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option(
         "--gpus", o.gpus,
         "--backend cuda: start one process per GPU on this machine (default 1); across nodes use mpirun instead")
      ->check(CLI::Range(1, 1024));
  app.add_option("--config", o.config, "Which configuration of a sweep to train (0, 1, ...)");
  auto* bench = app.add_flag("--microbench", o.microbench,
                             "Measure raw kernel, matrix-product and all-reduce times for calibration (with -o)");
  app.add_option("--sizes", o.sizes,
                 "--microbench: sizes in bytes of the element-wise operands and all-reduces (default: 4 KiB..64 MiB "
                 "and 1 KiB..256 MiB by powers of 4)")
      ->needs(bench)
      ->check(cli_numbers::kPositive);
  app.add_flag("--compute-on-rank-0", o.compute_on_lead_only,
               "--microbench: matrix products and element-wise kernels on rank 0 alone only (by default, with "
               "several ranks, also on every rank at once)")
      ->needs(bench);
  app.add_flag("--quick", o.quick, "--microbench: a few shapes, two repetitions (smoke test)")->needs(bench)->group("");
  // Hidden: measurement and test machinery.
  auto* progress = app.add_option("--progress", o.progress,
                                  "How MPI progresses during backward: thread (a communication thread; default) or "
                                  "test (MPI_Test between layers)")
                       ->check(CLI::IsMember({"test", "thread"}))
                       ->group("");
  // Hidden: CLI11 drops a hidden option's name from its errors, so check_options checks it.
  app.add_option("--comm-timeout", o.comm_timeout_s, "Seconds any collective may take before the run fails")->group("");
  app.add_option("--dump-weights", o.dump_weights, "Write the final weights (raw floats) here")->group("");
  app.add_option("--fault-kill-rank", o.kill_rank)->group("");
  app.add_option("--fault-kill-step", o.kill_step)->group("");
  app.add_option("--fault-stop-rank", o.stop_rank)->group("");
  app.add_option("--fault-stop-step", o.stop_step)->group("");
  try {
    app.parse(argc, argv);
    if (!o.microbench && o.scenario.empty()) throw CLI::RequiredError("scenario");
  } catch (const CLI::Success& e) {
    return cli::launcher_rank() == 0 ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    if (cli::launcher_rank() == 0) std::cerr << "dpcast-train: " << e.what() << " (see dpcast-train --help)\n";
    return 2;
  }
  o.threads_given = threads->count() > 0;
  o.progress_given = progress->count() > 0;

  try {
    cli::check_options(o);
#ifdef DPCAST_HAVE_CUDA
    if (o.backend == "cuda") return cli::cuda_main(o, argc, argv);
#endif
#ifdef DPCAST_HAVE_CPU_BACKEND
    if (o.backend == "cpu") return cli::cpu_main(o, argc, argv);
#endif
    throw Error("--backend: '" + o.backend + "' is not available in this build (backends: " + cli::built_backends() +
                ")");
  } catch (const Error& e) {
    // Found alike by every process: the first says it.
    if (cli::launcher_rank() == 0) std::cerr << e.what() << "\n";
    return 2;
  }
}
