// dpcast validate: a bare collective's nccl-tests figures by hand, the error statistics,
// leave-one-source-out with a fit, the CI bounds, and the provenance sentence.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/validation_corpus.hpp"
#include "dpcast/sim/nccl_achieved_fit.hpp"
#include "dpcast/sim/provenance.hpp"
#include "dpcast/sim/validation.hpp"

namespace dpcast::sim {
namespace {
namespace fs = std::filesystem;
using models::Measure;

// A corpus in a fresh temporary folder: data sets of one case each, all-reduce of `bytes` on
// one DGX H100 node with the ring, published bus bandwidths as given.
class TempCorpus {
 public:
  TempCorpus() {
    dir_ = fs::temp_directory_path() /
           ("dpcast-validation-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~TempCorpus() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void add(const std::string& name, double bytes, double published_busbw) {
    fs::create_directories(dir_ / name);
    std::ofstream(dir_ / name / "SOURCE.md") << "# test\n";
    std::ofstream(dir_ / name / "node.yaml") << "model: {zoo: mlp, widths: [8, 8]}\ncluster: {node: dgx-h100, nodes: "
                                                "1}\ndata_parallel: {collective: ring}\n";
    std::ofstream(dir_ / name / "cases.yaml")
        << "data_set: " << name << "\ncases:\n  - {id: ar, scenario: node.yaml, "
        << "collective: all-reduce, bytes: " << static_cast<long long>(bytes)
        << ", measure: busbw_GBps, published: " << published_busbw << ", where: x}\n";
  }
  [[nodiscard]] std::vector<models::DataSet> load() const { return models::load_corpus(dir_.string()); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

TEST(Validation, BusBandwidthOfARingAllReduceByHand) {
  TempCorpus corpus;
  const double n = 1024.0 * 1024 * 1024;
  corpus.add("a", n, 100);
  const auto data = corpus.load();
  Predictor predictor;
  const CaseResult r = predict_case(data[0].cases[0], Engine::Analytical, predictor);
  // Ring on 8 GPUs: t = 2·7·α + 2·7/8·n/B; busbw = n/t · 2·7/8 (nccl-tests), in GB/s.
  const auto& nvlink = models::Catalogue::builtin().link("nvlink4");
  const double t = 14 * nvlink.latency_s + 14.0 / 8 * n / nvlink.bandwidth_bytes_per_s;
  EXPECT_NEAR(r.predicted, n / t * 14.0 / 8 / 1e9, 1e-9);
  EXPECT_EQ(r.algorithm, "ring");
  EXPECT_EQ(r.configuration, "h100-sxm x8 (1 node), all-reduce 1.00 GiB");
  EXPECT_TRUE(r.fast());  // the catalogue's NVLink promises more than 100 GB/s
}

CaseResult result(const std::string& id, Measure m, double published, double predicted) {
  CaseResult r;
  r.data_set = "d";
  r.id = id;
  r.measure = m;
  r.published = published;
  r.predicted = predicted;
  return r;
}

TEST(Validation, ErrorStatistics) {
  std::vector<CaseResult> rs{result("a", Measure::StepTime, 1.0, 1.1), result("b", Measure::StepTime, 1.0, 0.8),
                             result("c", Measure::TokensPerS, 100, 130)};
  rs[0].out_of_memory = "16.6 GiB of 16.0 GiB";
  const ErrorStats s = ErrorStats::of(rs);
  EXPECT_EQ(s.n, 3);
  EXPECT_EQ(s.out_of_memory, 1);
  EXPECT_NEAR(s.mape, 0.2, 1e-12);
  EXPECT_NEAR(s.median, 0.2, 1e-12);
  EXPECT_NEAR(s.worst, 0.3, 1e-12);
  EXPECT_EQ(s.worst_id, "c");
  EXPECT_EQ(s.fast, 2);  // b: a shorter step; c: more tokens/s
}

// Fits the NVLink 4 bandwidth to the mean published bus bandwidth of the cases it is shown.
class MeanBusBandwidthFit : public CorpusFit {
 public:
  [[nodiscard]] std::string name() const override { return "mean-busbw"; }
  [[nodiscard]] std::string constants(const models::Catalogue& fitted) const override {
    return "nvlink4 " + std::to_string(static_cast<int>(fitted.link("nvlink4").bandwidth_bytes_per_s / 1e9)) + " GB/s";
  }
  [[nodiscard]] models::Catalogue fit(const models::Catalogue& base,
                                      const std::vector<const models::ValidationCase*>& cases) const override {
    double sum = 0;
    for (const auto* c : cases) sum += c->published;
    models::Catalogue out;
    for (const auto& [_, g] : base.gpus()) out.add(g);
    for (auto [name, l] : base.links()) {
      if (name == "nvlink4") l.bandwidth_bytes_per_s = sum / static_cast<double>(cases.size()) * 1e9;
      out.add(l);
    }
    for (const auto& [_, n] : base.nodes()) out.add(n);
    return out;
  }
};

TEST(Validation, LeaveOneSourceOutPredictsEachDataSetWithAFitThatNeverSawIt) {
  TempCorpus corpus;
  const double n = 64.0 * 1024 * 1024 * 1024;  // so large that the latency term is below 1e-4 of the time
  corpus.add("a", n, 100);
  corpus.add("b", n, 300);
  ValidationOptions options;
  options.fits = {std::make_shared<MeanBusBandwidthFit>()};
  const Validation v = validate(corpus.load(), options);
  ASSERT_EQ(v.data_sets.size(), 2u);
  EXPECT_EQ(v.fits, std::vector<std::string>{"mean-busbw (nvlink4 200 GB/s)"});
  // In-sample the fit saw both: 200 GB/s, so a is +100% and b -33%.
  EXPECT_NEAR(v.data_sets[0].in_sample.mape, 1.0, 1e-3);
  EXPECT_NEAR(v.data_sets[1].in_sample.mape, 1.0 / 3, 1e-3);
  // Left out, a is predicted from b alone (300: +200%) and b from a alone (100: -67%).
  EXPECT_NEAR(v.data_sets[0].leave_one_out.mape, 2.0, 1e-3);
  EXPECT_NEAR(v.data_sets[1].leave_one_out.mape, 2.0 / 3, 1e-3);
  EXPECT_NEAR(v.leave_one_out[0].predicted, 300, 0.1);
}

TEST(Validation, WithoutFitsLeaveOneOutIsInSample) {
  TempCorpus corpus;
  corpus.add("a", 1 << 20, 50);
  ValidationOptions options;
  options.fits.clear();
  const Validation v = validate(corpus.load(), options);
  EXPECT_TRUE(v.fits.empty());
  EXPECT_DOUBLE_EQ(v.data_sets[0].leave_one_out.mape, v.data_sets[0].in_sample.mape);
  EXPECT_EQ(v.all.n, 1);
}

Validation one_data_set(double mape) {
  Validation v;
  v.engine = "analytical";
  DataSetResult d;
  d.data_set = "a";
  d.in_sample.n = 10;
  d.in_sample.mape = mape;
  d.workloads = {models::Workload::Transformer};
  d.gpus = {"a100-80gb"};
  d.min_nodes = 1;
  d.max_nodes = 4;
  v.data_sets.push_back(d);
  return v;
}

models::Bounds bound_of(double mape_pct, int cases = 10) {
  models::Bounds b;
  models::DataSetBound d;
  d.data_set = "a";
  d.mape_pct = mape_pct;
  d.cases = cases;
  d.workloads = {models::Workload::Transformer};
  d.gpus = {"a100-80gb"};
  d.min_nodes = 1;
  d.max_nodes = 4;
  b.data_sets.push_back(d);
  return b;
}

TEST(Validation, CheckBounds) {
  const Validation v = one_data_set(0.20);
  EXPECT_TRUE(check_bounds(v, bound_of(20.5)).empty());
  EXPECT_EQ(check_bounds(v, bound_of(19.9)), std::vector<std::string>{"a: MAPE 20.0% is above its bound of 19.9%"});
  EXPECT_EQ(check_bounds(v, bound_of(25)),
            std::vector<std::string>{"a: MAPE 20.0% is more than 1.0 points below its bound of 25.0%: tighten it; run "
                                     "dpcast validate --write-bounds"});
  EXPECT_EQ(check_bounds(v, bound_of(20.5, 12)),
            std::vector<std::string>{"a: bounds.yaml describes it as it was (cases, workloads, GPUs or nodes changed); "
                                     "run dpcast validate --write-bounds"});
  models::Bounds none;
  EXPECT_EQ(check_bounds(v, none),
            std::vector<std::string>{"a: no bound in bounds.yaml; run dpcast validate --write-bounds"});
  models::Bounds extra = bound_of(20.5);
  extra.data_sets.push_back(extra.data_sets[0]);
  extra.data_sets[1].data_set = "gone";
  EXPECT_EQ(check_bounds(v, extra),
            std::vector<std::string>{"gone: in bounds.yaml but not in the corpus; run dpcast validate --write-bounds"});
  models::Bounds des = bound_of(20.5);
  des.engine = "des";
  EXPECT_EQ(check_bounds(v, des),
            std::vector<std::string>{"the bounds were measured with the des engine, this validation used analytical"});
}

TEST(Validation, BoundsOnlyGoDown) {
  const Validation v = one_data_set(0.2001);
  EXPECT_DOUBLE_EQ(updated_bounds(v, bound_of(25)).data_sets[0].mape_pct, 20.1);     // rounded up to 0.1
  EXPECT_DOUBLE_EQ(updated_bounds(v, bound_of(15, 9)).data_sets[0].mape_pct, 20.1);  // other cases: a new bound
  try {
    (void)updated_bounds(v, bound_of(15));
    FAIL() << "raised a bound";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "dpcast validate --write-bounds: a: MAPE 20.1% would raise its bound of 15.0% with "
              "the same cases; bounds only go down (find what made it worse)");
  }
}

// ---- Provenance ----

models::Scenario scenario(const std::string& model, const std::string& node, int nodes) {
  return models::parse_scenarios(
             "model: " + model + "\ncluster: {node: " + node + ", nodes: " + std::to_string(nodes) + "}\n", "s.yaml")
      .front();
}

models::Bounds corpus_bounds() {
  models::Bounds b;
  auto add = [&](const std::string& name, models::Workload w, std::vector<std::string> gpus, int lo, int hi, int cases,
                 double mape) {
    models::DataSetBound d;
    d.data_set = name;
    d.workloads = {w};
    d.gpus = std::move(gpus);
    d.min_nodes = lo;
    d.max_nodes = hi;
    d.cases = cases;
    d.mape_pct = mape;
    b.data_sets.push_back(d);
  };
  add("nccl", models::Workload::Collective, {"h100-sxm"}, 1, 64, 80, 40);
  add("mpt", models::Workload::Transformer, {"a100-80gb", "h100-sxm"}, 1, 64, 50, 23.4);
  add("llama-a100", models::Workload::Transformer, {"a100-80gb"}, 1, 16, 90, 30);
  add("cnn", models::Workload::Cnn, {"a100-80gb"}, 1, 1, 12, 18);
  return b;
}

TEST(Provenance, NearestDataSetSharesTheWorkloadThenTheGpu) {
  const models::Bounds b = corpus_bounds();
  EXPECT_EQ(nearest_data_set(scenario("gpt2-small", "dgx-h100", 2), b)->data_set, "mpt");         // only one has H100
  EXPECT_EQ(nearest_data_set(scenario("gpt2-small", "dgx-a100", 2), b)->data_set, "llama-a100");  // more cases
  EXPECT_EQ(nearest_data_set(scenario("gpt2-small", "dgx-a100", 32), b)->data_set, "mpt");        // holds 32 nodes
  EXPECT_EQ(nearest_data_set(scenario("resnet50", "dgx-h100", 4), b)->data_set, "cnn");
}

TEST(Provenance, NodeRangeComesBeforeTheGpu) {
  models::Bounds b;
  models::DataSetBound one_node_h100;
  one_node_h100.data_set = "one-node-h100";
  one_node_h100.workloads = {models::Workload::Transformer};
  one_node_h100.gpus = {"h100-sxm"};
  one_node_h100.cases = 100;
  models::DataSetBound many_nodes_a100 = one_node_h100;
  many_nodes_a100.data_set = "many-nodes-a100";
  many_nodes_a100.gpus = {"a100-80gb"};
  many_nodes_a100.max_nodes = 64;
  b.data_sets = {one_node_h100, many_nodes_a100};
  // On one node both hold it, and the same GPU decides; on 16 nodes the one-node data set is
  // four doublings away and says nothing about traffic between nodes.
  EXPECT_EQ(nearest_data_set(scenario("gpt2-small", "dgx-h100", 1), b)->data_set, "one-node-h100");
  EXPECT_EQ(nearest_data_set(scenario("gpt2-small", "dgx-h100", 16), b)->data_set, "many-nodes-a100");
  EXPECT_EQ(nearest_data_set(scenario("{zoo: mlp, widths: [8, 8]}", "dgx-h100", 1), b), nullptr);
}

TEST(Provenance, Sentences) {
  const models::Bounds b = corpus_bounds();
  EXPECT_EQ(provenance(scenario("gpt2-small", "dgx-h100", 2), nullptr, &b),
            "catalogue defaults: validated to 23.4% MAPE (analytical engine) on 50 published cases of mpt (transformer "
            "training on a100-80gb and h100-sxm, 1-64 nodes), the nearest data set (dpcast validate)");
  EXPECT_EQ(provenance(scenario("{zoo: mlp, widths: [8, 8]}", "dgx-h100", 1), nullptr, &b),
            "catalogue defaults: no published mlp training measurement validates this kind of model yet");
  EXPECT_EQ(provenance(scenario("gpt2-small", "dgx-h100", 2), nullptr, nullptr),
            "catalogue defaults (not validated: the corpus's bounds could not be read)");
  models::Profile p;
  p.name = "cpu-ci";
  p.file = "scenarios/profiles/cpu-ci.yaml";
  EXPECT_EQ(provenance(scenario("gpt2-small", "dgx-h100", 2), &p, &b),
            "calibrated profile cpu-ci (its error against measurements is not recorded in it: dpcast compare --predict "
            "--profile scenarios/profiles/cpu-ci.yaml measures it)");
  p.validated = models::ProfileValidation{6.6, 8, "scenarios/measurements/cpu-2core"};
  EXPECT_EQ(provenance(scenario("gpt2-small", "dgx-h100", 2), &p, &b),
            "calibrated profile cpu-ci: dpcast compare measured 6.6% MAPE over 8 measured configurations "
            "(scenarios/measurements/cpu-2core)");
}

TEST(Provenance, ThePredictorSaysItOnEveryRecord) {
  Predictor predictor;
  const auto r = predictor.predict(scenario("gpt2-small", "dgx-h100", 1), Engine::Analytical);
  EXPECT_EQ(r.provenance.rfind("catalogue defaults", 0), 0u) << r.provenance;
}

// The catalogue's NCCL factors (scenarios/hardware/nccl.yaml) are what NcclAchievedFit finds on
// the whole corpus, so that predictions outside `dpcast validate` use the fitted figures; and a
// fit shown no bare collective leaves the catalogue as it was.
TEST(Validation, CatalogueHoldsTheNcclFactorsFittedOnTheCorpus) {
  const auto corpus = models::load_corpus(models::default_validation_dir());
  std::vector<const models::ValidationCase*> cases;
  for (const auto& d : corpus)
    for (const auto& c : d.cases) cases.push_back(&c);
  const auto& builtin = models::Catalogue::builtin();
  const NcclAchievedFit fit;
  const auto fitted = fit.fit(builtin, cases).nccl_achieved();
  EXPECT_DOUBLE_EQ(fitted.latency_factor, builtin.nccl_achieved().latency_factor)
      << fit.constants(fit.fit(builtin, cases));
  EXPECT_DOUBLE_EQ(fitted.pipeline_factor, builtin.nccl_achieved().pipeline_factor);
  EXPECT_GT(fitted.latency_factor, 1.0);  // NCCL's model underestimates what nccl-tests measure
  std::vector<const models::ValidationCase*> no_collectives;
  for (const auto* c : cases)
    if (!c->collective) no_collectives.push_back(c);
  EXPECT_EQ(fit.fit(builtin, no_collectives).nccl_achieved().latency_factor, builtin.nccl_achieved().latency_factor);
}

// torchtitan published the same Llama 3.1 8B run on 8 H100 eager and with torch.compile
// (benchmarks/llama3_h100_202412_torchtitan.md, Table 1: 5,762 and 6,667 tokens/s/GPU, 1.157x).
// training.execution: compiled fuses the eager RMSNorm, rotary and point-wise chains; the
// speed-up dpcast predicts for the pair is within 5 points of the published one (it is 1.20x).
TEST(Validation, CompiledSpeedUpAgainstTorchtitansEagerAndCompiledPair) {
  const auto corpus = models::load_corpus(models::default_validation_dir());
  const models::ValidationCase* eager = nullptr;
  const models::ValidationCase* compiled = nullptr;
  for (const auto& d : corpus)
    for (const auto& c : d.cases) {
      if (c.id == "llama3.1-8b/8xh100-96gb/mb2/fsdp") eager = &c;
      if (c.id == "llama3.1-8b/8xh100-96gb/mb2/fsdp-compile") compiled = &c;
    }
  ASSERT_TRUE(eager && compiled);
  EXPECT_EQ(compiled->scenario.training.execution, models::Execution::Compiled);
  Predictor predictor;
  const double predicted = predict_case(*compiled, Engine::Analytical, predictor).predicted /
                           predict_case(*eager, Engine::Analytical, predictor).predicted;
  const double published = compiled->published / eager->published;
  EXPECT_NEAR(predicted, published, 0.05) << "predicted " << predicted << "x, published " << published << "x";
}

}  // namespace
}  // namespace dpcast::sim
