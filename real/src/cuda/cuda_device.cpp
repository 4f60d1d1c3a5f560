#include "dpcast/real/cuda/cuda_device.hpp"

#include <algorithm>
#include <cstdio>

#include "check.hpp"
#include "dpcast/models/byte_units.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::real::cuda {
namespace {
std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / models::kGiB);
  return text;
}
}  // namespace

CudaDevice::CudaDevice(int ordinal) {
  std::string why;
  const int count = device_count(&why);
  if (count == 0) throw Error("no CUDA device found (" + why + ")");
  if (ordinal < 0 || ordinal >= count)
    throw Error("CUDA device " + std::to_string(ordinal) + " does not exist (this machine has " +
                std::to_string(count) + ")");
  DPCAST_CUDA_CHECK(cudaSetDevice(ordinal));
  info_ = device_info(ordinal);
  DPCAST_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

CudaDevice::~CudaDevice() {
  // Errors here would come from a context already broken; there is nothing left to do about them.
  for (cudaEvent_t e : events_) (void)cudaEventDestroy(e);
  if (stream_) (void)cudaStreamDestroy(stream_);
}

void* CudaDevice::allocate(std::size_t bytes) {
  void* p = nullptr;
  const std::size_t n = std::max<std::size_t>(bytes, 256);
  const cudaError_t e = cudaMalloc(&p, n);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    std::size_t free = 0, total = 0;
    (void)cudaMemGetInfo(&free, &total);
    throw Error("CUDA device " + std::to_string(info_.ordinal) + " (" + info_.name + ") is out of memory: " +
                gib(static_cast<double>(bytes)) + " more wanted, " + gib(static_cast<double>(free)) + " of " +
                gib(static_cast<double>(total)) + " free; lower training.micro_batch or training.seq_len");
  }
  detail::check_cuda(e, "cudaMalloc", __FILE__, __LINE__);
  // Zeroed and visible to every stream when this returns (the communicator's stream too):
  // allocations happen while setting up, where a synchronisation costs nothing that matters.
  DPCAST_CUDA_CHECK(cudaMemsetAsync(p, 0, n, stream_));
  DPCAST_CUDA_CHECK(cudaStreamSynchronize(stream_));
  return p;
}

void CudaDevice::release(void* p) noexcept {
  if (p) (void)cudaFree(p);  // synchronises the device first; an error means the context is gone anyway
}

void CudaDevice::upload(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  // From pageable host memory the runtime stages the bytes before returning, so `src` may be
  // reused at once; the copy runs in order with the kernels on the compute stream.
  DPCAST_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
}

void CudaDevice::download(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  DPCAST_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
  DPCAST_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaDevice::synchronize() {
  DPCAST_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

Mark CudaDevice::mark_on(cudaStream_t stream) {
  std::lock_guard lock(mutex_);
  if (next_ == events_.size()) {
    cudaEvent_t e = nullptr;
    DPCAST_CUDA_CHECK(cudaEventCreate(&e));  // with timing
    events_.push_back(e);
  }
  DPCAST_CUDA_CHECK(cudaEventRecord(events_[next_], stream));
  return static_cast<Mark>(next_++);
}

cudaEvent_t CudaDevice::event(Mark m) const {
  std::lock_guard lock(mutex_);
  if (m >= next_) throw CudaError("CudaDevice: mark " + std::to_string(m) + " was not recorded since forget_marks()");
  return events_[static_cast<std::size_t>(m)];
}

double CudaDevice::elapsed(Mark from, Mark to) {
  if (from == to) return 0;
  const cudaEvent_t a = event(from), b = event(to);
  DPCAST_CUDA_CHECK(cudaEventSynchronize(a));
  DPCAST_CUDA_CHECK(cudaEventSynchronize(b));
  float ms = 0;
  DPCAST_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
  return static_cast<double>(ms) * 1e-3;
}

void CudaDevice::forget_marks() {
  std::lock_guard lock(mutex_);
  next_ = 0;
}

double CudaDevice::measure_copy_bandwidth() {
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  void* a = allocate(kBytes);
  void* b = nullptr;
  try {
    b = allocate(kBytes);
    DPCAST_CUDA_CHECK(cudaMemcpyAsync(b, a, kBytes, cudaMemcpyDeviceToDevice, stream_));  // warm-up
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      forget_marks();
      const Mark start = mark();
      DPCAST_CUDA_CHECK(cudaMemcpyAsync(b, a, kBytes, cudaMemcpyDeviceToDevice, stream_));
      const Mark end = mark();
      const double s = elapsed(start, end);
      if (s > 0) best = std::max(best, 2.0 * static_cast<double>(kBytes) / s);  // read + write
    }
    forget_marks();
    release(b);
    release(a);
    return best;
  } catch (...) {
    release(b);
    release(a);
    throw;
  }
}

}  // namespace dpcast::real::cuda
