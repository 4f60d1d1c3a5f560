#include "dpcast/real/cuda/cuda_info.hpp"

#include <cuda_runtime_api.h>

#include "check.hpp"

namespace dpcast::real::cuda {

int device_count(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
    (void)cudaGetLastError();  // clear it: later calls should not report it again
    return 0;
  }
  if (count == 0 && why) *why = "cudaGetDeviceCount: 0 devices";
  return count;
}

int fp32_lanes_per_sm(int major, int minor) {
  switch (major) {
    case 6:
      return minor == 0 ? 64 : 128;  // P100: 64; Pascal consumer parts: 128
    case 7:
      return 64;  // Volta, Turing
    case 8:
      return minor == 0 ? 64 : 128;  // A100: 64; GA10x, Ada: 128
    case 9:
      return 128;  // Hopper
    case 10:
    case 11:
    case 12:
      return 128;  // Blackwell
    default:
      return 0;
  }
}

DeviceInfo device_info(int ordinal) {
  cudaDeviceProp p{};
  DPCAST_CUDA_CHECK(cudaGetDeviceProperties(&p, ordinal));
  int clock_khz = 0, memory_clock_khz = 0, bus_bits = 0;
  DPCAST_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, ordinal));
  DPCAST_CUDA_CHECK(cudaDeviceGetAttribute(&memory_clock_khz, cudaDevAttrMemoryClockRate, ordinal));
  DPCAST_CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, ordinal));
  DeviceInfo d;
  d.ordinal = ordinal;
  d.name = p.name;
  d.major = p.major;
  d.minor = p.minor;
  d.multiprocessors = p.multiProcessorCount;
  d.clock_hz = clock_khz * 1e3;
  d.memory_bytes = static_cast<double>(p.totalGlobalMem);
  d.memory_clock_hz = memory_clock_khz * 1e3;
  d.memory_bus_bits = bus_bits;
  d.fp32_peak_flops = static_cast<double>(d.multiprocessors) * fp32_lanes_per_sm(d.major, d.minor) * 2.0 * d.clock_hz;
  return d;
}

}  // namespace dpcast::real::cuda
