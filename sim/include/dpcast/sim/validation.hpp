#pragma once
// dpcast validate: every case of the validation corpus predicted from the catalogue
// defaults and set against its published figure; per data set n, MAPE, median and worst
// error and the sign bias, in-sample and leave-one-source-out.
//
// Leave-one-source-out: a model constant fitted to published numbers (a CorpusFit) is
// fitted on every data set for the in-sample figures, and again without data set D to
// predict D, so that the table shows how the model generalises to a source it has not
// seen. corpus_fits() lists the fits the catalogue's constants come from.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/validation_corpus.hpp"
#include "dpcast/sim/predictor.hpp"

namespace dpcast::sim {

/// One case predicted.
struct CaseResult {
  std::string data_set;
  std::string id;
  models::Measure measure = models::Measure::StepTime;
  models::Workload workload = models::Workload::Collective;
  std::string configuration;  // "8x a100-80gb, mb 4" / "16x h100-sxm, all-reduce 1 GiB"
  double published = 0;
  double predicted = 0;
  std::string algorithm;  // the collective algorithm chosen
  // The source ran it, but dpcast's memory model says it does not fit ("16.6 GiB of 16.0 GiB");
  // the step is timed all the same. Empty when it fits.
  std::string out_of_memory;

  /// (predicted - published) / published.
  [[nodiscard]] double error() const;
  /// Promises more than was measured: a shorter time, or a higher throughput, bandwidth or MFU.
  [[nodiscard]] bool fast() const;
};

struct ErrorStats {
  int n = 0;
  int out_of_memory = 0;  // cases dpcast's memory model rejects although the source ran them
  double mape = 0;        // fractions
  double median = 0;      // of |error|
  double worst = 0;       // largest |error|
  std::string worst_id;
  int fast = 0;  // cases predicted fast
  [[nodiscard]] static ErrorStats of(const std::vector<CaseResult>& results);
};

struct DataSetResult {
  std::string data_set;
  ErrorStats in_sample;
  ErrorStats leave_one_out;  // predicted with every fit made without this data set
  std::vector<models::Workload> workloads;
  std::vector<std::string> gpus;
  int min_nodes = 0;
  int max_nodes = 0;
};

/// A model constant fitted to published figures: from the cases it may learn from, the
/// catalogue to predict with. Its constants, committed to the catalogue, name the data.
class CorpusFit {
 public:
  virtual ~CorpusFit() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  /// `base` with the fitted constants in place; `cases` are the only published figures it may use.
  [[nodiscard]] virtual models::Catalogue fit(const models::Catalogue& base,
                                              const std::vector<const models::ValidationCase*>& cases) const = 0;
  /// The constants as they stand in `fitted`, for people: "latency_factor 1.5, ...".
  [[nodiscard]] virtual std::string constants(const models::Catalogue& fitted) const = 0;
};

/// The fits behind the catalogue's constants (every other constant comes from a datasheet or
/// a measurement of its own, see scenarios/hardware/): NcclAchievedFit.
[[nodiscard]] const std::vector<std::shared_ptr<const CorpusFit>>& corpus_fits();

/// nccl-tests' figure (time in us, algbw or busbw in GB/s) of a collective of `bytes` that took
/// `seconds` on `ranks` ranks.
[[nodiscard]] double collective_figure(models::Measure m, models::CollectiveOp op, double bytes, double seconds,
                                       int ranks);

struct ValidationOptions {
  Engine engine = Engine::Analytical;
  std::vector<std::shared_ptr<const CorpusFit>> fits = corpus_fits();
};

struct Validation {
  std::string engine;
  std::vector<std::string> fits;          // the fits applied: "name (constants on every data set)"
  std::vector<CaseResult> cases;          // in-sample, in corpus order
  std::vector<CaseResult> leave_one_out;  // the same cases, each predicted without its own data set's figures
  std::vector<DataSetResult> data_sets;
  ErrorStats all;  // every case, in-sample
};

/// Predicts one case with `catalogue` (the one its scenario was read with, or a fitted one).
[[nodiscard]] CaseResult predict_case(const models::ValidationCase& c, Engine engine, Predictor& predictor,
                                      const models::Catalogue* catalogue = nullptr);

/// Predicts every case of `corpus` (a progress callback gets done, total after each case).
[[nodiscard]] Validation validate(const std::vector<models::DataSet>& corpus, const ValidationOptions& options = {},
                                  const std::function<void(std::size_t, std::size_t)>& progress = {});

/// What CI checks: every data set has a bound, its MAPE is within it, the bound is not
/// looser than the MAPE by more than `slack_pct` (tighten it), and what the bound says the data
/// set covers is still true. One sentence per problem; empty when all hold. (Cases dpcast
/// finds out of memory are counted in the table, not failed: the memory model is not the
/// step-time model these bounds hold.)
[[nodiscard]] std::vector<std::string> check_bounds(const Validation& v, const models::Bounds& bounds,
                                                    double slack_pct = 1.0);
/// The bounds for this validation: the measured MAPE rounded up to 0.1%. A data set whose
/// case count did not change keeps a lower old bound; raising one is an error (dpcast::Error).
[[nodiscard]] models::Bounds updated_bounds(const Validation& v, const models::Bounds& old);

}  // namespace dpcast::sim
