#pragma once
// What the CUDA runtime says about this machine's GPUs, without a device context to keep:
// how many there are (or why none can be used) and what one of them is. The header needs no
// CUDA headers, so the command line and the tests can ask before anything else touches a GPU.
#include <string>

namespace dpcast::real::cuda {

/// The GPUs the CUDA runtime can use; 0 when it can use none, with the reason in `why`
/// ("cudaGetDeviceCount: no CUDA-capable device is detected (cudaErrorNoDevice)").
/// Initialises the CUDA driver in this process: a process that will fork workers must not
/// call it (a CUDA context does not survive fork).
[[nodiscard]] int device_count(std::string* why = nullptr);

struct DeviceInfo {
  int ordinal = 0;
  std::string name;          // "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  double clock_hz = 0;  // peak SM clock
  double memory_bytes = 0;
  double memory_clock_hz = 0;
  int memory_bus_bits = 0;
  /// FP32 FLOP/s on the CUDA cores (SMs x FP32 lanes per SM x 2 x peak clock); 0 for a
  /// compute capability this table does not know (the catalogue's figure applies then).
  double fp32_peak_flops = 0;
};

/// The properties of device `ordinal` (throws CudaError when the runtime cannot tell).
[[nodiscard]] DeviceInfo device_info(int ordinal);

/// FP32 lanes per SM by compute capability (64 on 6.0, 7.x and 8.0; 128 on 8.6 and later,
/// Hopper and Blackwell included); 0 when unknown.
[[nodiscard]] int fp32_lanes_per_sm(int major, int minor);

}  // namespace dpcast::real::cuda
