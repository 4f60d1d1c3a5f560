#pragma once
// One predicted step as a Chrome trace (traceEvents, ph "X", microseconds), which Perfetto and
// chrome://tracing open: one process per rank, compute on thread 1 and communication on
// thread 2, bucket id, bytes and algorithm in the args. Ranks compute at their own speed
// (compute noise) and meet at the collectives, which start when the slowest rank is ready.
// With more than one GPU, a last process ("links (utilisation %)", pid = the GPU count) holds
// a counter track ("ph": "C") per link the ranks shown use (link_load.hpp).
#include <cstdint>
#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

/// The micro-steps a trace shows one by one; beyond, it shows micro-steps 0, 1 and the last,
/// and those between as one span per track (they repeat micro-step 1, as the DES plays them).
inline constexpr std::int64_t kTracedMicroSteps = 16;

/// The trace of `record` (which needs its layers and buckets) for the first `max_ranks` ranks.
[[nodiscard]] models::Json chrome_trace(const models::RunRecord& record, const models::Scenario& scenario,
                                        int max_ranks = 8);
/// The same for the ranks listed (0-based, each below the record's GPU count, in order).
[[nodiscard]] models::Json chrome_trace(const models::RunRecord& record, const models::Scenario& scenario,
                                        const std::vector<int>& ranks);

/// The most ranks one trace holds: each adds every layer's forward and backward events, and a
/// viewer has no use for thousands of identical rows.
inline constexpr int kMaxTraceRanks = 1024;

/// "8" (the first 8 ranks) or a list of ranks and ranges, "0,32,64" or "0-3,60-63", as
/// `--trace-ranks` takes it, for a configuration of `gpus` GPUs. Throws dpcast::Error (key
/// --trace-ranks) on anything else, a rank beyond the GPUs, or more than kMaxTraceRanks ranks.
[[nodiscard]] std::vector<int> trace_ranks(const std::string& text, int gpus);

}  // namespace dpcast::sim
