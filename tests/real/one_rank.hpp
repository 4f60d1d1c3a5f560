#pragma once
// What the trainer tests share: a trainer on one rank of the CPU backend (SelfCommunicator),
// and a tiny MLP to train.
#include "dpcast/models/zoo.hpp"
#include "dpcast/real/cpu/cpu_device.hpp"
#include "dpcast/real/cpu/cpu_kernels.hpp"
#include "dpcast/real/self_communicator.hpp"
#include "dpcast/real/trainer.hpp"

namespace dpcast::real::test {

inline models::ModelGraph tiny_mlp() {
  return models::build_mlp({"tiny-mlp", {16, 64, 4}});
}

struct OneRank {
  explicit OneRank(const models::ModelGraph& g, TrainConfig c) : comm(device), trainer(g, c, device, kernels, comm) {}
  cpu::CpuDevice device;
  cpu::CpuKernels kernels{1};
  SelfCommunicator comm;
  Trainer trainer;
};

}  // namespace dpcast::real::test
