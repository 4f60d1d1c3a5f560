#pragma once
// Every CUDA runtime call and kernel launch is checked; a failure throws CudaError naming the
// call (the text of the expression up to its '('), the error and the source line.
#include <cuda_runtime_api.h>

#include "dpcast/real/cuda/cuda_error.hpp"

namespace dpcast::real::cuda::detail {

/// "cudaMemcpyAsync(dst, src, ...)" -> "cudaMemcpyAsync"; "file/path/x.cu", 12 -> "x.cu:12".
[[nodiscard]] std::string call_name(const char* expression);
[[nodiscard]] std::string where(const char* file, int line);

[[noreturn]] void fail_cuda(cudaError_t error, const std::string& what, const char* file, int line);

inline void check_cuda(cudaError_t error, const char* expression, const char* file, int line) {
  if (error != cudaSuccess) fail_cuda(error, call_name(expression), file, line);
}

/// After a kernel launch: a bad configuration or an earlier asynchronous error shows here.
inline void check_launch(const char* kernel, const char* file, int line) {
  const cudaError_t error = cudaGetLastError();
  if (error != cudaSuccess) fail_cuda(error, std::string("launching ") + kernel, file, line);
}

}  // namespace dpcast::real::cuda::detail

#define DPCAST_CUDA_CHECK(expression) \
  ::dpcast::real::cuda::detail::check_cuda((expression), #expression, __FILE__, __LINE__)
#define DPCAST_CUDA_LAUNCHED(kernel) ::dpcast::real::cuda::detail::check_launch(kernel, __FILE__, __LINE__)
