#pragma once
// A CUDA, cuBLAS or NCCL call failed: the message names the call, the library's error name
// and text, and where ("cudaMemcpyAsync: an illegal memory access was encountered
// (cudaErrorIllegalAddress) at cuda_device.cpp:57"). Not bad input: the command reports it
// as a failure of the run (exit status 1), not as an error in the scenario.
#include <stdexcept>
#include <string>

namespace dpcast::real::cuda {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dpcast::real::cuda
