// dpcast-train: trains a scenario's model for real — fp32 on CPU, data parallel over MPI —
// and writes a measured run record that pairs with the prediction of the same scenario.
//   mpirun -n N dpcast-train SCENARIO [-o RECORD.json] [--trace FILE] [--steps N] ...
//   mpirun -n N dpcast-train --microbench -o RAW.json [--sizes BYTES...]   (calibration)
// Bad input: one line on stderr (file:line:col: key: message) from rank 0, exit status 2.
// A rank that dies or hangs ends the job with an error on every rank (exit status 1).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/measurement.hpp"
#include "dpcast/real/cpu/peak.hpp"
#include "dpcast/real/microbench.hpp"
#include "dpcast/real/mpi/mpi_communicator.hpp"
#include "dpcast/real/trainable.hpp"
#include "dpcast/real/trainer.hpp"

namespace {
using namespace dpcast;

struct Options {
  std::string scenario, output, trace, dump_weights, backend = "cpu", progress = "thread";
  bool microbench = false, quick = false, compute_on_lead_only = false;
  std::vector<double> sizes;
  std::optional<int> config;
  int steps = 20, warmup = 3, threads = 1;
  float lr = 0;
  std::uint64_t seed = 1;
  double comm_timeout_s = 60;
  int kill_rank = -1, kill_step = -1, stop_rank = -1, stop_step = -1;
};

// The rank the launcher gave this process, before MPI is up (for CLI errors: print once).
int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

// When one rank dies, OpenMPI's runtime ends the others with SIGTERM: say so before going.
char g_sigterm_message[160];
extern "C" void on_sigterm(int) {
  const ssize_t ignored = ::write(STDERR_FILENO, g_sigterm_message, std::strlen(g_sigterm_message));
  (void)ignored;
  ::_exit(128 + SIGTERM);
}

std::string human_time(double s) {
  char text[32];
  if (s >= 1) std::snprintf(text, sizeof text, "%.2f s", s);
  else if (s >= 1e-3) std::snprintf(text, sizeof text, "%.2f ms", s * 1e3);
  else std::snprintf(text, sizeof text, "%.0f us", s * 1e6);
  return text;
}

std::string human_count(double v) {
  char text[32];
  if (v >= 1e6) std::snprintf(text, sizeof text, "%.2f M", v / 1e6);
  else if (v >= 1e3) std::snprintf(text, sizeof text, "%.1f k", v / 1e3);
  else std::snprintf(text, sizeof text, "%.0f", v);
  return text;
}

void write_weights(const std::string& path, const std::vector<float>& w) {
  // Raw little-endian floats after a count: read by the data-parallel equivalence tests.
  std::string bytes(sizeof(std::uint64_t) + w.size() * sizeof(float), '\0');
  const std::uint64_t n = w.size();
  std::memcpy(bytes.data(), &n, sizeof n);
  std::memcpy(bytes.data() + sizeof n, w.data(), w.size() * sizeof(float));
  models::write_file_atomically(path, bytes);
}

int train(const Options& o, real::mpi::MpiSession& session) {
  const int rank = session.rank(), ranks = session.size();
  const bool lead = rank == 0;
  if (o.backend != "cpu")
    throw Error("--backend: '" + o.backend + "' is not available in this build (backends: cpu)");
  const auto all = models::load_scenarios(o.scenario);
  const models::Scenario s = real::choose_configuration(all, o.config);
  real::check_trainable(s, o.backend);
  const models::ModelGraph graph = real::trainable_graph(s);
  real::check_world_size(s, ranks);

  real::TrainConfig config = real::TrainConfig::from(s);
  config.steps = o.steps;
  config.warmup = o.warmup;
  config.lr = o.lr;
  config.seed = o.seed;
  if (o.kill_rank >= 0) config.fault = {real::Fault::Kind::Kill, o.kill_rank, o.kill_step};
  if (o.stop_rank >= 0) config.fault = {real::Fault::Kind::Stop, o.stop_rank, o.stop_step};

  real::cpu::CpuDevice device;
  real::cpu::CpuKernels kernels(o.threads);
  real::mpi::MpiOptions mpi_options;
  mpi_options.progress = o.progress == "thread" ? real::mpi::Progress::Thread : real::mpi::Progress::Test;
  mpi_options.timeout_s = o.comm_timeout_s;
  real::mpi::MpiCommunicator comm(device, mpi_options);
  real::Trainer trainer(graph, config, device, kernels, comm);

  if (lead) {
    std::cout << "dpcast-train: " << s.name << " (" << s.file << "): " << s.model.label << ", "
              << human_count(static_cast<double>(graph.total_params())) << " parameters; " << ranks << " rank"
              << (ranks == 1 ? "" : "s") << " x micro-batch " << config.micro_batch;
    if (config.accumulation > 1) std::cout << " x " << config.accumulation << " micro-steps";
    std::cout << ", " << models::to_string(config.optimizer) << " lr " << trainer.optimizer().learning_rate() << ", "
              << o.threads << " thread" << (o.threads == 1 ? "" : "s") << " per rank, "
              << trainer.layout().buckets().size() << " gradient bucket"
              << (trainer.layout().buckets().size() == 1 ? "" : "s") << "\n"
              << std::flush;
  }
  const int total = config.warmup + config.steps;
  const auto steps = trainer.run([&](int t, const real::StepTimes& st) {
    if (!lead) return;
    char line[128];
    std::snprintf(line, sizeof line, "step %3d/%d  loss %.4f  %s%s\n", t + 1, total, st.loss,
                  human_time(st.step_s).c_str(), t < config.warmup ? "  (warm-up)" : "");
    std::cout << line << std::flush;
  });

  // Every rank's step times to rank 0: the step time is the slowest rank's; the trace shows all.
  std::vector<double> mine;
  for (const auto& st : steps) mine.push_back(st.step_s);
  const auto all_steps = comm.gather(mine);
  std::vector<double> slowest(steps.size(), 0);
  for (const auto& r : all_steps)
    for (std::size_t t = 0; t < r.size() && t < slowest.size(); ++t) slowest[t] = std::max(slowest[t], r[t]);

  real::RunContext context{device.name(), ranks > 1 ? comm.name() : "none",
                           ranks > 1 ? comm.describe() : "one rank: no gradient exchange"};
  std::optional<models::RunRecord> record;
  if (lead) record = real::measured_record(s, trainer, steps, slowest, context);

  if (!o.trace.empty()) {
    // The measured step closest to the median, on every rank.
    long long chosen = config.warmup;
    if (lead)
      for (int t = config.warmup; t < total; ++t)
        if (std::abs(slowest[static_cast<std::size_t>(t)] - record->step_time_s) <
            std::abs(slowest[static_cast<std::size_t>(chosen)] - record->step_time_s))
          chosen = t;
    chosen = comm.broadcast(chosen);
    const auto gathered = comm.gather(steps[static_cast<std::size_t>(chosen)].serialize());
    if (lead) {
      std::vector<real::StepTimes> per_rank;
      for (const auto& flat : gathered) per_rank.push_back(real::StepTimes::deserialize(flat));
      models::write_file_atomically(o.trace, real::measured_trace(*record, trainer, per_rank, static_cast<int>(chosen)).dump() + "\n");
    }
  }
  if (!lead) return 0;

  const auto& r = *record;
  const std::string out = !o.output.empty() ? o.output
                          : std::filesystem::path(o.scenario).stem().string() +
                                (all.size() > 1 ? "-config" + std::to_string(*o.config) : "") + "-measured.json";
  models::write_file_atomically(out, models::to_json(r).dump(2) + "\n");
  if (!o.dump_weights.empty()) write_weights(o.dump_weights, trainer.parameters());
  const auto& b = r.breakdown;
  std::cout << "step time: median " << human_time(r.step_time_s) << " (p10 " << human_time(r.step_time_spread_s.first)
            << ", p90 " << human_time(r.step_time_spread_s.second) << ") over " << config.steps << " steps after "
            << config.warmup << " warm-up; " << human_count(r.samples_per_s) << " samples/s";
  if (r.tokens_per_s > 0) std::cout << ", " << human_count(r.tokens_per_s) << " tokens/s";
  std::cout << "\n  forward " << human_time(b.forward_s) << ", backward " << human_time(b.backward_s)
            << ", exposed communication " << human_time(b.exposed_comm_s) << " (all-reduces " << human_time(b.comm_total_s)
            << "), optimizer " << human_time(b.optimizer_s) << "\n"
            << "loss " << r.loss_per_step.front() << " -> " << r.loss_per_step.back() << "\n"
            << "wrote " << out << (o.trace.empty() ? "" : " and " + o.trace) << "\n";
  return 0;
}

// The shapes the zoo MLP and small GPTs train with (and the scenario's, if one is given).
std::vector<real::GemmShape> microbench_gemms(const Options& o) {
  std::vector<real::GemmShape> shapes;
  auto add = [&](const models::ModelGraph& g, std::int64_t micro_batch, const std::string& label) {
    for (auto& s : real::training_gemms(g, micro_batch, label)) shapes.push_back(std::move(s));
  };
  models::TransformerConfig mini = models::zoo_transformer("gpt2-small");
  mini.name = "gpt-mini";
  mini.layers = 2;
  mini.d_model = 128;
  mini.heads = 4;
  mini.ffn = 512;
  mini.vocab = 512;
  mini.max_seq_len = 64;
  add(models::build_transformer(mini, 64), 8, "gpt-mini (d 128, seq 64) x 8");
  if (!o.quick) {
    add(models::build_mlp(models::default_mlp()), 32, "zoo mlp x 32");
    models::TransformerConfig small = models::zoo_transformer("gpt2-small");
    small.layers = 1;  // every block has the same shapes
    add(models::build_transformer(small, 128), 1, "gpt2-small (seq 128) x 1");
  }
  if (!o.scenario.empty()) {
    const auto all = models::load_scenarios(o.scenario);
    const models::Scenario s = real::choose_configuration(all, o.config);
    add(real::trainable_graph(s), s.training.micro_batch, s.model.label + " x " + std::to_string(s.training.micro_batch));
  }
  return shapes;
}

int microbench(const Options& o, real::mpi::MpiSession& session) {
  if (o.output.empty()) throw Error("--microbench: needs -o FILE for the raw measurements");
  if (o.backend != "cpu")
    throw Error("--backend: '" + o.backend + "' is not available in this build (backends: cpu)");
  real::MicrobenchOptions options;
  options.sizes = o.sizes;
  options.compute_on_lead_only = o.compute_on_lead_only;
  options.gemms = microbench_gemms(o);
  if (o.quick) {
    options.square_grid = false;
    options.min_repetitions = 2;
    options.min_seconds = 0;
    options.max_repetitions = 2;
  }
  real::cpu::CpuDevice device;
  real::cpu::CpuKernels kernels(o.threads);
  real::mpi::MpiOptions mpi_options;
  mpi_options.progress = o.progress == "thread" ? real::mpi::Progress::Thread : real::mpi::Progress::Test;
  // The other ranks wait for rank 0's computing benchmarks (minutes on a slow machine).
  mpi_options.timeout_s = std::max(o.comm_timeout_s, 1800.0);
  real::mpi::MpiCommunicator comm(device, mpi_options);
  models::Json raw = real::run_microbench(device, kernels, comm, o.threads, options);
  if (session.rank() != 0) return 0;
  // The machine's own peaks (the catalogue's cpu-core entry guesses them), measured alone.
  raw["peak"] = {{"fp32_flops", real::cpu::measure_peak_flops()},
                 {"memory_bandwidth_bytes_per_s", real::cpu::measure_memory_bandwidth()}};
  models::write_file_atomically(o.output, raw.dump(2) + "\n");
  std::cout << "dpcast-train: micro-benchmarks on " << raw["host"].get<std::string>() << " (" << o.threads << " thread"
            << (o.threads == 1 ? "" : "s") << ", " << session.size() << " rank" << (session.size() == 1 ? "" : "s")
            << "): " << raw["gemm"].size() << " matrix products, " << raw["elementwise"].size()
            << " element-wise kernel sizes, " << raw["allreduce"].size() << " all-reduce sizes; wrote " << o.output
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dpcast-train: train a scenario's model for real (fp32 on CPU, data parallel over MPI) and measure "
               "every step; run it with mpirun -n <workers>"};
  Options o;
  app.add_option("scenario", o.scenario, "Scenario file (YAML or JSON; with --microbench, adds its shapes)");
  app.add_option("-o,--output", o.output, "Write the measured record here (default: <scenario stem>-measured.json)");
  app.add_option("--trace", o.trace, "Write one measured step as a Chrome trace (Perfetto): one process per rank");
  app.add_option("--steps", o.steps, "Measured steps (default 20)")->check(CLI::Range(1, 1000000));
  app.add_option("--warmup", o.warmup, "Steps run first and not measured (default 3)")->check(CLI::Range(0, 1000000));
  app.add_option("--lr", o.lr, "Learning rate (default: 0.1 for sgd, 1e-3 for adam)")->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "Seed of the initial weights and the synthetic data (default 1)");
  app.add_option("--threads", o.threads, "Compute threads per rank (OpenBLAS and kernels; default 1)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--backend", o.backend, "Backend (cpu)");
  app.add_option("--config", o.config, "Which configuration of a sweep to train (0, 1, ...)");
  auto* bench = app.add_flag("--microbench", o.microbench,
                             "Measure raw kernel, matrix-product and all-reduce times for calibration (with -o)");
  app.add_option("--sizes", o.sizes,
                 "--microbench: sizes in bytes of the element-wise operands and all-reduces (default: 4 KiB..64 MiB "
                 "and 1 KiB..256 MiB by powers of 4)")
      ->needs(bench)
      ->check(CLI::PositiveNumber);
  app.add_flag("--compute-on-rank-0", o.compute_on_lead_only,
               "--microbench: matrix products and element-wise kernels on rank 0 alone only (by default, with "
               "several ranks, also on every rank at once)")
      ->needs(bench);
  app.add_flag("--quick", o.quick, "--microbench: a few shapes, two repetitions (smoke test)")->needs(bench)->group("");
  // Hidden: measurement and test machinery.
  app.add_option("--progress", o.progress, "How MPI progresses during backward: thread (a communication thread; default) or test (MPI_Test between layers)")
      ->check(CLI::IsMember({"test", "thread"}))
      ->group("");
  app.add_option("--comm-timeout", o.comm_timeout_s, "Seconds any collective may take before the run fails")
      ->check(CLI::PositiveNumber)
      ->group("");
  app.add_option("--dump-weights", o.dump_weights, "Write the final weights (raw floats) here")->group("");
  app.add_option("--fault-kill-rank", o.kill_rank)->group("");
  app.add_option("--fault-kill-step", o.kill_step)->group("");
  app.add_option("--fault-stop-rank", o.stop_rank)->group("");
  app.add_option("--fault-stop-step", o.stop_step)->group("");
  try {
    app.parse(argc, argv);
    if (!o.microbench && o.scenario.empty()) throw CLI::RequiredError("scenario");
  } catch (const CLI::Success& e) {
    return launcher_rank() == 0 ? app.exit(e) : 0;
  } catch (const CLI::ParseError& e) {
    if (launcher_rank() == 0) std::cerr << "dpcast-train: " << e.what() << " (see dpcast-train --help)\n";
    return 2;
  }

  std::optional<real::mpi::MpiSession> session;
  try {
    session.emplace(argc, argv, o.progress == "thread" ? real::mpi::Progress::Thread : real::mpi::Progress::Test);
  } catch (const Error& e) {
    std::cerr << "dpcast-train: " << e.what() << "\n";
    return 1;
  }
  const int rank = session->rank();
  std::snprintf(g_sigterm_message, sizeof g_sigterm_message,
                "dpcast-train: rank %d: stopped by SIGTERM (the MPI runtime ends every rank when one fails)\n", rank);
  std::signal(SIGTERM, on_sigterm);
  try {
    return o.microbench ? microbench(o, *session) : train(o, *session);
  } catch (const Error& e) {
    // Bad input is found the same way on every rank: rank 0 says it once.
    if (rank == 0) std::cerr << e.what() << "\n";
    return 2;
  } catch (const real::CommTimeout& e) {
    std::cerr << "dpcast-train: " << e.what() << "\n" << std::flush;
    real::mpi::MpiSession::abort(1);
  } catch (const std::exception& e) {
    std::cerr << "dpcast-train: rank " << rank << ": internal error: " << e.what() << "\n" << std::flush;
    real::mpi::MpiSession::abort(3);
  }
}
