#include "dpcast/sim/measured_record.hpp"

#include <cmath>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/record_config.hpp"

namespace dpcast::sim {

namespace {

void check_time(const std::string& key, double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0)
    throw Error(SourceLocation{}, key,
                "expected a positive time in seconds, got " + (std::ostringstream() << seconds).str());
}

void check(const MeasuredFigures& f) {
  check_time("step_time_s", f.step_time_s);
  for (const auto& [key, value] : {std::pair{"p10_s", f.p10_s}, std::pair{"p90_s", f.p90_s},
                                   std::pair{"forward_s", f.forward_s}, std::pair{"backward_s", f.backward_s}})
    if (value) check_time(key, *value);
  if (f.exposed_comm_s && (!std::isfinite(*f.exposed_comm_s) || *f.exposed_comm_s < 0))
    throw Error(SourceLocation{}, "exposed_comm_s", "expected a time of 0 s or more");
  if (f.p10_s.has_value() != f.p90_s.has_value())
    throw Error(SourceLocation{}, f.p10_s ? "p90_s" : "p10_s", "give p10 and p90 together, or neither");
  if (f.p10_s && (*f.p10_s > f.step_time_s || f.step_time_s > *f.p90_s))
    throw Error(SourceLocation{}, "p10_s", "expected p10 <= step time <= p90");
}

}  // namespace

models::RunRecord measured_record(const models::Scenario& scenario, const MeasuredFigures& f) {
  check(f);
  models::RunRecord r = models::configured_record(scenario, scenario.model.build(scenario.seq_len()));
  r.kind = "measured";
  r.engine = f.engine;
  r.feasible = true;
  r.step_time_s = f.step_time_s;
  r.step_time_spread_s = f.p10_s ? std::pair{*f.p10_s, *f.p90_s} : std::pair{0.0, 0.0};
  r.breakdown.forward_s = f.forward_s.value_or(0);
  r.breakdown.backward_s = f.backward_s.value_or(0);
  r.breakdown.exposed_comm_s = f.exposed_comm_s.value_or(0);
  r.samples_per_s = static_cast<double>(r.global_batch) / r.step_time_s;
  r.tokens_per_s = r.seq_len > 0 ? r.samples_per_s * static_cast<double>(r.seq_len) : 0;
  return r;
}

}  // namespace dpcast::sim
