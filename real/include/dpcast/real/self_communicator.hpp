#pragma once
// The transport of a run on one rank: a sum over one rank is the value itself, so an
// all-reduce finishes the moment it starts. Used in-process (tests, tools) where no MPI runs.
#include <vector>

#include "dpcast/real/communicator.hpp"

namespace dpcast::real {

class SelfCommunicator final : public Communicator {
 public:
  explicit SelfCommunicator(Device& device) : device_(&device) {}
  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int size() const override { return 1; }
  [[nodiscard]] std::string name() const override { return "none"; }
  [[nodiscard]] std::string describe() const override { return "one rank: no gradient exchange"; }
  int start_allreduce(float*, std::size_t) override {
    const Mark now = device_->mark();
    times_.push_back({now, now});
    return static_cast<int>(times_.size()) - 1;
  }
  void progress() override {}
  void wait_all() override {}
  [[nodiscard]] RequestTimes times(int index) const override { return times_.at(static_cast<std::size_t>(index)); }
  void clear() override { times_.clear(); }
  [[nodiscard]] double sum(double value) override { return value; }
  [[nodiscard]] std::vector<std::vector<double>> gather(const std::vector<double>& mine) override { return {mine}; }
  [[nodiscard]] long long broadcast(long long value) override { return value; }

 private:
  Device* device_;
  std::vector<RequestTimes> times_;
};

}  // namespace dpcast::real
