#pragma once
// The backends dpcast-train was built with; each runs a parsed command line to its exit status.
#include "run.hpp"

namespace dpcast::cli {

/// The backends in this build, "cpu, cuda".
[[nodiscard]] std::string built_backends();

#ifdef DPCAST_HAVE_CPU_BACKEND
/// fp32 on CPU cores (OpenBLAS), data parallel over MPI (mpirun -n N; one rank without MPI).
int cpu_main(const Options& o, int& argc, char**& argv);
#endif

#ifdef DPCAST_HAVE_CUDA
/// cuBLAS and CUDA kernels, data parallel over NCCL: one process per GPU (--gpus N forks
/// them; under mpirun every process drives the GPU of its rank on the node).
int cuda_main(const Options& o, int& argc, char**& argv);
#endif

}  // namespace dpcast::cli
