#pragma once
// Device: where the tensors of a training run live and how time is read there. The executor
// allocates every buffer through it and never touches device memory itself, so the same
// executor drives host memory (CPU) or GPU memory (CUDA).
//
// Time is a device concern: mark() records a point in the device's stream of work and
// elapsed() turns two marks into seconds. The CPU reads a steady clock at once; a GPU
// records an event and resolves it when the work has run, so marks cost no synchronisation
// and are resolved after the step.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace dpcast::real {

/// A recorded point in a device's work (CPU: nanoseconds of a steady clock; GPU: an event).
using Mark = std::uint64_t;

class Device {
 public:
  virtual ~Device() = default;
  /// "cpu", "cuda": the engine name measured records carry.
  [[nodiscard]] virtual std::string name() const = 0;
  /// `bytes` of zeroed device memory, aligned for vector loads; give it back with release().
  [[nodiscard]] virtual void* allocate(std::size_t bytes) = 0;
  virtual void release(void* p) noexcept = 0;
  virtual void upload(void* device_dst, const void* host_src, std::size_t bytes) = 0;
  virtual void download(void* host_dst, const void* device_src, std::size_t bytes) = 0;
  /// Returns when all work queued so far has run.
  virtual void synchronize() = 0;
  /// Records the current point of the device's work. Safe to call from any thread.
  [[nodiscard]] virtual Mark mark() = 0;
  /// Seconds from `from` to `to` (may wait for the device to reach `to`).
  [[nodiscard]] virtual double elapsed(Mark from, Mark to) = 0;
  /// Says that no mark taken so far will be read again, so a device that keeps state per
  /// mark (a GPU's events) may reuse it. The trainer calls it at the start of every step and
  /// the micro-benchmarks before every timing; marks taken before become invalid.
  virtual void forget_marks() {}
};

/// An owning array of `T` in device memory.
template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(Device& device, std::size_t count)
      : device_(&device), data_(static_cast<T*>(device.allocate(count * sizeof(T)))), count_(count) {}
  DeviceArray(DeviceArray&& o) noexcept { *this = std::move(o); }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) {
      reset();
      device_ = std::exchange(o.device_, nullptr);
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { reset(); }

  [[nodiscard]] T* data() { return data_; }
  [[nodiscard]] const T* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] std::size_t bytes() const { return count_ * sizeof(T); }

 private:
  void reset() {
    if (device_ && data_) device_->release(data_);
    data_ = nullptr;
    count_ = 0;
  }
  Device* device_ = nullptr;
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace dpcast::real
