#include "dpcast/real/cpu/thread_pool.hpp"

#include <algorithm>

namespace dpcast::real::cpu {

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  for (int w = 1; w < threads_; ++w) helpers_.emplace_back([this, w] { work(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& t : helpers_) t.join();
}

namespace {
std::pair<std::int64_t, std::int64_t> part(std::int64_t count, int parts, int k) {
  const std::int64_t base = count / parts, extra = count % parts;
  const std::int64_t begin = k * base + std::min<std::int64_t>(k, extra);
  return {begin, begin + base + (k < extra ? 1 : 0)};
}
}  // namespace

void ThreadPool::parallel_for(std::int64_t count, const std::function<void(std::int64_t, std::int64_t, int)>& fn,
                              std::int64_t min_per_thread) {
  if (count <= 0) return;
  const int parts = static_cast<int>(
      std::min<std::int64_t>(threads_, std::max<std::int64_t>(1, count / std::max<std::int64_t>(1, min_per_thread))));
  if (parts <= 1) {
    fn(0, count, 0);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    count_ = count;
    parts_ = parts;
    pending_ = parts - 1;
    ++generation_;
  }
  start_.notify_all();
  const auto [b, e] = part(count, parts, 0);
  fn(b, e, 0);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  job_ = nullptr;
}

void ThreadPool::work(int worker) {
  std::uint64_t seen = 0;
  while (true) {
    std::unique_lock lock(mutex_);
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (worker >= parts_) continue;
    const auto* job = job_;
    const auto [b, e] = part(count_, parts_, worker);
    lock.unlock();
    (*job)(b, e, worker);
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace dpcast::real::cpu
