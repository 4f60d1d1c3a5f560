#pragma once
// `mpirun -n K dpcast predict SWEEP`: the configurations are dealt round-robin to the ranks
// (neighbouring configurations often cost alike), each predicts its share, and rank 0
// gathers every record in sweep order and writes the one result. A plain run (no mpirun, or
// one rank) predicts everything itself. MPI is initialised only when mpirun started us.
#include <functional>
#include <vector>

#include "dpcast/models/run_record.hpp"

namespace dpcast::cli {

/// Thrown on ranks other than 0 when the sweep failed: rank 0 reports the error, the others
/// exit with the same status quietly.
struct FailedOnAnotherRank {};

class MpiSweep {
 public:
  /// Joins the MPI job when mpirun (or another PMI launcher) started several ranks.
  MpiSweep();
  ~MpiSweep();
  MpiSweep(const MpiSweep&) = delete;
  MpiSweep& operator=(const MpiSweep&) = delete;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  /// Whether this rank writes the output (rank 0, or a plain run).
  [[nodiscard]] bool writes() const { return rank_ == 0; }

  /// Runs `predict(i)` for this rank's share of `count` configurations and returns every
  /// record in order on rank 0 (an empty list elsewhere). An error on any rank (the first in
  /// configuration order) is thrown as dpcast::Error on rank 0 and as FailedOnAnotherRank on
  /// the others, so all ranks exit alike and the message is printed once.
  [[nodiscard]] std::vector<models::RunRecord> map(std::size_t count,
                                                   const std::function<models::RunRecord(std::size_t)>& predict,
                                                   bool details);

 private:
  int rank_ = 0;
  int size_ = 1;
  bool initialised_ = false;
};

}  // namespace dpcast::cli
