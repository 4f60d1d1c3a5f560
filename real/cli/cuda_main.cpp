// dpcast-train --backend cuda: cuBLAS and CUDA kernels, data parallel over NCCL.
//
// How the processes start (one per GPU, rank r on local GPU r):
//  * one process (no --gpus, or --gpus 1): this process is rank 0; nothing is exchanged;
//  * --gpus N: this process checks the scenario, then forks N workers and watches them
//    (real/launcher.hpp); rank 0 makes the NCCL id and the launcher hands it to the others;
//    if one worker fails, the launcher stops the rest and says which rank failed and how.
//    The launcher never touches CUDA (a CUDA context does not survive fork);
//  * under mpirun (several nodes; needs a build with MPI): every process drives the GPU of its
//    rank on the node, and rank 0 broadcasts the NCCL id with MPI.
// Every wait on another rank is bounded (--comm-timeout): a dead or hung peer ends the run
// with a message on every rank, never a hang.

#include <functional>
#include <iostream>
#include <memory>

#include "backends.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/real/cuda/cuda_device.hpp"
#include "dpcast/real/cuda/cuda_error.hpp"
#include "dpcast/real/cuda/cuda_info.hpp"
#include "dpcast/real/cuda/cuda_kernels.hpp"
#include "dpcast/real/cuda/nccl_communicator.hpp"
#include "dpcast/real/launcher.hpp"
#include "dpcast/real/self_communicator.hpp"
#include "dpcast/real/trainable.hpp"
#ifdef DPCAST_HAVE_MPI
#include "dpcast/real/mpi/mpi_communicator.hpp"
#endif

namespace dpcast::cli {
namespace {
using real::cuda::GemmPrecision;

// How this rank was started, and how it gets rank 0's NCCL id.
struct Placement {
  int rank = 0, size = 1, local_rank = 0;
  std::string unit = "GPU", start = "--gpus";            // for the world-size error
  std::function<std::string(const std::string&)> share;  // rank 0's bytes, on every rank
};

GemmPrecision gemm_precision(models::Precision p) {
  switch (p) {
    case models::Precision::Tf32:
      return GemmPrecision::Tf32;
    case models::Precision::Bf16:
      return GemmPrecision::Bf16;
    case models::Precision::Fp16:
      return GemmPrecision::Fp16;
    case models::Precision::Fp32:
      break;
  }
  return GemmPrecision::Fp32;
}

// The GPU this rank drives; "no CUDA device found" is bad input (exit status 2), like a
// scenario that asks for hardware the machine lacks.
int gpu_of(const Placement& p) {
  std::string why;
  const int count = real::cuda::device_count(&why);
  if (count == 0) throw Error("--backend cuda: no CUDA device found (" + why + ")");
  if (p.local_rank >= count)
    throw Error(p.start == "--gpus" ? "--gpus " + std::to_string(p.size) + ": this machine has " +
                                          std::to_string(count) + " CUDA device" + (count == 1 ? "" : "s")
                                    : "rank " + std::to_string(p.rank) + " is local rank " +
                                          std::to_string(p.local_rank) + " on its node, which has " +
                                          std::to_string(count) + " CUDA device" + (count == 1 ? "" : "s"));
  return p.local_rank;
}

// One GPU process's transport: none on one rank, else NCCL with rank 0's id.
std::unique_ptr<real::Communicator> make_comm(const Options& o, const Placement& p, real::cuda::CudaDevice& device,
                                              double timeout_s) {
  if (p.size == 1) return std::make_unique<real::SelfCommunicator>(device);
  const real::cuda::NcclId id = p.share(p.rank == 0 ? real::cuda::nccl_unique_id() : real::cuda::NcclId());
  real::cuda::NcclOptions options;
  options.timeout_s = timeout_s;
  (void)o;
  return std::make_unique<real::cuda::NcclCommunicator>(device, id, p.rank, p.size, options);
}

void close_comm(real::Communicator& comm) {
  if (auto* nccl = dynamic_cast<real::cuda::NcclCommunicator*>(&comm)) nccl->shutdown();
}

std::string hardware_text(const real::cuda::CudaDevice& device, GemmPrecision precision, bool loss_scaling) {
  return "one GPU per rank (" + device.info().name + "), " + real::cuda::to_string(precision) + " matrix products" +
         (loss_scaling ? " with dynamic loss scaling" : "");
}

int train_rank(const Options& o, const Placement& p) {
  const Chosen chosen = choose(o, "cuda");
  real::check_world_size(chosen.scenario, p.size, p.unit, p.start);
  const real::TrainConfig config = train_config(o, chosen.scenario);
  real::cuda::CudaDevice device(gpu_of(p));
  const GemmPrecision precision = gemm_precision(chosen.scenario.training.precision);
  real::cuda::CudaKernels kernels(device, precision);
  const auto comm = make_comm(o, p, device, o.comm_timeout_s);
  const int status =
      train(o, chosen, config, device, kernels, *comm, hardware_text(device, precision, config.loss_scaling.enabled));
  close_comm(*comm);
  return status;
}

int microbench_rank(const Options& o, const Placement& p) {
  real::MicrobenchOptions options = microbench_options(o);
  real::cuda::CudaDevice device(gpu_of(p));
  real::cuda::CudaKernels kernels(device);
  for (GemmPrecision precision : {GemmPrecision::Fp32, GemmPrecision::Tf32, GemmPrecision::Bf16, GemmPrecision::Fp16})
    options.precisions.push_back(
        {real::cuda::to_string(precision), [&kernels, precision] { kernels.set_precision(precision); }});
  // With --compute-on-rank-0 the other ranks wait for rank 0's computing benchmarks.
  const auto comm = make_comm(o, p, device, std::max(o.comm_timeout_s, 1800.0));
  models::Json raw = real::run_microbench(device, kernels, *comm, 1, options);
  if (p.rank == 0) {
    const real::cuda::DeviceInfo& info = device.info();
    // The catalogue's peak applies when the compute capability is not in the table.
    models::Json peak = models::Json::object();
    if (info.fp32_peak_flops > 0) peak["fp32_flops"] = info.fp32_peak_flops;
    peak["memory_bandwidth_bytes_per_s"] = device.measure_copy_bandwidth();
    raw["peak"] = peak;
    raw["device"] = {{"name", info.name},
                     {"compute_capability", std::to_string(info.major) + "." + std::to_string(info.minor)},
                     {"multiprocessors", info.multiprocessors},
                     {"clock_hz", info.clock_hz},
                     {"memory_bytes", info.memory_bytes},
                     {"nccl", p.size > 1 ? real::cuda::nccl_version() : std::string("none")}};
    write_microbench(o, raw, p.size, "GPU " + std::to_string(device.ordinal()) + ": " + info.name);
  }
  close_comm(*comm);
  return 0;
}

// One rank, its errors turned into messages and exit statuses: bad input 2 (rank 0 says it;
// every rank finds it alike), a dead or hung peer or a failed CUDA call 1, a bug 3.
int run_rank(const Options& o, const Placement& p) {
  try {
    return o.microbench ? microbench_rank(o, p) : train_rank(o, p);
  } catch (const Error& e) {
    if (p.rank == 0) std::cerr << e.what() << "\n";
    return 2;
  } catch (const real::CommTimeout& e) {
    std::cerr << "dpcast-train: " << e.what() << "\n";
    return 1;
  } catch (const real::cuda::CudaError& e) {
    std::cerr << "dpcast-train: rank " << p.rank << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dpcast-train: rank " << p.rank << ": internal error: " << e.what() << "\n";
    return 3;
  }
}

#ifdef DPCAST_HAVE_MPI
int under_mpirun(const Options& o, int& argc, char**& argv) {
  if (o.gpus > 0)
    throw Error("--gpus: under mpirun every process drives one GPU (its rank on the node); leave --gpus out");
  std::optional<real::mpi::MpiSession> session;
  try {
    session.emplace(argc, argv, real::mpi::Progress::Test);
  } catch (const Error& e) {
    std::cerr << "dpcast-train: " << e.what() << "\n";
    return 1;
  }
  Placement p;
  p.rank = session->rank();
  p.size = session->size();
  p.local_rank = session->local_rank();
  p.unit = "MPI rank";
  p.start = "mpirun -n";
  p.share = [&](const std::string& bytes) {
    std::string b = bytes;
    session->broadcast_bytes(b);
    return b;
  };
  explain_sigterm(p.rank);
  const int status = run_rank(o, p);
  // A rank that failed on its own ends the job (bad input ends every rank alike).
  if (status == 1 || status == 3) real::mpi::MpiSession::abort(status);
  return status;
}
#endif

}  // namespace

int cuda_main(const Options& o, int& argc, char**& argv) {
  if (launched_by_mpi()) {
#ifdef DPCAST_HAVE_MPI
    return under_mpirun(o, argc, argv);
#else
    (void)argc;
    (void)argv;
    throw Error(
        "--backend cuda under mpirun: this dpcast-train was built without MPI (DPCAST_REAL_MPI=OFF); on one "
        "node, run one process with --gpus N");
#endif
  }
  const int workers = o.gpus > 0 ? o.gpus : 1;
  if (!o.microbench) {
    // The scenario is checked here, once, before any process starts or any GPU is touched.
    const Chosen chosen = choose(o, "cuda");
    real::check_world_size(chosen.scenario, workers, "GPU", "--gpus");
  }
  if (workers == 1) {
    Placement p;
    p.share = [](const std::string& bytes) { return bytes; };
    return run_rank(o, p);
  }
  real::LaunchOptions launch;
  launch.workers = workers;
  const real::LaunchResult result = real::launch_workers(launch, [&](real::WorkerChannel& channel) {
    Placement p;
    p.rank = channel.rank();
    p.size = channel.size();
    p.local_rank = channel.rank();
    p.share = [&](const std::string& bytes) { return channel.broadcast_from_rank0(bytes, o.comm_timeout_s); };
    return run_rank(o, p);
  });
  if (!result.message.empty()) std::cerr << "dpcast-train: " << result.message << "\n";
  return result.exit_status;
}

}  // namespace dpcast::cli
