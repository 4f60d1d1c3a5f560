// What a running collective takes from the compute it overlaps (interference.hpp), and the
// two-stream schedule that spends it (two_streams.hpp), against hand calculations.
#include <gtest/gtest.h>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/interference.hpp"
#include "dpcast/sim/two_streams.hpp"

namespace dpcast {
namespace {

using sim::CollectiveOp;

models::Gpu hundred_sm_gpu() {
  models::Gpu g;
  g.name = "g";
  g.memory_bandwidth_bytes_per_s = 1e12;
  g.memory_efficiency = 0.5;  // 500 GB/s reachable
  g.multiprocessors = 100;
  return g;
}

sim::CollectiveChoice nccl_choice(int channels, double time_s) {
  sim::CollectiveChoice c;
  c.algorithm = models::Collective::Auto;
  c.time_s = time_s;
  c.nccl = sim::NcclCost{};
  c.nccl->channels = channels;
  c.nccl->time_s = time_s;
  return c;
}

TEST(Interference, ChannelsTakeSmsAndTrafficTakesMemoryBandwidth) {
  const auto gpu = hundred_sm_gpu();
  // 16 channels of 100 SMs; an all-reduce of 100 MB on 8 GPUs in 10 ms moves 2 x 7/8 x 100 MB
  // = 175 MB per GPU on the bus (17.5 GB/s), three times through memory: 52.5 of 500 GB/s.
  const auto taken = sim::collective_interference(nccl_choice(16, 10e-3), CollectiveOp::AllReduce, 100e6, 8, gpu);
  EXPECT_DOUBLE_EQ(taken.matrix, 0.16);
  EXPECT_NEAR(taken.streaming, 0.105, 1e-12);
  EXPECT_DOUBLE_EQ(taken.share(true), 0.16);
  EXPECT_DOUBLE_EQ(taken.share(false), taken.streaming);
  // An all-gather of the same bytes moves half as much on the bus.
  EXPECT_NEAR(sim::collective_interference(nccl_choice(16, 10e-3), CollectiveOp::AllGather, 100e6, 8, gpu).streaming,
              0.0525, 1e-12);
}

TEST(Interference, OnlyNcclHoldsSmsAndSharesAreCapped) {
  auto gpu = hundred_sm_gpu();
  sim::CollectiveChoice ring;  // an α-β ring (MPI, Gloo): copies through memory, no SMs held
  ring.time_s = 10e-3;
  const auto mpi = sim::collective_interference(ring, CollectiveOp::AllReduce, 100e6, 8, gpu);
  EXPECT_EQ(mpi.matrix, 0);
  EXPECT_NEAR(mpi.streaming, 0.105, 1e-12);
  // 200 channels on 100 SMs, 10 GB in 1 ms: both shares at the cap.
  const auto capped = sim::collective_interference(nccl_choice(200, 1e-3), CollectiveOp::AllReduce, 10e9, 8, gpu);
  EXPECT_EQ(capped.matrix, sim::Interference::kMaxShare);
  EXPECT_EQ(capped.streaming, sim::Interference::kMaxShare);
  // Nothing without a second GPU, without time, or where the device computes its own communication.
  EXPECT_FALSE(sim::collective_interference(nccl_choice(16, 10e-3), CollectiveOp::AllReduce, 100e6, 1, gpu).any());
  EXPECT_FALSE(sim::collective_interference(nccl_choice(16, 0), CollectiveOp::AllReduce, 100e6, 8, gpu).any());
  gpu.communication_uses_compute = true;
  EXPECT_FALSE(sim::collective_interference(nccl_choice(16, 10e-3), CollectiveOp::AllReduce, 100e6, 8, gpu).any());
  // A GPU whose SMs the catalogue does not give loses none to channels.
  gpu.communication_uses_compute = false;
  gpu.multiprocessors = 0;
  EXPECT_EQ(sim::collective_interference(nccl_choice(16, 10e-3), CollectiveOp::AllReduce, 100e6, 8, gpu).matrix, 0);
}

TEST(TwoStreams, ComputeRunsAtWhatTheRunningCollectiveLeavesIt) {
  const sim::Interference takes{0.2, 0.5};
  // Layer 0 (matrix, 1 s) alone; the collective waits for it and runs 0.5 s beside layer 1
  // (streaming, 1 s) at half speed: 0.25 s done, 0.75 s left at full speed, ends at 2.25 s.
  const auto after = sim::run_two_streams({{1.0, true, -1}, {1.0, false, -1}}, {{0.5, takes, 0}});
  ASSERT_EQ(after.compute_end.size(), 2u);
  EXPECT_DOUBLE_EQ(after.compute_end[0], 1.0);
  EXPECT_DOUBLE_EQ(after.compute_end[1], 2.25);
  EXPECT_DOUBLE_EQ(after.comm_start[0], 1.0);
  EXPECT_DOUBLE_EQ(after.comm_end[0], 1.5);
  EXPECT_DOUBLE_EQ(after.slowed_s, 0.25);
  EXPECT_DOUBLE_EQ(after.end(), 2.25);
  // A collective from time 0 for 0.4 s beside a matrix layer of 1 s: 0.32 s done at 0.8,
  // then 0.68 s: ends at 1.08 s. The next layer waits for a second collective (0.3 s, after
  // layer 0), which then runs alone.
  const auto chained = sim::run_two_streams({{1.0, true, -1}, {0.5, true, 1}}, {{0.4, takes, -1}, {0.3, takes, 0}});
  EXPECT_NEAR(chained.compute_end[0], 1.08, 1e-15);
  EXPECT_NEAR(chained.comm_start[1], 1.08, 1e-15);
  EXPECT_NEAR(chained.compute_end[1], 1.08 + 0.3 + 0.5, 1e-15);
  EXPECT_NEAR(chained.slowed_s, 0.08, 1e-15);
  // Nothing taken: the plain two-stream schedule.
  const auto free = sim::run_two_streams({{1.0, true, -1}, {1.0, false, -1}}, {{0.5, {}, 0}});
  EXPECT_DOUBLE_EQ(free.compute_end[1], 2.0);
  EXPECT_EQ(free.slowed_s, 0);
}

TEST(TwoStreams, AWaitThatCanNeverBeMetIsAnInternalError) {
  EXPECT_THROW((void)sim::run_two_streams({{1.0, true, 0}}, {{1.0, {}, 0}}), InternalError);
}

}  // namespace
}  // namespace dpcast
