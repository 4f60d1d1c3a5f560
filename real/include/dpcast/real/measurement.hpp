#pragma once
// What a real run reports: a measured RunRecord that pairs with the prediction of the same
// scenario (its configuration filled by models::configured_record, its layer and bucket
// names the graph's), and a Chrome trace of one measured step.
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/real/trainer.hpp"

namespace dpcast::real {

/// The p-th percentile (0..100) with linear interpolation between order statistics (numpy's default).
[[nodiscard]] double percentile(std::vector<double> values, double p);

/// How the run was made, for the record.
struct RunContext {
  std::string engine;                // the device: "cpu", "cuda"
  std::string collective_algorithm;  // the transport: "mpi", "nccl"; "none" on one rank
  std::string collective_why;
};

/// The record of a run. `steps` are rank 0's steps (warm-up first); `slowest_step_s` is each
/// step's time on the slowest rank. Figures are medians over the steps after warm-up:
/// step_time_s and its p10/p90 spread from the slowest rank; breakdown_s, per-layer times
/// (per micro-step) and bucket timings (from the start of the last micro-step's backward,
/// as predictions count them) from rank 0.
[[nodiscard]] models::RunRecord measured_record(const models::Scenario& scenario, const Trainer& trainer,
                                                const std::vector<StepTimes>& steps,
                                                const std::vector<double>& slowest_step_s, const RunContext& context);

/// A Chrome trace (traceEvents, "X" events in microseconds) of one step: one process per
/// rank (`ranks[r]` is rank r's times of that step, from its own start), layer passes on the
/// compute thread, bucket all-reduces on the communication thread.
[[nodiscard]] models::Json measured_trace(const models::RunRecord& record, const Trainer& trainer,
                                          const std::vector<StepTimes>& ranks, int step);

}  // namespace dpcast::real
