#pragma once
// The NCCL transport: one in-place ncclAllReduce (sum) per gradient bucket, on a stream of its
// own (the device's highest priority), started the moment the bucket's gradients are ready.
//
// start_allreduce() records an event on the compute stream after the bucket's last gradient
// kernel, makes the communication stream wait for it, and queues start mark, all-reduce and
// end mark there -- the host never waits, so the all-reduce overlaps the rest of backward on
// the GPU as PyTorch DDP's does. progress() has nothing to do (NCCL progresses on the GPU).
// wait_all() makes the compute stream wait for the last all-reduce (the optimizer then
// follows it on the GPU) and waits on the host too, bounded: it polls the end events and
// ncclCommGetAsyncError, and on an error or after `timeout_s` aborts the communicator
// (ncclCommAbort, which ends NCCL's kernels) and throws CommTimeout. The communicator is
// non-blocking (ncclConfig_t::blocking = 0), so no NCCL call can block on a peer that has
// died: a call that answers ncclInProgress is waited out under the same bound.
//
// Control exchanges (the loss, step times, the trace's step) are NCCL collectives too, on
// small device buffers staged through pinned host memory, bounded the same way.
#include <functional>
#include <string>
#include <vector>

#include "dpcast/real/communicator.hpp"
#include "dpcast/real/cuda/cuda_device.hpp"

struct ncclComm;  // ncclComm_t

namespace dpcast::real::cuda {

/// The bytes every rank needs to join one communicator (an ncclUniqueId, 128 bytes).
using NcclId = std::string;
/// A new id (ncclGetUniqueId). Call it on rank 0 only: it also starts NCCL's bootstrap root
/// in the calling process, which must then live until every rank has joined.
[[nodiscard]] NcclId nccl_unique_id();
/// The NCCL library in use, "2.28.9".
[[nodiscard]] std::string nccl_version();

struct NcclOptions {
  double timeout_s = 60;  // longest wait for joining, any collective, or closing
  /// Waiting pollers query without pause for spin_s, then sleep poll_sleep_s between queries.
  double spin_s = 1e-3;
  double poll_sleep_s = 10e-6;
};

class NcclCommunicator final : public Communicator {
 public:
  /// Joins the communicator of `size` ranks named by `id` as `rank`, on `device` (bounded by
  /// options.timeout_s).
  NcclCommunicator(CudaDevice& device, const NcclId& id, int rank, int size, NcclOptions options = {});
  /// Aborts the communicator unless shutdown() closed it.
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] std::string name() const override { return "nccl"; }
  [[nodiscard]] std::string describe() const override;
  int start_allreduce(float* data, std::size_t count) override;
  void progress() override {}
  void wait_all() override;
  [[nodiscard]] RequestTimes times(int index) const override;
  void clear() override { requests_.clear(); }
  [[nodiscard]] double sum(double value) override;
  [[nodiscard]] std::vector<std::vector<double>> gather(const std::vector<double>& mine) override;
  [[nodiscard]] long long broadcast(long long value) override;

  /// Closes the communicator with every other rank (ncclCommFinalize, then ncclCommDestroy),
  /// bounded: a rank must not leave while a peer may still read its buffers. Call it on every
  /// rank at the end of a successful run.
  void shutdown();
  /// Ends NCCL's work on this rank now (ncclCommAbort); the communicator is unusable after.
  void abort() noexcept;
  [[nodiscard]] cudaStream_t stream() const { return stream_; }

 private:
  struct Request {
    std::size_t count = 0;
    Mark start = 0, end = 0;
  };
  // The result of an NCCL call: errors throw; ncclInProgress is waited out (bounded).
  void settle(int result, const char* call, const std::string& what);
  // Waits for `done` (bounded, watching NCCL's asynchronous errors); aborts and throws on failure.
  void wait_event(cudaEvent_t done, const std::string& what);
  [[noreturn]] void fail(const std::string& message);
  // Copies `in` to the device, runs `collective(device_in, device_out)`, copies `out_bytes` back.
  void exchange(const void* in, std::size_t in_bytes, void* out, std::size_t out_bytes, const char* call,
                const char* what, const std::function<int(const void*, void*)>& collective);

  CudaDevice* device_;
  NcclOptions options_;
  int rank_, size_;
  ncclComm* comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t control_done_ = nullptr;
  std::vector<Request> requests_;
  void* control_device_ = nullptr;  // control exchanges: device buffer and pinned host buffer
  void* control_host_ = nullptr;
  std::size_t control_bytes_ = 0;
};

}  // namespace dpcast::real::cuda
