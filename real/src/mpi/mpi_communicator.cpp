#include "dpcast/real/mpi/mpi_communicator.hpp"

#include <chrono>
#include <string>

#include "dpcast/models/error.hpp"

namespace dpcast::real::mpi {
namespace {
using Clock = std::chrono::steady_clock;

Clock::time_point deadline(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}
}  // namespace

MpiSession::MpiSession(int& argc, char**& argv, Progress progress) {
  const int required = progress == Progress::Thread ? MPI_THREAD_SERIALIZED : MPI_THREAD_FUNNELED;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, required, &provided);
  if (provided < required) {
    MPI_Finalize();
    throw Error("this MPI library does not provide the thread support the progress thread needs");
  }
  // Errors come back as return codes (and timeouts as CommTimeout) instead of aborting inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int MpiSession::rank() const {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int MpiSession::size() const {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void MpiSession::abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);  // MPI_Abort does not return; this is for the compiler
}

int MpiSession::local_rank() const {
  MPI_Comm node = MPI_COMM_NULL;
  int r = 0;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) != MPI_SUCCESS)
    throw Error("MPI_Comm_split_type failed: cannot tell this rank's place on its node");
  MPI_Comm_rank(node, &r);
  MPI_Comm_free(&node);
  return r;
}

void MpiSession::broadcast_bytes(std::string& bytes) const {
  long long n = static_cast<long long>(bytes.size());
  if (MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD) != MPI_SUCCESS) throw Error("MPI_Bcast failed");
  bytes.resize(static_cast<std::size_t>(n));
  if (n > 0 && MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    throw Error("MPI_Bcast failed");
}

MpiCommunicator::MpiCommunicator(Device& device, MpiOptions options) : device_(&device), options_(options) {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (options_.progress == Progress::Thread) thread_ = std::thread([this] { thread_loop(); });
}

MpiCommunicator::~MpiCommunicator() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    work_.notify_all();
    thread_.join();
  }
}

std::string MpiCommunicator::describe() const {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string library(version, static_cast<std::size_t>(length));
  library = library.substr(0, library.find_first_of(",\n"));
  return "MPI's all-reduce: MPI_Iallreduce (sum, in place) per bucket, algorithm chosen by " + library +
         (options_.progress == Progress::Thread ? "; progressed by a communication thread"
                                                : "; progressed by MPI_Test between layers");
}

int MpiCommunicator::start_allreduce(float* data, std::size_t count) {
  if (count > static_cast<std::size_t>(INT32_MAX)) throw Error("an all-reduce of more than 2^31 floats");
  if (options_.progress == Progress::Thread) {
    std::lock_guard lock(mutex_);
    requests_.push_back({data, count, MPI_REQUEST_NULL, false, false, {}});
    work_.notify_one();
    return static_cast<int>(requests_.size()) - 1;
  }
  Request r{data, count, MPI_REQUEST_NULL, true, false, {}};
  r.times.start = device_->mark();
  if (MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r.handle) !=
      MPI_SUCCESS)
    throw CommTimeout("rank " + std::to_string(rank_) + ": MPI_Iallreduce failed");
  requests_.push_back(r);
  return static_cast<int>(requests_.size()) - 1;
}

void MpiCommunicator::progress() {
  if (options_.progress == Progress::Thread) return;  // the thread does it
  for (Request& r : requests_) {
    if (r.done) continue;
    int flag = 0;
    if (MPI_Test(&r.handle, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      throw CommTimeout("rank " + std::to_string(rank_) + ": an all-reduce failed");
    if (flag) {
      r.done = true;
      r.times.end = device_->mark();
    }
  }
}

void MpiCommunicator::pause(Clock::time_point since) const {
  // Poll flat out for a short while (small messages finish within microseconds), then sleep
  // between polls: a rank spinning for long takes a core another rank or process needs.
  if (Clock::now() - since < std::chrono::duration<double>(options_.spin_s)) return;
  if (options_.poll_sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(options_.poll_sleep_s));
}

void MpiCommunicator::timed_out(const Request& r) const {
  throw CommTimeout("rank " + std::to_string(rank_) + ": " + not_finished(allreduce_name(r.count), options_.timeout_s));
}

void MpiCommunicator::wait_all() {
  const auto since = Clock::now();
  const auto until = deadline(options_.timeout_s);
  if (options_.progress == Progress::Thread) {
    std::unique_lock lock(mutex_);
    auto all_done = [&] {
      for (const Request& r : requests_)
        if (!r.done) return false;
      return true;
    };
    if (!finished_.wait_until(lock, until, all_done))
      for (const Request& r : requests_)
        if (!r.done) timed_out(r);
    return;
  }
  while (true) {
    progress();
    bool all = true;
    for (const Request& r : requests_) all = all && r.done;
    if (all) return;
    if (Clock::now() > until)
      for (const Request& r : requests_)
        if (!r.done) timed_out(r);
    pause(since);
  }
}

RequestTimes MpiCommunicator::times(int index) const {
  std::lock_guard lock(mutex_);
  return requests_.at(static_cast<std::size_t>(index)).times;
}

void MpiCommunicator::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
  next_ = 0;
}

void MpiCommunicator::thread_loop() {
  struct Active {
    std::size_t index;
    MPI_Request handle;
  };
  std::vector<Active> active;
  auto last_event = Clock::now();  // the last start or completion
  while (true) {
    std::vector<std::pair<std::size_t, Request>> to_start;
    {
      std::unique_lock lock(mutex_);
      if (active.empty()) work_.wait(lock, [&] { return stop_ || next_ < requests_.size(); });
      // Stopping with requests still open happens only on the way to an abort (a timeout):
      // leave them, so the destructor's join cannot wait on a peer that is gone.
      if (stop_) return;
      for (; next_ < requests_.size(); ++next_) to_start.emplace_back(next_, requests_[next_]);
    }
    for (auto& [index, r] : to_start) {
      MPI_Request handle = MPI_REQUEST_NULL;
      const Mark start = device_->mark();
      MPI_Iallreduce(MPI_IN_PLACE, r.data, static_cast<int>(r.count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &handle);
      active.push_back({index, handle});
      last_event = Clock::now();
      std::lock_guard lock(mutex_);
      requests_[index].started = true;
      requests_[index].times.start = start;
    }
    std::vector<std::pair<std::size_t, Mark>> finished;
    for (auto it = active.begin(); it != active.end();) {
      int flag = 0;
      MPI_Test(&it->handle, &flag, MPI_STATUS_IGNORE);
      if (flag) {
        finished.emplace_back(it->index, device_->mark());
        it = active.erase(it);
      } else {
        ++it;
      }
    }
    if (!finished.empty()) {
      last_event = Clock::now();
      {
        std::lock_guard lock(mutex_);
        for (auto [index, end] : finished) {
          requests_[index].done = true;
          requests_[index].times.end = end;
        }
      }
      finished_.notify_all();
    } else if (!active.empty()) {
      pause(last_event);
    }
  }
}

void MpiCommunicator::wait_request(MPI_Request& request, const char* what) {
  const auto since = Clock::now();
  const auto until = deadline(options_.timeout_s);
  while (true) {
    int flag = 0;
    if (MPI_Test(&request, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      throw CommTimeout("rank " + std::to_string(rank_) + ": " + what + " failed");
    if (flag) return;
    pause(since);
    if (Clock::now() > until)
      throw CommTimeout("rank " + std::to_string(rank_) + ": " + not_finished(what, options_.timeout_s));
  }
}

double MpiCommunicator::sum(double value) {
  double total = 0;
  MPI_Request request;
  MPI_Iallreduce(&value, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &request);
  wait_request(request, "the loss all-reduce");
  return total;
}

std::vector<std::vector<double>> MpiCommunicator::gather(const std::vector<double>& mine) {
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Request request;
  MPI_Igather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
  wait_request(request, "a gather to rank 0");
  std::vector<int> displacements(counts.size(), 0);
  int total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    displacements[r] = total;
    total += counts[r];
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  MPI_Igatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0,
               MPI_COMM_WORLD, &request);
  wait_request(request, "a gather to rank 0");
  std::vector<std::vector<double>> out;
  for (std::size_t r = 0; r < counts.size(); ++r)
    out.emplace_back(all.begin() + displacements[r], all.begin() + displacements[r] + counts[r]);
  return out;
}

long long MpiCommunicator::broadcast(long long value) {
  MPI_Request request;
  MPI_Ibcast(&value, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD, &request);
  wait_request(request, "a broadcast from rank 0");
  return value;
}

}  // namespace dpcast::real::mpi
