#pragma once
// The CPU device: host memory (64-byte aligned, zeroed) and a steady clock.
#include "dpcast/real/device.hpp"

namespace dpcast::real::cpu {

class CpuDevice final : public Device {
 public:
  [[nodiscard]] std::string name() const override { return "cpu"; }
  [[nodiscard]] void* allocate(std::size_t bytes) override;
  void release(void* p) noexcept override;
  void upload(void* device_dst, const void* host_src, std::size_t bytes) override;
  void download(void* host_dst, const void* device_src, std::size_t bytes) override;
  void synchronize() override {}  // work runs when it is called
  [[nodiscard]] Mark mark() override;
  [[nodiscard]] double elapsed(Mark from, Mark to) override;
};

}  // namespace dpcast::real::cpu
