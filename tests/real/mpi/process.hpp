#pragma once
// Runs dpcast-train as real processes (under mpirun for several ranks) and reads what they
// wrote: the data-parallel tests check real MPI runs, not a simulation of them.
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dpcast::real::test {

struct Finished {
  int status = -1;     // exit status (timeout's 124 or 137 when it ran too long)
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

/// Runs `command` from the source root (scenario paths are relative to it) through sh, with
/// stderr joined to stdout, killed after `timeout_s`.
inline Finished run(const std::string& command, int timeout_s) {
  // Running as root (as CI does), OpenMPI wants to be told it is fine.
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  const auto start = std::chrono::steady_clock::now();
  const std::string full = std::string("cd ") + DPCAST_SOURCE_DIR + " && timeout -k 5 " + std::to_string(timeout_s) +
                           " " + command + " 2>&1";
  Finished f;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) return f;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) f.output += buffer.data();
  const int raw = ::pclose(pipe);
  f.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return f;
}

/// dpcast-train as one process.
inline std::string train(const std::string& args) {
  return std::string(DPCAST_TRAIN) + " " + args;
}

/// The same under mpirun with `ranks` processes.
inline std::string mpirun(int ranks, const std::string& args) {
  return std::string(DPCAST_MPIEXEC) + " -n " + std::to_string(ranks) + " " + DPCAST_TRAIN + " " + args;
}

/// A fresh folder for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::path(DPCAST_BINARY_DIR) / "real-mpi" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Weights written with --dump-weights: a count, then raw floats.
inline std::vector<float> read_weights(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  std::vector<float> w(static_cast<std::size_t>(n));
  in.read(reinterpret_cast<char*>(w.data()), static_cast<std::streamsize>(n * sizeof(float)));
  if (!in) w.clear();
  return w;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace dpcast::real::test
