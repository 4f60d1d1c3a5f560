// dpcast calibrate: measure (through dpcast-train --microbench) or import (nccl-tests, OSU)
// timings and fit them into a hardware profile for dpcast predict --profile.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/input_file.hpp"
#include "dpcast/sim/calibrate.hpp"
#include "dpcast/sim/compare.hpp"
#include "dpcast/sim/nccl_tests_import.hpp"

namespace dpcast::cli {
namespace {

std::string read_file(const std::string& path) {
  return models::read_input_file(path);
}

// dpcast-train sits next to dpcast (build/bin/).
std::string train_binary() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto beside = self.parent_path() / "dpcast-train";
  if (ec || !std::filesystem::exists(beside))
    throw Error("dpcast calibrate: dpcast-train not found beside dpcast (" + beside.string() +
                "); build the real backend (libopenmpi-dev, libopenblas-dev)");
  return beside.string();
}

// Runs the micro-benchmarks on the real backend and returns their JSON output.
// The ranks the micro-benchmarks run on (--ranks; 2 when not given).
int microbench_ranks(const CalibrateArgs& a) {
  return a.ranks > 0 ? a.ranks : 2;
}

models::Json run_microbench(const CalibrateArgs& a) {
  const int ranks = microbench_ranks(a);
  const std::string raw =
      std::filesystem::temp_directory_path() / ("dpcast-microbench-" + std::to_string(::getpid()) + ".json");
  std::vector<std::string> argv;
  // CPU ranks come from mpirun; on one node the CUDA backend forks one process per GPU itself.
  if (ranks > 1 && a.backend != "cuda") argv = {"mpirun", "-n", std::to_string(ranks)};
  // "Calibrate on one rank": the computing benchmarks on rank 0 alone (then on every rank at
  // once, for the colocated slowdown), the all-reduce on all.
  for (const auto& s :
       {train_binary(), std::string("--microbench"), std::string("--backend"), a.backend, std::string("-o"), raw})
    argv.push_back(s);
  if (ranks > 1 && a.backend == "cuda")
    for (const auto& s : {std::string("--gpus"), std::to_string(ranks)}) argv.push_back(s);
  std::string shown;
  for (const auto& s : argv) shown += (shown.empty() ? "" : " ") + s;
  std::cerr << "dpcast calibrate: running " << shown << "\n";
  // As root (CI), OpenMPI refuses to start unless told this is intended.
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("dpcast calibrate: cannot start " + shown);
  if (pid == 0) {
    // The benchmark ends with us: mpirun takes SIGTERM as the cue to end its ranks.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    std::vector<char*> args;
    for (auto& s : argv) args.push_back(s.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::cerr << "dpcast calibrate: cannot run " << argv[0] << "\n";
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::filesystem::remove(raw);
    throw Error("dpcast calibrate: " + shown + " failed (exit status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")");
  }
  models::Json j = models::Json::parse(read_file(raw));
  std::filesystem::remove(raw);
  return j;
}

// Merges `extra` into `into`: what a later source measures wins; measured layers add up.
void merge(models::Profile& into, const models::Profile& extra) {
  if (into.name.empty()) into.name = extra.name;
  into.source += (into.source.empty() ? "" : "; ") + extra.source;
  for (const auto& [name, g] : extra.gpus) {
    auto& m = into.gpus[name];
    for (const auto& [p, v] : g.peak_flops) m.peak_flops[p] = v;
    if (g.vector_flops) m.vector_flops = g.vector_flops;
    if (g.memory_bandwidth_bytes_per_s) m.memory_bandwidth_bytes_per_s = g.memory_bandwidth_bytes_per_s;
    if (g.compute_efficiency) m.compute_efficiency = g.compute_efficiency;
    if (g.memory_efficiency) m.memory_efficiency = g.memory_efficiency;
    if (g.launch_overhead_s) m.launch_overhead_s = g.launch_overhead_s;
    for (const auto& [p, c] : g.matrix_efficiency) m.matrix_efficiency[p] = c;
    if (!g.memory_efficiency_curve.empty()) m.memory_efficiency_curve = g.memory_efficiency_curve;
    if (g.colocated_matrix_slowdown) m.colocated_matrix_slowdown = g.colocated_matrix_slowdown;
    if (g.colocated_streaming_slowdown) m.colocated_streaming_slowdown = g.colocated_streaming_slowdown;
    for (const auto& [key, t] : g.layers) m.layers[key] = t;
  }
  for (const auto& [name, l] : extra.links) into.links[name] = l;
}

// α-β of `link` from an all-reduce log.
sim::Calibration from_log(const sim::AllreduceLog& log, const std::string& file, const std::string& kind,
                          const std::string& link_name, int ranks) {
  if (link_name.empty()) throw Error("dpcast calibrate: --link names the catalogue link that " + file + " measured");
  const int p = log.ranks > 0 ? log.ranks : ranks;
  if (p < 2)
    throw Error("dpcast calibrate: " + file + ": the " + kind + " log does not say how many ranks ran; give --ranks");
  const auto fit = sim::fit_allreduce(log.samples, p);
  sim::Calibration c;
  models::Link link = models::Catalogue::builtin().link(link_name);
  const models::Link catalogue = link;
  link.latency_s = fit.latency_s;
  link.bandwidth_bytes_per_s = fit.bandwidth_bytes_per_s;
  c.profile.links[link_name] = link;
  c.profile.source = kind + " " + file;
  std::ostringstream line;
  line << "link " << link_name << ": alpha " << fit.latency_s * 1e6 << " us, bandwidth "
       << fit.bandwidth_bytes_per_s / 1e9 << " GB/s (catalogue " << catalogue.latency_s * 1e6 << " us, "
       << catalogue.bandwidth_bytes_per_s / 1e9 << " GB/s), from " << log.samples.size() << " " << kind << " sizes on "
       << p << " ranks, worst fit error " << 100 * fit.max_relative_error << "%";
  c.report.push_back(line.str());
  return c;
}

}  // namespace

int cmd_calibrate(const CalibrateArgs& a) {
  if (a.output.empty()) throw Error("dpcast calibrate: -o PROFILE is required (where to write the profile)");
  models::check_output_path(a.output);  // before the micro-benchmarks, not after
  const auto& catalogue = models::Catalogue::builtin();
  if (a.backend != "cpu" && a.backend != "cuda")
    throw Error("dpcast calibrate: --backend: expected cpu or cuda, got '" + a.backend + "'");
  const std::string gpu = !a.gpu.empty() ? a.gpu : a.backend == "cpu" ? "cpu-core" : "";
  if (gpu.empty()) throw Error("dpcast calibrate: --gpu names the catalogue GPU measured (e.g. h100-sxm)");
  (void)catalogue.gpu(gpu);  // an unknown name is an error with a did-you-mean
  // The all-reduce of ranks on one machine crosses the node's intra-node link.
  const std::string node = !a.node.empty() ? a.node : a.backend == "cpu" ? "cpu-host" : "";
  const std::string link = !a.link.empty() ? a.link : !node.empty() ? catalogue.node(node).intra_link : "";
  if (!link.empty()) (void)catalogue.link(link);

  models::Profile profile;
  if (!a.base.empty()) profile = models::load_profile(a.base);
  std::vector<std::string> report;
  auto add = [&](const sim::Calibration& c) {
    merge(profile, c.profile);
    report.insert(report.end(), c.report.begin(), c.report.end());
  };
  const bool imports = !a.microbench.empty() || !a.nccl_tests.empty() || !a.osu.empty() || !a.records.empty();
  if (!a.microbench.empty()) {
    const models::Json raw = models::parse_json(read_file(a.microbench), a.microbench);
    add(sim::calibrate_from_microbench(raw, a.microbench, catalogue, gpu, link.empty() ? "shared-memory" : link));
  }
  for (const auto& record_file : a.records)
    add(sim::calibrate_from_records(sim::load_records(record_file), record_file, catalogue));
  if (!a.nccl_tests.empty()) {
    sim::NcclTestsImport how;
    how.node = a.node;
    how.link = a.link;
    how.nodes = a.nodes;
    how.gpus_per_node = a.gpus_per_node;
    how.ranks = a.ranks;
    how.op = a.op;
    add(sim::calibrate_from_nccl_tests(sim::parse_nccl_tests(read_file(a.nccl_tests), a.nccl_tests), a.nccl_tests, how,
                                       catalogue));
  }
  if (!a.osu.empty()) add(from_log(sim::parse_osu_allreduce(read_file(a.osu), a.osu), a.osu, "OSU", a.link, a.ranks));
  if (!imports) {
    if (link.empty() && microbench_ranks(a) > 1)
      throw Error("dpcast calibrate: --link or --node says which link the ranks' all-reduce crosses");
    add(sim::calibrate_from_microbench(run_microbench(a), "dpcast-train --microbench", catalogue, gpu,
                                       link.empty() ? "shared-memory" : link));
  }
  if (!a.name.empty()) profile.name = a.name;
  if (profile.name.empty())
    profile.name = a.output == "-" ? "calibrated" : std::filesystem::path(a.output).stem().string();
  const std::string text =
      "# A calibrated hardware profile, written by dpcast calibrate: use it with\n"
      "#   dpcast predict SCENARIO --profile " +
      a.output + "\n" + models::profile_yaml(profile);
  (void)models::parse_profile(text, a.output);  // what we write reads back
  models::write_output(a.output, text);
  // With -o - the profile is standard output, so the report goes to standard error.
  std::ostream& report_to = a.output == "-" ? std::cerr : std::cout;
  for (const auto& line : report) report_to << line << "\n";
  if (a.output != "-") std::cout << "wrote " << a.output << "\n";
  return 0;
}

}  // namespace dpcast::cli
