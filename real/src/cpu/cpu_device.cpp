#include "dpcast/real/cpu/cpu_device.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

namespace dpcast::real::cpu {

void* CpuDevice::allocate(std::size_t bytes) {
  constexpr std::size_t kAlign = 64;  // a cache line; every vector width up to AVX-512
  const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return p;
}

void CpuDevice::release(void* p) noexcept {
  std::free(p);
}

void CpuDevice::upload(void* dst, const void* src, std::size_t bytes) {
  std::memcpy(dst, src, bytes);
}

void CpuDevice::download(void* dst, const void* src, std::size_t bytes) {
  std::memcpy(dst, src, bytes);
}

Mark CpuDevice::mark() {
  return static_cast<Mark>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

double CpuDevice::elapsed(Mark from, Mark to) {
  return (static_cast<double>(to) - static_cast<double>(from)) * 1e-9;
}

}  // namespace dpcast::real::cpu
