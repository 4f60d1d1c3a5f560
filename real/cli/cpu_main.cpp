// dpcast-train --backend cpu: fp32 on CPU cores (OpenBLAS), data parallel over MPI.

#include <iostream>
#include <optional>

#include "backends.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/cpu/peak.hpp"
#include "dpcast/real/trainable.hpp"
#ifdef DPCAST_HAVE_MPI
#include "dpcast/real/mpi/mpi_communicator.hpp"
#else
#include "dpcast/real/self_communicator.hpp"
#endif

namespace dpcast::cli {
namespace {

std::string threads_text(int threads) {
  return std::to_string(threads) + " thread" + (threads == 1 ? "" : "s") + " per rank";
}

models::Json microbench_peaks() {
  // The machine's own peaks (the catalogue's cpu-core entry guesses them), measured alone.
  return {{"fp32_flops", real::cpu::measure_peak_flops()},
          {"memory_bandwidth_bytes_per_s", real::cpu::measure_memory_bandwidth()}};
}

#ifdef DPCAST_HAVE_MPI
real::mpi::MpiOptions mpi_options(const Options& o) {
  real::mpi::MpiOptions m;
  m.progress = o.progress == "thread" ? real::mpi::Progress::Thread : real::mpi::Progress::Test;
  m.timeout_s = o.comm_timeout_s;
  return m;
}

int train_cpu(const Options& o, real::mpi::MpiSession& session) {
  const Chosen chosen = choose(o, "cpu");
  real::check_world_size(chosen.scenario, session.size());
  const real::TrainConfig config = train_config(o, chosen.scenario);
  real::cpu::CpuDevice device;
  real::cpu::CpuKernels kernels(o.threads);
  real::mpi::MpiCommunicator comm(device, mpi_options(o));
  return train(o, chosen, config, device, kernels, comm, threads_text(o.threads));
}

int microbench_cpu(const Options& o, real::mpi::MpiSession& session) {
  const real::MicrobenchOptions options = microbench_options(o);
  real::cpu::CpuDevice device;
  real::cpu::CpuKernels kernels(o.threads);
  real::mpi::MpiOptions m = mpi_options(o);
  // The other ranks wait for rank 0's computing benchmarks (minutes on a slow machine).
  m.timeout_s = std::max(o.comm_timeout_s, 1800.0);
  real::mpi::MpiCommunicator comm(device, m);
  models::Json raw = real::run_microbench(device, kernels, comm, o.threads, options);
  if (session.rank() != 0) return 0;
  raw["peak"] = microbench_peaks();
  write_microbench(o, raw, session.size(), std::to_string(o.threads) + " thread" + (o.threads == 1 ? "" : "s"));
  return 0;
}
#endif

}  // namespace

#ifdef DPCAST_HAVE_MPI
int cpu_main(const Options& o, int& argc, char**& argv) {
  std::optional<real::mpi::MpiSession> session;
  try {
    session.emplace(argc, argv, o.progress == "thread" ? real::mpi::Progress::Thread : real::mpi::Progress::Test);
  } catch (const Error& e) {
    std::cerr << "dpcast-train: " << e.what() << "\n";
    return 1;
  }
  const int rank = session->rank();
  explain_sigterm(rank);
  try {
    return o.microbench ? microbench_cpu(o, *session) : train_cpu(o, *session);
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
#else
// Built without MPI (DPCAST_REAL_MPI=OFF): one rank, nothing exchanged.
int cpu_main(const Options& o, int&, char**&) {
  try {
    real::cpu::CpuDevice device;
    real::cpu::CpuKernels kernels(o.threads);
    real::SelfCommunicator comm(device);
    if (o.microbench) {
      models::Json raw = real::run_microbench(device, kernels, comm, o.threads, microbench_options(o));
      raw["peak"] = microbench_peaks();
      write_microbench(o, raw, 1, std::to_string(o.threads) + " thread" + (o.threads == 1 ? "" : "s"));
      return 0;
    }
    const Chosen chosen = choose(o, "cpu");
    real::check_world_size(chosen.scenario, 1, "process", "a build with MPI (DPCAST_REAL_MPI=ON) and mpirun -n");
    return train(o, chosen, train_config(o, chosen.scenario), device, kernels, comm, threads_text(o.threads));
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dpcast-train: internal error: " << e.what() << "\n";
    return 3;
  }
}
#endif

}  // namespace dpcast::cli
