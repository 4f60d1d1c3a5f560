#include "mpi_sweep.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "dpcast/models/error.hpp"

#ifdef DPCAST_HAVE_MPI
#include <mpi.h>
#endif

namespace dpcast::cli {
namespace {

// The world size a launcher announced in the environment (1 when none did).
int launched_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(name); v && *v) return std::max(1, std::atoi(v));
  return 1;
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

MpiSweep::MpiSweep() {
  if (launched_ranks() <= 1) return;
#ifdef DPCAST_HAVE_MPI
  MPI_Init(nullptr, nullptr);
  initialised_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#else
  throw Error("dpcast: started by mpirun with " + std::to_string(launched_ranks()) +
              " ranks, but this dpcast was built without MPI (install libopenmpi-dev and rebuild)");
#endif
}

MpiSweep::~MpiSweep() {
#ifdef DPCAST_HAVE_MPI
  if (initialised_) MPI_Finalize();
#endif
}

void MpiSweep::set_wait(double comm_timeout_s, int fault_stop_rank) {
  comm_timeout_s_ = comm_timeout_s;
  fault_stop_rank_ = fault_stop_rank;
}

std::vector<models::RunRecord> MpiSweep::map(std::size_t count,
                                             const std::function<models::RunRecord(std::size_t)>& predict,
                                             bool details) {
  if (size_ == 1) {
    std::vector<models::RunRecord> records;
    for (std::size_t i = 0; i < count; ++i) records.push_back(predict(i));
    return records;
  }
  const auto start = Clock::now();
  const std::string mine = predict_share(count, predict, details);
  // A rank waits for the others about as long as its own share took, and --comm-timeout more.
  const double limit = seconds_since(start) + comm_timeout_s_;
  if (rank_ == fault_stop_rank_) std::raise(SIGSTOP);  // (a test's hung rank)
  std::string first_error;
  std::vector<models::RunRecord> records;
  if (rank_ == 0) {
    records = gather_on_rank0(count, mine, limit, first_error);
    send_verdict(first_error, limit);
  } else {
    send_share(mine, limit);
    first_error = receive_verdict(limit);
  }
  if (!first_error.empty()) {
    if (rank_ == 0) throw Error(first_error);
    throw FailedOnAnotherRank{};
  }
  return records;
}

// This rank's share, as JSON: [{"index": i, "record": ...} or {"index": i, "error": ...}].
std::string MpiSweep::predict_share(std::size_t count, const std::function<models::RunRecord(std::size_t)>& predict,
                                    bool details) const {
  models::Json mine = models::Json::array();
  for (std::size_t i = static_cast<std::size_t>(rank_); i < count; i += static_cast<std::size_t>(size_)) {
    try {
      mine.push_back({{"index", i}, {"record", models::to_json(predict(i), details)}});
    } catch (const Error& e) {
      mine.push_back({{"index", i}, {"error", e.what()}});
      break;  // later configurations of this rank would only repeat or hide the first error
    }
  }
  return mine.dump();
}

#ifdef DPCAST_HAVE_MPI
namespace {

constexpr int kShareTag = 1;    // a rank's records, to rank 0
constexpr int kVerdictTag = 2;  // rank 0's first error ("" when none), to every rank

std::string shown_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

// Every wait on another rank polls (a stopped rank must not stop this one) until `limit`
// seconds after `start`; past it the job is ended with a message naming what was missing.
[[noreturn]] void give_up(int rank, const std::string& what, double waited_s, double timeout_s) {
  std::cerr << "dpcast predict: rank " << rank << ": " << what << " after waiting " << shown_seconds(waited_s)
            << " s (its own share's time, and --comm-timeout " << shown_seconds(timeout_s)
            << " s): another rank has died or hangs\n"
            << std::flush;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this is for the compiler
}

void pause_briefly() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// Completes `request`, polling until `deadline`; false if it has not completed by then.
bool complete(MPI_Request& request, Clock::time_point deadline) {
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    if (Clock::now() > deadline) return false;
    pause_briefly();
  }
}

// The next message with `tag` from `source` (or any), polling until `deadline`.
std::optional<std::pair<int, std::string>> receive(int source, int tag, Clock::time_point deadline) {
  MPI_Status status;
  for (int arrived = 0;;) {
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &arrived, &status);
    if (arrived) break;
    if (Clock::now() > deadline) return std::nullopt;
    pause_briefly();
  }
  int length = 0;
  MPI_Get_count(&status, MPI_CHAR, &length);
  std::string text(static_cast<std::size_t>(length), '\0');
  MPI_Recv(text.data(), length, MPI_CHAR, status.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return std::pair{status.MPI_SOURCE, std::move(text)};
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

std::vector<models::RunRecord> MpiSweep::gather_on_rank0(std::size_t count, const std::string& mine, double limit,
                                                         std::string& first_error) const {
  const auto start = Clock::now();
  const auto deadline = deadline_after(limit);
  std::vector<std::string> shares(static_cast<std::size_t>(size_));
  shares[0] = mine;
  std::vector<bool> heard(static_cast<std::size_t>(size_), false);
  heard[0] = true;
  for (int received = 1; received < size_; ++received) {
    auto message = receive(MPI_ANY_SOURCE, kShareTag, deadline);
    if (!message) {
      std::string missing;
      for (int r = 1; r < size_; ++r)
        if (!heard[static_cast<std::size_t>(r)]) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      give_up(rank_, "no results from rank " + missing, seconds_since(start), comm_timeout_s_);
    }
    heard[static_cast<std::size_t>(message->first)] = true;
    shares[static_cast<std::size_t>(message->first)] = std::move(message->second);
  }
  std::vector<models::Json> by_index(count);
  std::size_t error_index = count;
  for (const auto& share : shares)
    for (const auto& item : models::Json::parse(share)) {
      const auto i = item.at("index").get<std::size_t>();
      if (item.contains("error") && i < error_index) error_index = i, first_error = item["error"].get<std::string>();
      if (item.contains("record")) by_index[i] = item["record"];
    }
  std::vector<models::RunRecord> records;
  if (first_error.empty())
    for (const auto& j : by_index) records.push_back(models::record_from_json(j));
  return records;
}

// Every rank learns whether the sweep failed, and why, so all exit alike.
void MpiSweep::send_verdict(const std::string& first_error, double limit) const {
  const auto start = Clock::now();
  const auto deadline = deadline_after(limit);
  std::vector<MPI_Request> requests(static_cast<std::size_t>(size_ - 1));
  for (int r = 1; r < size_; ++r)
    MPI_Isend(first_error.data(), static_cast<int>(first_error.size()), MPI_CHAR, r, kVerdictTag, MPI_COMM_WORLD,
              &requests[static_cast<std::size_t>(r - 1)]);
  for (int r = 1; r < size_; ++r)
    if (!complete(requests[static_cast<std::size_t>(r - 1)], deadline))
      give_up(rank_, "rank " + std::to_string(r) + " did not take the sweep's outcome", seconds_since(start),
              comm_timeout_s_);
}

void MpiSweep::send_share(const std::string& mine, double limit) const {
  const auto start = Clock::now();
  MPI_Request request;
  MPI_Isend(mine.data(), static_cast<int>(mine.size()), MPI_CHAR, 0, kShareTag, MPI_COMM_WORLD, &request);
  if (!complete(request, deadline_after(limit)))
    give_up(rank_, "rank 0 did not take its results", seconds_since(start), comm_timeout_s_);
}

std::string MpiSweep::receive_verdict(double limit) const {
  const auto start = Clock::now();
  auto message = receive(0, kVerdictTag, deadline_after(limit));
  if (!message) give_up(rank_, "no word from rank 0", seconds_since(start), comm_timeout_s_);
  return message->second;
}
#else
std::vector<models::RunRecord> MpiSweep::gather_on_rank0(std::size_t, const std::string&, double, std::string&) const {
  return {};
}
void MpiSweep::send_verdict(const std::string&, double) const {}
void MpiSweep::send_share(const std::string&, double) const {}
std::string MpiSweep::receive_verdict(double) const {
  return {};
}
#endif

}  // namespace dpcast::cli
