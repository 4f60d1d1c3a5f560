#pragma once
// The MPI transport: one non-blocking in-place MPI_Iallreduce (sum) per gradient bucket.
//
// OpenMPI progresses non-blocking collectives only inside MPI calls, so something must call
// MPI while backward runs. Two ways, chosen with Progress:
//  * Test:   the trainer calls progress() (MPI_Test on every open request) after each layer's
//            backward; completion is seen at layer granularity. MPI_THREAD_FUNNELED.
//  * Thread: a communication thread owns MPI during backward: it starts each queued bucket's
//            MPI_Iallreduce and polls MPI_Test, sleeping briefly between polls, until all are
//            done. Only one thread calls MPI at a time, so MPI_THREAD_SERIALIZED suffices.
// Thread is the default. Measured at 2 ranks on this project's 2-core machine (medians of
// 5 alternating runs, real/README.md): on a quiet machine Test is 2-5% faster (MLP 9.7 ms
// vs 10.2 ms, GPT 21.5 vs 22.0 ms; overlap itself gains little there, the buckets are
// small), but when other processes share the cores Test doubles the step (GPT 47.6 vs
// 23.3 ms, MLP 17.7 vs 7.9 ms): a rank descheduled between two layers stalls the collective
// for its peer, while a communication thread keeps it moving.
//
// Every wait is bounded by `timeout_s`: when another rank dies OpenMPI's runtime normally
// stops the job within seconds (mpirun kills the survivors), but a rank that hangs, or a
// launcher that does not clean up, would leave the others in MPI_Wait forever; here they
// throw CommTimeout instead.
#include <mpi.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dpcast/real/communicator.hpp"

namespace dpcast::real::mpi {

enum class Progress { Test, Thread };

/// MPI_Init_thread / MPI_Finalize for the life of the object, at the thread level `progress` needs.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv, Progress progress);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  [[nodiscard]] int rank() const;
  [[nodiscard]] int size() const;
  /// Ends every rank of the job now (after a fatal error on this one).
  [[noreturn]] static void abort(int status);
  /// This rank's index among the ranks on its node (MPI_COMM_TYPE_SHARED): the GPU it drives.
  [[nodiscard]] int local_rank() const;
  /// Rank 0's `bytes` on every rank (MPI_Bcast; blocking, for start-up: the NCCL id).
  void broadcast_bytes(std::string& bytes) const;
};

struct MpiOptions {
  Progress progress = Progress::Thread;
  double timeout_s = 60;  // longest wait for any collective before CommTimeout
  /// While waiting (and in the communication thread): poll without pause for spin_s, then
  /// sleep poll_sleep_s between polls that finish nothing.
  double spin_s = 100e-6;
  double poll_sleep_s = 20e-6;
};

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(Device& device, MpiOptions options = {});
  ~MpiCommunicator() override;

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] std::string name() const override { return "mpi"; }
  [[nodiscard]] std::string describe() const override;
  int start_allreduce(float* data, std::size_t count) override;
  void progress() override;
  void wait_all() override;
  [[nodiscard]] RequestTimes times(int index) const override;
  void clear() override;
  [[nodiscard]] double sum(double value) override;
  [[nodiscard]] std::vector<std::vector<double>> gather(const std::vector<double>& mine) override;
  [[nodiscard]] long long broadcast(long long value) override;

 private:
  struct Request {
    float* data = nullptr;
    std::size_t count = 0;
    MPI_Request handle = MPI_REQUEST_NULL;
    bool started = false, done = false;
    RequestTimes times;
  };
  void wait_request(MPI_Request& request, const char* what);  // control exchanges
  [[noreturn]] void timed_out(const Request& r) const;
  void pause(std::chrono::steady_clock::time_point since) const;
  void thread_loop();

  Device* device_;
  MpiOptions options_;
  int rank_ = 0, size_ = 1;
  std::vector<Request> requests_;
  // Thread progress:
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable work_, finished_;
  std::size_t next_ = 0;  // the next queued request the thread starts
  bool stop_ = false;
};

}  // namespace dpcast::real::mpi
