#pragma once
// `mpirun -n K dpcast predict SWEEP`: the configurations are dealt round-robin to the ranks
// (neighbouring configurations often cost alike), each predicts its share, and rank 0
// gathers every record in sweep order and writes the one result. A plain run (no mpirun, or
// one rank) predicts everything itself. MPI is initialised only when mpirun started us.
#include <functional>
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"

namespace dpcast::cli {

/// Thrown on ranks other than 0 when the sweep failed: rank 0 reports the error, the others
/// exit with the same status quietly.
struct FailedOnAnotherRank {};

/// predict --comm-timeout's default, in seconds.
inline constexpr double kDefaultCommTimeoutS = 300;

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

  /// Bounds every wait on another rank: a rank that has finished its share waits for the
  /// others at most as long again as its share took, plus `comm_timeout_s`; then it says which
  /// rank it missed and ends the job (MPI_Abort, exit status 1). `fault_stop_rank` (tests
  /// only; -1: none) stops that rank with SIGSTOP once its share is done, as a hung rank.
  void set_wait(double comm_timeout_s, int fault_stop_rank = -1);

  /// Runs `predict(i)` for this rank's share of `count` configurations and returns every
  /// record in order on rank 0 (an empty list elsewhere). An error on any rank (the first in
  /// configuration order) is thrown as dpcast::Error on rank 0 and as FailedOnAnotherRank on
  /// the others, so all ranks exit alike and the message is printed once.
  [[nodiscard]] std::vector<models::RunRecord> map(std::size_t count,
                                                   const std::function<models::RunRecord(std::size_t)>& predict,
                                                   bool details);

 private:
  [[nodiscard]] std::string predict_share(std::size_t count,
                                          const std::function<models::RunRecord(std::size_t)>& predict,
                                          bool details) const;
  [[nodiscard]] std::vector<models::RunRecord> gather_on_rank0(std::size_t count, const std::string& mine, double limit,
                                                               std::string& first_error) const;
  void send_verdict(const std::string& first_error, double limit) const;
  void send_share(const std::string& mine, double limit) const;
  [[nodiscard]] std::string receive_verdict(double limit) const;

  int rank_ = 0;
  int size_ = 1;
  bool initialised_ = false;
  double comm_timeout_s_ = kDefaultCommTimeoutS;
  int fault_stop_rank_ = -1;
};

}  // namespace dpcast::cli
