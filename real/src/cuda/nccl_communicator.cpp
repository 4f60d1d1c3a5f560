#include "dpcast/real/cuda/nccl_communicator.hpp"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "check.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::real::cuda {
namespace {
using Clock = std::chrono::steady_clock;

std::string nccl_error(ncclResult_t r, ncclComm_t comm) {
  std::string text = std::string(ncclGetErrorString(r));
  const char* last = ncclGetLastError(comm);
  if (last && *last) text += " (" + std::string(last) + ")";
  return text;
}
}  // namespace

NcclId nccl_unique_id() {
  ncclUniqueId id{};
  const ncclResult_t r = ncclGetUniqueId(&id);
  if (r != ncclSuccess) throw CudaError("ncclGetUniqueId: " + nccl_error(r, nullptr));
  return NcclId(id.internal, sizeof id.internal);
}

std::string nccl_version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "?";
  // NCCL_VERSION(X, Y, Z) = X * 10000 + Y * 100 + Z from 2.9 on.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

NcclCommunicator::NcclCommunicator(CudaDevice& device, const NcclId& id, int rank, int size, NcclOptions options)
    : device_(&device), options_(options), rank_(rank), size_(size) {
  if (id.size() != sizeof(ncclUniqueId::internal))
    throw Error("NCCL id: expected " + std::to_string(sizeof(ncclUniqueId::internal)) + " bytes, got " +
                std::to_string(id.size()));
  if (rank < 0 || rank >= size)
    throw Error("NCCL rank " + std::to_string(rank) + " outside 0.." + std::to_string(size - 1));
  try {
    DPCAST_CUDA_CHECK(cudaSetDevice(device.ordinal()));
    int least = 0, greatest = 0;
    DPCAST_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
    DPCAST_CUDA_CHECK(cudaStreamCreateWithPriority(&stream_, cudaStreamNonBlocking, greatest));
    DPCAST_CUDA_CHECK(cudaEventCreateWithFlags(&control_done_, cudaEventDisableTiming));
    ncclUniqueId uid{};
    std::memcpy(uid.internal, id.data(), sizeof uid.internal);
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;  // no call may block on a dead peer: waits are ours, and bounded
    ncclComm_t comm = nullptr;
    const ncclResult_t r = ncclCommInitRankConfig(&comm, size, uid, rank, &config);
    comm_ = comm;
    settle(r, "ncclCommInitRankConfig", "joining the NCCL communicator of " + std::to_string(size) + " ranks");
  } catch (...) {
    abort();
    if (control_done_) (void)cudaEventDestroy(control_done_);
    if (stream_) (void)cudaStreamDestroy(stream_);
    throw;
  }
}

NcclCommunicator::~NcclCommunicator() {
  abort();  // nothing to do after shutdown()
  if (control_device_) device_->release(control_device_);
  if (control_host_) (void)cudaFreeHost(control_host_);
  if (control_done_) (void)cudaEventDestroy(control_done_);
  if (stream_) (void)cudaStreamDestroy(stream_);
}

std::string NcclCommunicator::describe() const {
  return "NCCL " + nccl_version() +
         "'s all-reduce: ncclAllReduce (sum, in place) per bucket on its own stream, started when a CUDA event says "
         "the bucket's gradients are ready; NCCL chooses algorithm and protocol per size";
}

void NcclCommunicator::abort() noexcept {
  if (!comm_) return;
  (void)ncclCommAbort(comm_);
  comm_ = nullptr;
}

void NcclCommunicator::fail(const std::string& message) {
  abort();
  throw CommTimeout("rank " + std::to_string(rank_) + ": " + message);
}

void NcclCommunicator::settle(int result, const char* call, const std::string& what) {
  const auto r = static_cast<ncclResult_t>(result);
  if (r == ncclSuccess) return;
  if (!comm_)
    throw CommTimeout("rank " + std::to_string(rank_) + ": " + what + ": " + call +
                      " failed: " + nccl_error(r, nullptr));
  if (r != ncclInProgress) fail(what + ": " + call + " failed: " + nccl_error(r, comm_));
  const auto since = Clock::now();
  const auto until =
      since + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.timeout_s));
  while (true) {
    ncclResult_t state = ncclSuccess;
    const ncclResult_t q = ncclCommGetAsyncError(comm_, &state);
    if (q != ncclSuccess) fail(what + ": ncclCommGetAsyncError failed: " + nccl_error(q, comm_));
    if (state == ncclSuccess) return;
    if (state != ncclInProgress) fail(what + ": " + call + " failed: " + nccl_error(state, comm_));
    if (Clock::now() > until) fail(not_finished(what, options_.timeout_s));
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void NcclCommunicator::wait_event(cudaEvent_t done, const std::string& what) {
  const auto since = Clock::now();
  const auto spin = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.spin_s));
  const auto until =
      since + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.timeout_s));
  while (true) {
    const cudaError_t e = cudaEventQuery(done);
    if (e == cudaSuccess) return;
    if (e != cudaErrorNotReady) {
      abort();
      detail::check_cuda(e, "cudaEventQuery", __FILE__, __LINE__);
    }
    if (!comm_) fail(what + ": the communicator was aborted");
    ncclResult_t state = ncclSuccess;
    const ncclResult_t q = ncclCommGetAsyncError(comm_, &state);
    if (q != ncclSuccess) fail(what + ": ncclCommGetAsyncError failed: " + nccl_error(q, comm_));
    if (state != ncclSuccess && state != ncclInProgress) fail(what + " failed in NCCL: " + nccl_error(state, comm_));
    const auto now = Clock::now();
    if (now > until) fail(not_finished(what, options_.timeout_s));
    if (now - since > spin && options_.poll_sleep_s > 0)
      std::this_thread::sleep_for(std::chrono::duration<double>(options_.poll_sleep_s));
  }
}

int NcclCommunicator::start_allreduce(float* data, std::size_t count) {
  if (!comm_) throw CommTimeout("rank " + std::to_string(rank_) + ": the NCCL communicator was aborted");
  Request r;
  r.count = count;
  // The bucket's gradients are written once the compute stream reaches this point.
  const Mark ready = device_->mark();
  DPCAST_CUDA_CHECK(cudaStreamWaitEvent(stream_, device_->event(ready), 0));
  r.start = device_->mark_on(stream_);
  settle(ncclAllReduce(data, data, count, ncclFloat, ncclSum, comm_, stream_), "ncclAllReduce",
         "starting " + allreduce_name(count));
  r.end = device_->mark_on(stream_);
  requests_.push_back(r);
  return static_cast<int>(requests_.size()) - 1;
}

void NcclCommunicator::wait_all() {
  if (requests_.empty()) return;
  // On the GPU: what the compute stream queues next (the optimizer) follows the last
  // all-reduce (they run in order on the communication stream).
  DPCAST_CUDA_CHECK(cudaStreamWaitEvent(device_->stream(), device_->event(requests_.back().end), 0));
  // On the host: bounded, so a dead or stuck peer ends this rank instead of hanging it.
  for (const Request& r : requests_) wait_event(device_->event(r.end), allreduce_name(r.count));
}

RequestTimes NcclCommunicator::times(int index) const {
  const Request& r = requests_.at(static_cast<std::size_t>(index));
  return {r.start, r.end};
}

void NcclCommunicator::exchange(const void* in, std::size_t in_bytes, void* out, std::size_t out_bytes,
                                const char* call, const char* what,
                                const std::function<int(const void*, void*)>& collective) {
  if (!comm_) throw CommTimeout("rank " + std::to_string(rank_) + ": the NCCL communicator was aborted");
  const std::size_t need = in_bytes + out_bytes;
  if (need > control_bytes_) {
    DPCAST_CUDA_CHECK(cudaStreamSynchronize(stream_));  // nothing queued still uses the old buffers
    if (control_device_) device_->release(std::exchange(control_device_, nullptr));
    if (control_host_) (void)cudaFreeHost(std::exchange(control_host_, nullptr));
    control_bytes_ = 0;
    const std::size_t bytes = std::max<std::size_t>(need, 4096);
    control_device_ = device_->allocate(bytes);
    DPCAST_CUDA_CHECK(cudaMallocHost(&control_host_, bytes));
    control_bytes_ = bytes;
  }
  auto* host = static_cast<char*>(control_host_);
  auto* dev = static_cast<char*>(control_device_);
  if (in_bytes > 0) {
    std::memcpy(host, in, in_bytes);
    DPCAST_CUDA_CHECK(cudaMemcpyAsync(dev, host, in_bytes, cudaMemcpyHostToDevice, stream_));
  }
  settle(collective(dev, dev + in_bytes), call, what);
  if (out_bytes > 0)
    DPCAST_CUDA_CHECK(cudaMemcpyAsync(host + in_bytes, dev + in_bytes, out_bytes, cudaMemcpyDeviceToHost, stream_));
  DPCAST_CUDA_CHECK(cudaEventRecord(control_done_, stream_));
  wait_event(control_done_, what);
  if (out_bytes > 0) std::memcpy(out, host + in_bytes, out_bytes);
}

double NcclCommunicator::sum(double value) {
  double total = 0;
  exchange(&value, sizeof value, &total, sizeof total, "ncclAllReduce", "the loss all-reduce",
           [&](const void* in, void* out) {
             return static_cast<int>(ncclAllReduce(in, out, 1, ncclDouble, ncclSum, comm_, stream_));
           });
  return total;
}

long long NcclCommunicator::broadcast(long long value) {
  std::int64_t v = value, result = 0;
  exchange(&v, sizeof v, &result, sizeof result, "ncclBroadcast", "a broadcast from rank 0",
           [&](const void* in, void* out) {
             return static_cast<int>(ncclBroadcast(in, out, 1, ncclInt64, 0, comm_, stream_));
           });
  return static_cast<long long>(result);
}

std::vector<std::vector<double>> NcclCommunicator::gather(const std::vector<double>& mine) {
  // Everyone's count, then everyone's values padded to the longest (an all-gather: NCCL has
  // no gather to one rank); rank 0 keeps them.
  const auto ranks = static_cast<std::size_t>(size_);
  const std::int64_t count = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> counts(ranks, 0);
  exchange(&count, sizeof count, counts.data(), counts.size() * sizeof(std::int64_t), "ncclAllGather",
           "a gather to rank 0", [&](const void* in, void* out) {
             return static_cast<int>(ncclAllGather(in, out, 1, ncclInt64, comm_, stream_));
           });
  const std::int64_t longest = *std::max_element(counts.begin(), counts.end());
  std::vector<double> all(ranks * static_cast<std::size_t>(longest), 0.0);
  if (longest > 0) {
    std::vector<double> padded(mine);
    padded.resize(static_cast<std::size_t>(longest), 0.0);
    exchange(padded.data(), padded.size() * sizeof(double), all.data(), all.size() * sizeof(double), "ncclAllGather",
             "a gather to rank 0", [&](const void* in, void* out) {
               return static_cast<int>(
                   ncclAllGather(in, out, static_cast<std::size_t>(longest), ncclDouble, comm_, stream_));
             });
  }
  std::vector<std::vector<double>> result;
  if (rank_ != 0) return result;
  for (std::size_t r = 0; r < ranks; ++r) {
    const auto first = all.begin() + static_cast<std::ptrdiff_t>(r * static_cast<std::size_t>(longest));
    result.emplace_back(first, first + static_cast<std::ptrdiff_t>(counts[r]));
  }
  return result;
}

void NcclCommunicator::shutdown() {
  if (!comm_) return;
  settle(ncclCommFinalize(comm_), "ncclCommFinalize", "closing the NCCL communicator");
  const ncclResult_t r = ncclCommDestroy(comm_);
  comm_ = nullptr;
  if (r != ncclSuccess && r != ncclInProgress) throw CudaError("ncclCommDestroy: " + nccl_error(r, nullptr));
}

}  // namespace dpcast::real::cuda
