#include "run.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/measurement.hpp"
#include "dpcast/real/trainable.hpp"

namespace dpcast::cli {
namespace {

std::string human_time(double s) {
  char text[32];
  if (s >= 1)
    std::snprintf(text, sizeof text, "%.2f s", s);
  else if (s >= 1e-3)
    std::snprintf(text, sizeof text, "%.2f ms", s * 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f us", s * 1e6);
  return text;
}

std::string human_count(double v) {
  char text[32];
  if (v >= 1e6)
    std::snprintf(text, sizeof text, "%.2f M", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(text, sizeof text, "%.1f k", v / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f", v);
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

char g_sigterm_message[160];
extern "C" void on_sigterm(int) {
  const ssize_t ignored = ::write(STDERR_FILENO, g_sigterm_message, std::strlen(g_sigterm_message));
  (void)ignored;
  ::_exit(128 + SIGTERM);
}

}  // namespace

void explain_sigterm(int rank) {
  std::snprintf(g_sigterm_message, sizeof g_sigterm_message,
                "dpcast-train: rank %d: stopped by SIGTERM (the MPI runtime ends every rank when one fails)\n", rank);
  std::signal(SIGTERM, on_sigterm);
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

Chosen choose(const Options& o, const std::string& backend) {
  auto all = models::load_scenarios(o.scenario);
  models::Scenario s = real::choose_configuration(all, o.config);
  real::check_trainable(s, backend);
  models::ModelGraph graph = real::trainable_graph(s);
  return Chosen{std::move(all), std::move(s), std::move(graph)};
}

real::TrainConfig train_config(const Options& o, const models::Scenario& s) {
  real::TrainConfig config = real::TrainConfig::from(s);
  config.steps = o.steps;
  config.warmup = o.warmup;
  config.lr = o.lr;
  config.seed = o.seed;
  if (o.kill_rank >= 0) config.fault = {real::Fault::Kind::Kill, o.kill_rank, o.kill_step};
  if (o.stop_rank >= 0) config.fault = {real::Fault::Kind::Stop, o.stop_rank, o.stop_step};
  return config;
}

namespace {

// The run's first line (rank 0): what trains, on how many ranks, with what.
void print_start(const models::Scenario& s, const models::ModelGraph& graph, const real::Trainer& trainer, int ranks,
                 const std::string& hardware) {
  const real::TrainConfig& config = trainer.config();
  std::cout << "dpcast-train: " << s.name << " (" << s.file << "): " << s.model.label << ", "
            << human_count(static_cast<double>(graph.total_params())) << " parameters; " << ranks << " rank"
            << (ranks == 1 ? "" : "s") << " x micro-batch " << config.micro_batch;
  if (config.accumulation > 1) std::cout << " x " << config.accumulation << " micro-steps";
  std::cout << ", " << models::to_string(config.optimizer) << " lr " << trainer.optimizer().learning_rate() << ", "
            << hardware << ", " << trainer.layout().buckets().size() << " gradient bucket"
            << (trainer.layout().buckets().size() == 1 ? "" : "s") << "\n"
            << std::flush;
}

// Every rank's step times to rank 0: the step time is the slowest rank's (elsewhere: zeros).
std::vector<double> slowest_per_step(real::Communicator& comm, const std::vector<real::StepTimes>& steps) {
  std::vector<double> mine;
  for (const auto& st : steps) mine.push_back(st.step_s);
  const auto all_steps = comm.gather(mine);
  std::vector<double> slowest(steps.size(), 0);
  for (const auto& r : all_steps)
    for (std::size_t t = 0; t < r.size() && t < slowest.size(); ++t) slowest[t] = std::max(slowest[t], r[t]);
  return slowest;
}

// The measured step closest to the median, on every rank, as a trace written by rank 0.
void write_trace(const std::string& path, const real::Trainer& trainer, real::Communicator& comm,
                 const std::vector<real::StepTimes>& steps, const std::vector<double>& slowest,
                 const std::optional<models::RunRecord>& record) {
  const real::TrainConfig& config = trainer.config();
  const bool lead = comm.rank() == 0;
  long long chosen_step = config.warmup;
  if (lead)
    for (int t = config.warmup; t < config.warmup + config.steps; ++t)
      if (std::abs(slowest[static_cast<std::size_t>(t)] - record->step_time_s) <
          std::abs(slowest[static_cast<std::size_t>(chosen_step)] - record->step_time_s))
        chosen_step = t;
  chosen_step = comm.broadcast(chosen_step);
  const auto gathered = comm.gather(steps[static_cast<std::size_t>(chosen_step)].serialize());
  if (!lead) return;
  std::vector<real::StepTimes> per_rank;
  for (const auto& flat : gathered) per_rank.push_back(real::StepTimes::deserialize(flat));
  models::write_file_atomically(
      path, real::measured_trace(*record, trainer, per_rank, static_cast<int>(chosen_step)).dump() + "\n");
}

// Rank 0's last lines: the step time, where it goes, loss scaling, the loss, what was written.
void print_summary(const models::RunRecord& r, const real::Trainer& trainer, const std::vector<real::StepTimes>& steps,
                   const std::string& written) {
  const real::TrainConfig& config = trainer.config();
  const auto& b = r.breakdown;
  std::cout << "step time: median " << human_time(r.step_time_s) << " (p10 " << human_time(r.step_time_spread_s.first)
            << ", p90 " << human_time(r.step_time_spread_s.second) << ") over " << config.steps << " steps after "
            << config.warmup << " warm-up; " << human_count(r.samples_per_s) << " samples/s";
  if (r.tokens_per_s > 0) std::cout << ", " << human_count(r.tokens_per_s) << " tokens/s";
  std::cout << "\n  forward " << human_time(b.forward_s) << ", backward " << human_time(b.backward_s)
            << ", exposed communication " << human_time(b.exposed_comm_s) << " (all-reduces "
            << human_time(b.comm_total_s) << "), optimizer " << human_time(b.optimizer_s) << "\n";
  if (config.loss_scaling.enabled) {
    int skipped = 0;
    for (const auto& st : steps) skipped += st.skipped ? 1 : 0;
    std::cout << "loss scaling: scale " << trainer.loss_scale() << " at the end, " << skipped << " of "
              << config.warmup + config.steps << " steps skipped on overflow\n";
  }
  std::cout << "loss " << r.loss_per_step.front() << " -> " << r.loss_per_step.back() << "\n"
            << "wrote " << written << "\n";
}

}  // namespace

int train(const Options& o, const Chosen& chosen, const real::TrainConfig& config, real::Device& device,
          real::Kernels& kernels, real::Communicator& comm, const std::string& hardware) {
  const models::Scenario& s = chosen.scenario;
  const int ranks = comm.size();
  const bool lead = comm.rank() == 0;
  real::Trainer trainer(chosen.graph, config, device, kernels, comm);

  if (lead) print_start(s, chosen.graph, trainer, ranks, hardware);
  const int total = config.warmup + config.steps;
  const auto steps = trainer.run([&](int t, const real::StepTimes& st) {
    if (!lead) return;
    char line[160];
    std::snprintf(line, sizeof line, "step %3d/%d  loss %.4f  %s%s", t + 1, total, st.loss,
                  human_time(st.step_s).c_str(), t < config.warmup ? "  (warm-up)" : "");
    std::cout << line;
    if (config.loss_scaling.enabled)
      std::cout << "  loss scale " << st.loss_scale << (st.skipped ? " (overflow: step skipped)" : "");
    std::cout << "\n" << std::flush;
  });

  const std::vector<double> slowest = slowest_per_step(comm, steps);
  real::RunContext context{device.name(), ranks > 1 ? comm.name() : "none",
                           ranks > 1 ? comm.describe() : "one rank: no gradient exchange"};
  std::optional<models::RunRecord> record;
  if (lead) record = real::measured_record(s, trainer, steps, slowest, context);
  if (!o.trace.empty()) write_trace(o.trace, trainer, comm, steps, slowest, record);
  if (!lead) return 0;

  const std::string out = !o.output.empty() ? o.output
                                            : std::filesystem::path(o.scenario).stem().string() +
                                                  (chosen.all.size() > 1 ? "-config" + std::to_string(*o.config) : "") +
                                                  "-measured.json";
  models::write_file_atomically(out, models::to_json(*record).dump(2) + "\n");
  if (!o.dump_weights.empty()) write_weights(o.dump_weights, trainer.parameters());
  print_summary(*record, trainer, steps, out + (o.trace.empty() ? "" : " and " + o.trace));
  return 0;
}

real::MicrobenchOptions microbench_options(const Options& o) {
  real::MicrobenchOptions options;
  options.sizes = o.sizes;
  options.compute_on_lead_only = o.compute_on_lead_only;
  // The shapes the zoo MLP and small GPTs train with (and the scenario's, if one is given).
  auto add = [&](const models::ModelGraph& g, std::int64_t micro_batch, const std::string& label) {
    for (auto& s : real::training_gemms(g, micro_batch, label)) options.gemms.push_back(std::move(s));
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
    add(real::trainable_graph(s), s.training.micro_batch,
        s.model.label + " x " + std::to_string(s.training.micro_batch));
  }
  if (o.quick) {
    options.square_grid = false;
    options.min_repetitions = 2;
    options.min_seconds = 0;
    options.max_repetitions = 2;
  }
  return options;
}

void write_microbench(const Options& o, const models::Json& raw, int ranks, const std::string& hardware) {
  models::write_file_atomically(o.output, raw.dump(2) + "\n");
  std::cout << "dpcast-train: micro-benchmarks on " << raw["host"].get<std::string>() << " (" << hardware << ", "
            << ranks << " rank" << (ranks == 1 ? "" : "s") << "): " << raw["gemm"].size() << " matrix products, "
            << raw["elementwise"].size() << " element-wise kernel sizes, " << raw["allreduce"].size()
            << " all-reduce sizes; wrote " << o.output << "\n";
  const std::string table = real::allreduce_table(raw);
  if (!table.empty()) std::cout << "all-reduce (in place, sum), " << ranks << " ranks:\n" << table;
}

}  // namespace dpcast::cli
