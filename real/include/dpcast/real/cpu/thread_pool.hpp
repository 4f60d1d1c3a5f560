#pragma once
// A fixed set of helper threads for the CPU kernels' row loops when a rank computes with more
// than one thread (--threads). With one thread, parallel_for runs inline: no thread, no lock.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dpcast::real::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  [[nodiscard]] int threads() const { return threads_; }
  /// Calls fn(begin, end, worker) over [0, count) split into one contiguous range per thread
  /// (worker in 0..threads-1); returns when all are done. `min_per_thread` keeps small loops inline.
  void parallel_for(std::int64_t count, const std::function<void(std::int64_t, std::int64_t, int)>& fn,
                    std::int64_t min_per_thread = 1);

 private:
  void work(int worker);
  int threads_;
  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(std::int64_t, std::int64_t, int)>* job_ = nullptr;
  std::int64_t count_ = 0;
  int parts_ = 0;
  std::uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace dpcast::real::cpu
