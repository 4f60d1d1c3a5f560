#include "dpcast/sim/validation.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/nccl_achieved_fit.hpp"
#include "dpcast/sim/units.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

namespace dpcast::sim {
using models::Measure;

double CaseResult::error() const {
  return (predicted - published) / published;
}

bool CaseResult::fast() const {
  return models::info(measure).higher_is_faster ? predicted > published : predicted < published;
}

ErrorStats ErrorStats::of(const std::vector<CaseResult>& results) {
  ErrorStats s;
  std::vector<double> errors;
  for (const auto& r : results) {
    if (!r.out_of_memory.empty()) ++s.out_of_memory;
    const double e = std::abs(r.error());
    errors.push_back(e);
    if (e >= s.worst) {
      s.worst = e;
      s.worst_id = r.id;
    }
    if (r.fast()) ++s.fast;
  }
  s.n = static_cast<int>(errors.size());
  if (errors.empty()) return s;
  double sum = 0;
  for (double e : errors) sum += e;
  s.mape = sum / s.n;
  std::sort(errors.begin(), errors.end());
  s.median = s.n % 2 ? errors[s.n / 2] : (errors[s.n / 2 - 1] + errors[s.n / 2]) / 2;
  return s;
}

const std::vector<std::shared_ptr<const CorpusFit>>& corpus_fits() {
  static const std::vector<std::shared_ptr<const CorpusFit>> fits{std::make_shared<NcclAchievedFit>()};
  return fits;
}

double collective_figure(Measure m, models::CollectiveOp op, double bytes, double seconds, int ranks) {
  if (m == Measure::CollectiveTime) return seconds * 1e6;
  const double algbw = bytes / seconds / 1e9;
  if (m == Measure::AlgorithmBandwidth) return algbw;
  return algbw * bus_bandwidth_factor(op, ranks);
}

namespace {

// "a100-80gb x8 (1 node)", "h100-sxm x16 (2 nodes)".
std::string cluster_label(const models::Scenario& s) {
  return s.cluster.gpu + " x" + std::to_string(s.cluster.gpus()) + " (" + std::to_string(s.cluster.nodes) +
         (s.cluster.nodes == 1 ? " node)" : " nodes)");
}

double collective_seconds(const models::ValidationCase& c, const models::Scenario& s, Engine engine,
                          std::string& algorithm) {
  const auto choice = choose_collective(s.data_parallel.collective, *c.collective, c.bytes, NetworkPath::from(s));
  algorithm = choice.label();
  if (engine == Engine::Analytical) return choice.time_s;
#ifdef DPCAST_HAVE_DES
  return DesEngine{}.collective_time(s, choice, *c.collective, c.bytes);
#else
  throw Error("des: not available in this build (needs SimGrid)");
#endif
}

double step_figure(Measure m, const models::RunRecord& r) {
  switch (m) {
    case Measure::StepTime:
      return r.step_time_s;
    case Measure::SamplesPerS:
      return r.samples_per_s;
    case Measure::SamplesPerSPerGpu:
      return r.samples_per_s / r.gpus;
    case Measure::TokensPerS:
      return r.tokens_per_s;
    case Measure::TokensPerSPerGpu:
      return r.tokens_per_s / r.gpus;
    case Measure::Mfu:
      return r.mfu;
    case Measure::ScalingEfficiency:
      return r.scaling_efficiency;
    default:
      break;
  }
  return 0;
}

}  // namespace

CaseResult predict_case(const models::ValidationCase& c, Engine engine, Predictor& predictor,
                        const models::Catalogue* catalogue) {
  models::Scenario s = c.scenario;
  if (catalogue) s.cluster.resolve(*catalogue);
  CaseResult r;
  r.data_set = c.data_set;
  r.id = c.id;
  r.measure = c.measure;
  r.workload = c.workload();
  r.published = c.published;
  if (c.collective) {
    if (s.cluster.gpus() < 2)
      throw Error(c.location, "collective",
                  "case '" + c.id + "': a collective needs at least 2 GPUs, the cluster has 1");
    r.configuration =
        cluster_label(s) + ", " + std::string(models::to_string(*c.collective)) + " " + human_bytes(c.bytes);
    const double seconds = collective_seconds(c, s, engine, r.algorithm);
    r.predicted = collective_figure(c.measure, *c.collective, c.bytes, seconds, s.cluster.gpus());
    return r;
  }
  r.configuration = cluster_label(s) + ", mb " + std::to_string(s.training.micro_batch);
  if (s.training.grad_accumulation > 1) r.configuration += " x" + std::to_string(s.training.grad_accumulation);
  if (s.data_parallel.zero_stage > 0) r.configuration += ", ZeRO-" + std::to_string(s.data_parallel.zero_stage);
  PredictOptions options(false);
  options.time_out_of_memory = true;
  const models::RunRecord record = predictor.predict(s, engine, options);
  r.algorithm = record.collective_algorithm;
  if (!record.feasible)
    r.out_of_memory = human_bytes(record.memory.total_bytes) + " of " + human_bytes(record.memory.capacity_bytes);
  r.predicted = step_figure(c.measure, record);
  return r;
}

namespace {

std::vector<const models::ValidationCase*> cases_except(const std::vector<models::DataSet>& corpus,
                                                        const std::string& left_out) {
  std::vector<const models::ValidationCase*> out;
  for (const auto& d : corpus)
    if (d.name != left_out)
      for (const auto& c : d.cases) out.push_back(&c);
  return out;
}

// The catalogue every fit makes from `cases`, one after the other; nullopt without fits.
std::optional<models::Catalogue> fitted(const std::vector<std::shared_ptr<const CorpusFit>>& fits,
                                        const std::vector<const models::ValidationCase*>& cases) {
  if (fits.empty()) return std::nullopt;
  models::Catalogue catalogue = models::Catalogue::builtin();
  for (const auto& f : fits) catalogue = f->fit(catalogue, cases);
  return catalogue;
}

DataSetResult describe(const models::DataSet& d) {
  DataSetResult out;
  out.data_set = d.name;
  std::set<std::string> gpus;
  out.min_nodes = 1 << 30;
  for (const auto& c : d.cases) {
    if (std::find(out.workloads.begin(), out.workloads.end(), c.workload()) == out.workloads.end())
      out.workloads.push_back(c.workload());
    gpus.insert(c.scenario.cluster.gpu);
    out.min_nodes = std::min(out.min_nodes, c.scenario.cluster.nodes);
    out.max_nodes = std::max(out.max_nodes, c.scenario.cluster.nodes);
  }
  std::sort(out.workloads.begin(), out.workloads.end());
  out.gpus.assign(gpus.begin(), gpus.end());
  return out;
}

}  // namespace

Validation validate(const std::vector<models::DataSet>& corpus, const ValidationOptions& options,
                    const std::function<void(std::size_t, std::size_t)>& progress) {
  Validation v;
  v.engine = options.engine == Engine::Des ? "des" : "analytical";
  std::size_t total = 0;
  for (const auto& d : corpus) total += d.cases.size() * (options.fits.empty() ? 1 : 2);
  std::size_t done = 0;
  Predictor predictor;
  const auto everything = fitted(options.fits, cases_except(corpus, ""));
  for (const auto& f : options.fits) v.fits.push_back(f->name() + " (" + f->constants(*everything) + ")");
  for (const auto& d : corpus) {
    const auto without = fitted(options.fits, cases_except(corpus, d.name));
    std::vector<CaseResult> in_sample, left_out;
    for (const auto& c : d.cases) {
      in_sample.push_back(predict_case(c, options.engine, predictor, everything ? &*everything : nullptr));
      if (progress) progress(++done, total);
      if (without) {
        left_out.push_back(predict_case(c, options.engine, predictor, &*without));
        if (progress) progress(++done, total);
      } else {
        left_out.push_back(in_sample.back());  // nothing is fitted: the same prediction
      }
    }
    DataSetResult result = describe(d);
    result.in_sample = ErrorStats::of(in_sample);
    result.leave_one_out = ErrorStats::of(left_out);
    v.data_sets.push_back(std::move(result));
    v.cases.insert(v.cases.end(), in_sample.begin(), in_sample.end());
    v.leave_one_out.insert(v.leave_one_out.end(), left_out.begin(), left_out.end());
  }
  v.all = ErrorStats::of(v.cases);
  return v;
}

namespace {

double round_up_tenth(double pct) {
  return std::ceil(pct * 10 - 1e-9) / 10;
}

}  // namespace

std::vector<std::string> check_bounds(const Validation& v, const models::Bounds& bounds, double slack_pct) {
  std::vector<std::string> problems;
  const std::string rewrite = "; run dpcast validate --write-bounds";
  if (bounds.engine != v.engine)
    return {"the bounds were measured with the " + bounds.engine + " engine, this validation used " + v.engine};
  for (const auto& d : v.data_sets) {
    const models::DataSetBound* b = bounds.find(d.data_set);
    if (!b) {
      problems.push_back(d.data_set + ": no bound in bounds.yaml" + rewrite);
      continue;
    }
    const double mape_pct = 100 * d.in_sample.mape;
    if (mape_pct > b->mape_pct + 1e-9)
      problems.push_back(d.data_set + ": MAPE " + fixed(mape_pct, 1) + "% is above its bound of " +
                         fixed(b->mape_pct, 1) + "%");
    else if (b->mape_pct - mape_pct > slack_pct)
      problems.push_back(d.data_set + ": MAPE " + fixed(mape_pct, 1) + "% is more than " + fixed(slack_pct, 1) +
                         " points below its bound of " + fixed(b->mape_pct, 1) + "%: tighten it" + rewrite);
    const int cases = d.in_sample.n;
    if (b->cases != cases || b->workloads != d.workloads || b->gpus != d.gpus || b->min_nodes != d.min_nodes ||
        b->max_nodes != d.max_nodes)
      problems.push_back(d.data_set + ": bounds.yaml describes it as it was (cases, workloads, GPUs or nodes changed)" +
                         rewrite);
  }
  for (const auto& b : bounds.data_sets) {
    const bool present = std::any_of(v.data_sets.begin(), v.data_sets.end(),
                                     [&](const DataSetResult& d) { return d.data_set == b.data_set; });
    if (!present) problems.push_back(b.data_set + ": in bounds.yaml but not in the corpus" + rewrite);
  }
  return problems;
}

models::Bounds updated_bounds(const Validation& v, const models::Bounds& old) {
  models::Bounds out;
  out.engine = v.engine;
  for (const auto& d : v.data_sets) {
    models::DataSetBound b;
    b.data_set = d.data_set;
    b.mape_pct = round_up_tenth(100 * d.in_sample.mape);
    b.cases = d.in_sample.n;
    b.workloads = d.workloads;
    b.gpus = d.gpus;
    b.min_nodes = d.min_nodes;
    b.max_nodes = d.max_nodes;
    const models::DataSetBound* before = old.engine == v.engine ? old.find(d.data_set) : nullptr;
    if (before && before->cases == b.cases && b.mape_pct > before->mape_pct)
      throw Error("dpcast validate --write-bounds: " + d.data_set + ": MAPE " + fixed(b.mape_pct, 1) +
                  "% would raise its bound of " + fixed(before->mape_pct, 1) +
                  "% with the same cases; bounds only go down (find what made it worse)");
    out.data_sets.push_back(std::move(b));
  }
  return out;
}

}  // namespace dpcast::sim
