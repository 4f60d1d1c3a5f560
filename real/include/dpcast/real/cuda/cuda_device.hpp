#pragma once
// The CUDA device: memory from cudaMalloc (zeroed on the compute stream), copies on the
// compute stream, and time from CUDA events. Every kernel and copy of training runs in order
// on one non-blocking compute stream; the NCCL communicator adds its own stream and records
// its marks through mark_on(), so every mark of a step compares with every other.
//
// mark() records an event (from a pool: a Mark is the event's index) and returns at once;
// elapsed() waits for both events and reads cudaEventElapsedTime (resolution about 0.5 us).
// forget_marks() lets the pool's events be recorded again: the trainer calls it at each
// step's start, so a step never synchronises per layer and the pool stays as large as one
// step needs.
#include <cuda_runtime_api.h>

#include <mutex>
#include <vector>

#include "dpcast/real/cuda/cuda_info.hpp"
#include "dpcast/real/device.hpp"

namespace dpcast::real::cuda {

class CudaDevice final : public Device {
 public:
  /// Makes device `ordinal` current for the calling thread and creates the compute stream.
  explicit CudaDevice(int ordinal);
  ~CudaDevice() override;
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  [[nodiscard]] std::string name() const override { return "cuda"; }
  /// Throws dpcast::Error when the device is out of memory (the scenario asks too much).
  [[nodiscard]] void* allocate(std::size_t bytes) override;
  void release(void* p) noexcept override;
  void upload(void* device_dst, const void* host_src, std::size_t bytes) override;
  void download(void* host_dst, const void* device_src, std::size_t bytes) override;
  void synchronize() override;
  [[nodiscard]] Mark mark() override { return mark_on(stream_); }
  [[nodiscard]] double elapsed(Mark from, Mark to) override;
  void forget_marks() override;

  /// Records a mark on another stream of this device (the communicator's).
  [[nodiscard]] Mark mark_on(cudaStream_t stream);
  /// The event behind a mark (to make a stream wait for it, or to query it).
  [[nodiscard]] cudaEvent_t event(Mark m) const;
  [[nodiscard]] cudaStream_t stream() const { return stream_; }
  [[nodiscard]] int ordinal() const { return info_.ordinal; }
  [[nodiscard]] const DeviceInfo& info() const { return info_; }
  /// Bytes/s of a device-to-device copy of 256 MiB (read + write counted), best of 5.
  [[nodiscard]] double measure_copy_bandwidth();

 private:
  DeviceInfo info_;
  cudaStream_t stream_ = nullptr;
  mutable std::mutex mutex_;
  std::vector<cudaEvent_t> events_;
  std::size_t next_ = 0;  // events_[0, next_) are recorded since the last forget_marks()
};

}  // namespace dpcast::real::cuda
