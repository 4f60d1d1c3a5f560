#include "check.hpp"

#include <cstring>
#include <string>

namespace dpcast::real::cuda::detail {

std::string call_name(const char* expression) {
  const std::string e(expression);
  return e.substr(0, e.find('('));
}

std::string where(const char* file, int line) {
  const char* slash = std::strrchr(file, '/');
  return std::string(slash ? slash + 1 : file) + ":" + std::to_string(line);
}

void fail_cuda(cudaError_t error, const std::string& what, const char* file, int line) {
  throw CudaError(what + ": " + cudaGetErrorString(error) + " (" + cudaGetErrorName(error) + ") at " +
                  where(file, line));
}

}  // namespace dpcast::real::cuda::detail
