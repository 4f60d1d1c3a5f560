#include "mpi_sweep.hpp"

#include <cstdlib>
#include <string>

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

std::vector<models::RunRecord> MpiSweep::map(std::size_t count,
                                             const std::function<models::RunRecord(std::size_t)>& predict,
                                             bool details) {
  if (size_ == 1) {
    std::vector<models::RunRecord> records;
    for (std::size_t i = 0; i < count; ++i) records.push_back(predict(i));
    return records;
  }
#ifdef DPCAST_HAVE_MPI
  // This rank's share, as JSON: {"index": i, "record": ...} or {"index": i, "error": ...}.
  models::Json mine = models::Json::array();
  for (std::size_t i = static_cast<std::size_t>(rank_); i < count; i += static_cast<std::size_t>(size_)) {
    try {
      mine.push_back({{"index", i}, {"record", models::to_json(predict(i), details)}});
    } catch (const Error& e) {
      mine.push_back({{"index", i}, {"error", e.what()}});
      break;  // later configurations of this rank would only repeat or hide the first error
    }
  }
  const std::string text = mine.dump();
  int length = static_cast<int>(text.size());
  std::vector<int> lengths(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (rank_ == 0) {
    int total = 0;
    for (int r = 0; r < size_; ++r) offsets[r] = total, total += lengths[r];
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);

  std::vector<models::RunRecord> records;
  std::string first_error;
  if (rank_ == 0) {
    std::vector<models::Json> by_index(count);
    std::size_t error_index = count;
    for (int r = 0; r < size_; ++r)
      for (const auto& item : models::Json::parse(all.substr(offsets[r], lengths[r]))) {
        const auto i = item.at("index").get<std::size_t>();
        if (item.contains("error") && i < error_index) error_index = i, first_error = item["error"].get<std::string>();
        if (item.contains("record")) by_index[i] = item["record"];
      }
    if (first_error.empty())
      for (const auto& j : by_index) records.push_back(models::record_from_json(j));
  }
  // Every rank learns whether the sweep failed, and why, so all exit alike.
  int error_length = static_cast<int>(first_error.size());
  MPI_Bcast(&error_length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  first_error.resize(static_cast<std::size_t>(error_length));
  MPI_Bcast(first_error.data(), error_length, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (!first_error.empty()) {
    if (rank_ == 0) throw Error(first_error);
    throw FailedOnAnotherRank{};
  }
  return records;
#else
  return {};
#endif
}

}  // namespace dpcast::cli
