#pragma once
// The validation corpus (scenarios/validation/, its README gives the format): published
// measurements of real clusters, one folder per source. Each case is a scenario (with
// dotted keys set), optionally a bare collective on its cluster, what the source measured
// and the figure it published. Read like every other input: an unknown key or a bad value
// is an error naming the file, line and key.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/scenario.hpp"

namespace dpcast::models {

/// What a source published. One table (EnumNames<Measure> below) gives each its name, unit
/// and meaning.
enum class Measure {
  StepTime,
  SamplesPerS,
  SamplesPerSPerGpu,
  TokensPerS,
  TokensPerSPerGpu,
  Mfu,
  ScalingEfficiency,
  CollectiveTime,
  AlgorithmBandwidth,
  BusBandwidth,
};

struct MeasureInfo {
  Measure value;
  std::string_view name;  // as cases.yaml writes it
  std::string_view unit;  // for people
  bool of_collective;     // a bare collective's figure (else a training step's)
  bool higher_is_faster;  // throughput, bandwidth, MFU (else a time)
};

template <>
struct EnumNames<Measure> {
  static constexpr std::array<MeasureInfo, 10> table{{
      {Measure::StepTime, "step_time_s", "s", false, false},
      {Measure::SamplesPerS, "samples_per_s", "samples/s", false, true},
      {Measure::SamplesPerSPerGpu, "samples_per_s_per_gpu", "samples/s per GPU", false, true},
      {Measure::TokensPerS, "tokens_per_s", "tokens/s", false, true},
      {Measure::TokensPerSPerGpu, "tokens_per_s_per_gpu", "tokens/s per GPU", false, true},
      {Measure::Mfu, "mfu", "fraction", false, true},
      {Measure::ScalingEfficiency, "scaling_efficiency", "fraction", false, true},
      {Measure::CollectiveTime, "time_us", "us", true, false},
      {Measure::AlgorithmBandwidth, "algbw_GBps", "GB/s", true, true},
      {Measure::BusBandwidth, "busbw_GBps", "GB/s", true, true},
  }};
};
[[nodiscard]] const MeasureInfo& info(Measure measure);

/// What kind of work a data set's cases are, for saying which data set a prediction is
/// nearest to: bare collectives, or training of a transformer, a CNN or an MLP.
enum class Workload { Collective, Transformer, Cnn, Mlp };
template <>
struct EnumNames<Workload> {
  static constexpr std::array<EnumName<Workload>, 4> table{{{Workload::Collective, "collective"},
                                                            {Workload::Transformer, "transformer"},
                                                            {Workload::Cnn, "cnn"},
                                                            {Workload::Mlp, "mlp"}}};
};
/// The workload a training scenario is (its model's family).
[[nodiscard]] Workload workload_of(const Scenario& scenario);

struct ValidationCase {
  std::string data_set;
  std::string id;  // unique in the data set ("id/<point>" for a case from `points`)
  Scenario scenario;
  std::optional<CollectiveOp> collective;  // a bare collective instead of a training step
  double bytes = 0;                        // the collective's nccl-tests `size`
  Measure measure = Measure::StepTime;
  double published = 0;
  std::string where;  // where in the source the figure is
  std::string note;
  SourceLocation location;  // where the case is written

  [[nodiscard]] Workload workload() const;
};

struct DataSet {
  std::string name;  // the folder's name
  std::string dir;
  std::vector<ValidationCase> cases;
};

/// The corpus folder: $DPCAST_VALIDATION_DIR, else scenarios/validation in the source tree.
[[nodiscard]] std::string default_validation_dir();

/// Every data set under `dir` (folders with a cases.yaml, in name order), or only those named
/// (an unknown name is an error with a did-you-mean). Checks each folder has a SOURCE.md.
[[nodiscard]] std::vector<DataSet> load_corpus(const std::string& dir, const std::vector<std::string>& names = {},
                                               const Catalogue& catalogue = Catalogue::builtin());
/// One data set's cases.yaml (the folder's name must match its data_set key).
[[nodiscard]] DataSet load_data_set(const std::string& folder, const Catalogue& catalogue = Catalogue::builtin());

/// What CI holds a data set to, and what a prediction's provenance says about it
/// (scenarios/validation/bounds.yaml for the analytical engine, bounds-des.yaml for the DES;
/// written by `dpcast validate [--engine des] --write-bounds`).
struct DataSetBound {
  std::string data_set;
  double mape_pct = 0;  // the bound: the data set's MAPE may not rise above it
  int cases = 0;
  std::vector<Workload> workloads;  // what its cases are
  std::vector<std::string> gpus;    // the catalogue GPUs its cases run on
  int min_nodes = 1;
  int max_nodes = 1;
  SourceLocation location;
};

struct Bounds {
  std::string engine = "analytical";  // the engine the bounds were measured with
  std::vector<DataSetBound> data_sets;
  [[nodiscard]] const DataSetBound* find(std::string_view data_set) const;
};

/// The bounds file of an engine ("analytical" or "des") in the corpus folder `dir`.
[[nodiscard]] std::string bounds_file(const std::string& dir, const std::string& engine);
[[nodiscard]] Bounds load_bounds(const std::string& path);
[[nodiscard]] Bounds parse_bounds(const std::string& text, const std::string& file);
/// The YAML that load_bounds reads back (with the header comment saying how to change it).
[[nodiscard]] std::string bounds_yaml(const Bounds& bounds);

}  // namespace dpcast::models
