#pragma once
// RunRecord: the one currency of dpcast. Predicted and measured steps are written and
// read by the same code, so every figure can be compared with its twin. JSON keys are
// snake_case and carry their units.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dpcast::models {

/// JSON that keeps keys in the order written (records read naturally; sweep order survives).
using Json = nlohmann::ordered_json;

struct LayerTiming {
  std::string name;
  std::string kind;
  std::int64_t params = 0;
  double forward_flops = 0;
  double backward_flops = 0;
  double forward_s = 0;
  double backward_s = 0;
  double activation_bytes = 0;
};

struct BucketTiming {
  int id = 0;
  double bytes = 0;
  int layers = 0;
  double ready_s = 0;  // when its last gradient is computed (from the start of backward)
  double start_s = 0;  // when its collective starts
  double end_s = 0;
  std::string algorithm;
};

/// A ZeRO parameter all-gather: a bucket's before its forward or its backward (ZeRO-3, in the
/// last micro-step), or every parameter after the optimizer (ZeRO-1/2). Times from the start of
/// the step.
struct GatherTiming {
  int bucket = -1;    // -1: every parameter, after the optimizer
  std::string phase;  // "forward", "backward", "after the optimizer"
  double bytes = 0;
  double start_s = 0;
  double end_s = 0;
  std::string algorithm;
};

/// Where the last micro-step sits in the step (the slowest rank's; from the start of the step):
/// with ZeRO-2 and 3 every micro-step waits for its collectives, so micro-steps start at
/// multiples of last_micro_step_start_s / (micro-steps - 1).
struct StepMarks {
  double last_micro_step_start_s = 0;
  double last_backward_start_s = 0;  // the origin of BucketTiming's times
};

struct Breakdown {
  double forward_s = 0;       // all micro-steps
  double backward_s = 0;      // all micro-steps
  double exposed_comm_s = 0;  // communication not hidden behind backward
  double comm_total_s = 0;    // all collectives, hidden or not
  double optimizer_s = 0;
  double stragglers_s = 0;    // waiting for the slowest rank's compute (compute noise)
  double interference_s = 0;  // compute slowed by the collectives it overlaps (sim/interference.hpp)
};

struct MemoryBreakdown {
  double params_bytes = 0;
  double grads_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0;
  double comm_buffers_bytes = 0;
  double reserved_bytes = 0;
  double total_bytes = 0;
  double capacity_bytes = 0;
};

struct RunRecord {
  std::string kind = "predicted";  // predicted | measured
  std::string engine;              // analytical | des | cpu | cuda
  std::string scenario_name;
  std::string scenario_file;
  // The configuration as a scenario file of its own (scenario_yaml.hpp), so a stored record
  // can be predicted again anywhere; and the calibrated profile a prediction used, if any.
  std::string scenario_yaml;
  std::string profile;
  // Predictions: where their numbers come from, in one sentence (catalogue defaults and the
  // validated error of the nearest published data set, or the calibrated profile and its error).
  std::string provenance;
  std::vector<std::pair<std::string, std::string>> sweep_point;

  // The configuration.
  std::string model;
  std::string gpu;
  std::string node;
  std::string network;  // topology and link, e.g. "fat-tree ib-ndr 1:1"
  int nodes = 1;
  int gpus_per_node = 1;
  int gpus = 1;
  std::int64_t micro_batch = 1;
  std::int64_t seq_len = 0;
  std::int64_t grad_accumulation = 1;
  std::int64_t global_batch = 1;
  std::string precision;
  std::string optimizer;
  int zero_stage = 0;
  double bucket_bytes = 0;
  std::int64_t params = 0;

  // The figures.
  bool feasible = true;  // false: out of memory (step figures are then absent)
  double step_time_s = 0;
  std::pair<double, double> step_time_spread_s{0, 0};  // p10, p90
  double samples_per_s = 0;
  double tokens_per_s = 0;
  double scaling_efficiency = 0;
  double mfu = 0;
  std::optional<double> cost_per_step_usd;
  Breakdown breakdown;
  MemoryBreakdown memory;
  std::int64_t max_micro_batch = 0;  // the largest that fits in memory
  std::string collective_algorithm;
  std::string collective_why;
  std::vector<LayerTiming> layers;
  std::vector<BucketTiming> buckets;
  std::vector<GatherTiming> gathers;  // ZeRO-1/2/3 on more than one GPU
  StepMarks marks;

  // Measured runs only (absent from predictions; written only when non-empty).
  std::vector<double> loss_per_step;  // the mean loss of every step run, warm-up steps first
  std::vector<double> step_times_s;   // every measured step's time (the slowest rank's), after warm-up
};

[[nodiscard]] Json to_json(const RunRecord& r, bool with_details = true);
/// Reads a record back; throws dpcast::Error naming the key on a malformed one.
[[nodiscard]] RunRecord record_from_json(const Json& j);
/// Parses JSON text read from `file`: a syntax error, a number beyond double or nesting deeper
/// than kMaxNesting is a dpcast::Error naming the file ("not JSON: ...").
[[nodiscard]] Json parse_json(const std::string& text, const std::string& file);

}  // namespace dpcast::models
