#pragma once
// One span of a Chrome trace (the JSON Perfetto and chrome://tracing open): a "complete"
// event, times in microseconds. Predicted traces (sim/trace) and measured ones (real/
// measurement) write the same events, so the two open side by side.
#include <string>

#include "dpcast/models/run_record.hpp"

namespace dpcast::models {

inline constexpr double kTraceMicros = 1e6;  // Chrome trace times are microseconds

/// The event `name` of `category` from `start_s` for `duration_s` on process `pid`, track `tid`.
[[nodiscard]] inline Json trace_event(const std::string& name, const std::string& category, double start_s,
                                      double duration_s, int pid, int tid, Json args = Json::object()) {
  return Json{{"name", name},
              {"cat", category},
              {"ph", "X"},
              {"ts", start_s * kTraceMicros},
              {"dur", duration_s * kTraceMicros},
              {"pid", pid},
              {"tid", tid},
              {"args", std::move(args)}};
}

}  // namespace dpcast::models
