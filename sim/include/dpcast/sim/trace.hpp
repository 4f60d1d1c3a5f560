#pragma once
// One predicted step as a Chrome trace (traceEvents, ph "X", microseconds), which Perfetto and
// chrome://tracing open: one process per rank, compute on thread 1 and communication on
// thread 2, bucket id, bytes and algorithm in the args. Ranks compute at their own speed
// (compute noise) and meet at the collectives, which start when the slowest rank is ready.
#include <string>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// The trace of `record` (which needs its layers and buckets) for the first `max_ranks` ranks.
[[nodiscard]] models::Json chrome_trace(const models::RunRecord& record, const models::Scenario& scenario,
                                        int max_ranks = 8);

}  // namespace dpcast::sim
