// The planner: the Pareto front against a brute-force search of the same space, the
// recommendation rules, and answers that say which constraint binds and by how much.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

#include <cmath>

#include "dpcast/models/error.hpp"
#include "dpcast/models/plan_spec.hpp"
#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/plan_report.hpp"
#include "dpcast/sim/planner.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

namespace {
const models::Catalogue& catalogue() {
  static const models::Catalogue c = test_support::test_catalogue();
  return c;
}

// test-node: 4 test-gpus at $3.60 per GPU-hour. A 2-layer MLP, 1e6 samples.
const std::string kScenario = R"(model: {zoo: mlp, widths: [4096, 4096, 4096]}
cluster: {node: test-node, nodes: 1}
training: {micro_batch: 64, precision: fp32, optimizer: sgd}
plan:
  target: {samples: 1.0e+6}
  nodes: [1, 2, 4, 8]
  micro_batch: [32, 64, 128]
  grad_accumulation: [1, 2]
)";

models::PlanScenario parse(const std::string& text) {
  return models::parse_plan_scenario(text, "p.yaml", catalogue());
}

sim::PlanOptions no_des() {
  sim::PlanOptions o;
  o.confirm_up_to_gpus = 0;
  return o;
}

std::string plan_error(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Planner, FrontIsTheBruteForceParetoFrontWithTimesAndCostsByHand) {
  const auto ps = parse(kScenario);
  const auto result = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  EXPECT_EQ(result.evaluated, 4u * 3 * 2);
  // Every configuration, predicted one by one.
  struct Point {
    double time, cost;
  };
  std::vector<Point> all;
  for (int nodes : {1, 2, 4, 8})
    for (int mb : {32, 64, 128})
      for (int acc : {1, 2}) {
        auto s = ps.base;
        s.cluster.nodes = nodes;
        s.training.micro_batch = mb;
        s.training.grad_accumulation = acc;
        const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(0), {false});
        const double steps = std::ceil(1e6 / (4.0 * nodes * mb * acc));
        all.push_back({steps * r.step_time_s, steps * r.step_time_s / 3600 * 4 * nodes * 3.6});
      }
  ASSERT_FALSE(result.front.empty());
  double previous_time = 0, previous_cost = 1e300;
  for (const auto& p : result.front) {
    // Time and cost follow from the step time, the steps and the price.
    const auto r = sim::AnalyticalEngine{}.predict(p.scenario, p.scenario.model.build(0), {false});
    EXPECT_EQ(p.steps, static_cast<std::int64_t>(std::ceil(1e6 / static_cast<double>(r.global_batch))));
    EXPECT_NEAR(p.time_s(), static_cast<double>(p.steps) * r.step_time_s, 1e-9);
    EXPECT_NEAR(p.cost_usd(), p.time_s() / 3600 * r.gpus * 3.6, 1e-9);
    // Fastest first, each cheaper than every faster one, and nothing evaluated dominates it.
    EXPECT_GT(p.time_s(), previous_time);
    EXPECT_LT(p.cost_usd(), previous_cost);
    previous_time = p.time_s();
    previous_cost = p.cost_usd();
    for (const auto& q : all)
      EXPECT_FALSE(q.time <= p.time_s() - 1e-12 && q.cost <= p.cost_usd() - 1e-12) << "dominated front point";
  }
  // Every configuration is on the front or dominated by a front point.
  for (const auto& q : all) {
    bool covered = false;
    for (const auto& p : result.front) covered |= p.time_s() <= q.time + 1e-9 && p.cost_usd() <= q.cost + 1e-9;
    EXPECT_TRUE(covered);
  }
}

TEST(Planner, RecommendsTheCheapestMeetingTheDeadlineOrTheFastestWithinBudget) {
  auto ps = parse(kScenario);
  const auto free = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_GE(free.front.size(), 2u);
  // A deadline between the two fastest points: the second fastest is cheaper and meets it.
  ps.plan.deadline_s = (free.front[0].time_s() + free.front[1].time_s()) / 2;
  auto with_deadline = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_TRUE(with_deadline.recommended);
  EXPECT_EQ(*with_deadline.recommended, 0u);  // only the fastest meets it
  // Just above the second fastest: both meet it, the second is the cheaper.
  ps.plan.deadline_s = free.front[1].time_s() * 1.0001;
  with_deadline = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_TRUE(with_deadline.recommended);
  // Both meet it: the cheaper, unless the faster costs at most 1% more.
  const bool faster_nearly_as_cheap = free.front[0].cost_usd() <= 1.01 * free.front[1].cost_usd();
  EXPECT_EQ(*with_deadline.recommended, faster_nearly_as_cheap ? 0u : 1u);
  EXPECT_NE(with_deadline.why.front().find(faster_nearly_as_cheap ? "at most 1% dearer than the cheapest"
                                                                  : "the cheapest that meets the"),
            std::string::npos)
      << with_deadline.why.front();
  // Whatever the data: no point meeting the deadline is faster than the pick within 1% of its cost floor.
  double floor = std::numeric_limits<double>::infinity();
  for (const auto& p : with_deadline.front)
    if (p.time_s() <= *ps.plan.deadline_s) floor = std::min(floor, p.cost_usd());
  for (const auto& p : with_deadline.front) {
    if (p.time_s() <= *ps.plan.deadline_s && p.cost_usd() <= 1.01 * floor) {
      EXPECT_GE(p.time_s(), with_deadline.front[*with_deadline.recommended].time_s());
    }
  }
  // Budget only: the fastest point whose cost is within it.
  ps.plan.deadline_s.reset();
  ps.plan.budget_usd = free.front[1].cost_usd() * 1.0001;
  const auto with_budget = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_TRUE(with_budget.recommended);
  const auto& pick = with_budget.front[*with_budget.recommended];
  EXPECT_LE(pick.cost_usd(), *ps.plan.budget_usd);
  for (const auto& p : with_budget.front) {
    if (p.cost_usd() <= *ps.plan.budget_usd) {
      EXPECT_GE(p.time_s(), pick.time_s());
    }
  }
  EXPECT_NE(with_budget.why.front().find("the fastest within the"), std::string::npos) << with_budget.why.front();
}

TEST(Planner, SaysWhichConstraintBindsAndByHowMuch) {
  auto ps = parse(kScenario);
  const auto free = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  const double fastest = free.front.front().time_s();
  const double cheapest = free.front.back().cost_usd();
  // A deadline at half the fastest time: over by exactly that half.
  ps.plan.deadline_s = fastest / 2;
  auto r = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  EXPECT_FALSE(r.constraints_met);
  EXPECT_FALSE(r.recommended);
  ASSERT_EQ(r.binding.size(), 1u);
  EXPECT_NE(r.binding[0].find("deadline cannot be met"), std::string::npos) << r.binding[0];
  EXPECT_FALSE(r.front.empty()) << "the answer still shows what is possible";
  // A budget below the cheapest.
  ps.plan.deadline_s.reset();
  ps.plan.budget_usd = cheapest / 2;
  r = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_EQ(r.binding.size(), 1u);
  EXPECT_NE(r.binding[0].find("budget is below the cheapest configuration"), std::string::npos) << r.binding[0];
  // Each alone possible, both not: the fastest's cost is over a budget the slowest meets.
  ps.plan.deadline_s = fastest * 1.0001;
  ps.plan.budget_usd = cheapest * 1.0001;
  ASSERT_GT(free.front.front().cost_usd(), *ps.plan.budget_usd) << "the fastest must cost more than the cheapest here";
  r = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_EQ(r.binding.size(), 1u);
  EXPECT_NE(r.binding[0].find("no configuration meets both"), std::string::npos) << r.binding[0];
  // A max global batch below the smallest cluster's: 4 GPUs x micro-batch 32.
  ps.plan.deadline_s.reset();
  ps.plan.budget_usd.reset();
  ps.plan.max_global_batch = 100;
  r = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  EXPECT_TRUE(r.front.empty());
  ASSERT_EQ(r.binding.size(), 1u);
  EXPECT_EQ(r.binding[0],
            "the max global batch of 100 rules out 24 configurations (the smallest cluster has 4 GPUs, so "
            "its smallest global batch is 4)");
}

TEST(Planner, NothingFittingInMemorySaysHowFarOff) {
  // A 4096 x 4096 layer fits anywhere; a micro-batch of 10^8 samples of its activations does not
  // fit in test-gpu's 80 GB.
  auto ps = parse(R"(model: {zoo: mlp, widths: [4096, 4096]}
cluster: {node: test-node, nodes: 1}
training: {precision: fp32, optimizer: sgd}
plan: {target: {samples: 1.0e+9}, micro_batch: [100000000]}
)");
  const auto r = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  EXPECT_EQ(r.out_of_memory, 1u);
  ASSERT_EQ(r.binding.size(), 1u);
  EXPECT_NE(r.binding[0].find("nothing fits in memory"), std::string::npos) << r.binding[0];
}

TEST(Planner, PlanSectionDefaultsAndErrors) {
  const auto ps = parse(
      "model: gpt2-small\ncluster: {node: test-node, nodes: 4}\ntraining: {seq_len: 128}\n"
      "plan: {target: {tokens: 1.0e+9}}\n");
  EXPECT_EQ(ps.plan.target_tokens, 1e9);
  EXPECT_EQ(ps.plan.nodes, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(ps.plan.node_presets, (std::vector<std::string>{"test-node"}));
  EXPECT_EQ(ps.plan.gpus, (std::vector<std::string>{"test-gpu"}));
  EXPECT_EQ(models::node_range(3, 20), (std::vector<int>{4, 8, 16, 20}));
  const std::string head = "model: {zoo: mlp, widths: [8, 8]}\ncluster: {node: test-node, nodes: 1}\n";
  EXPECT_EQ(plan_error(head),
            "p.yaml:1:1: needs a plan section (target, constraints, what to search); see scenarios/README.md");
  EXPECT_EQ(plan_error(head + "plan: {deadline_hours: 3}\n"),
            "p.yaml:3:7: plan: needs target: {tokens: N} or {samples: N}");
  EXPECT_EQ(plan_error(head + "plan: {target: {tokens: 5}}\n"),
            "p.yaml:3:25: plan.target.tokens: mlp is not a sequence model: give samples");
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}, gpus: [test-gpx]}\n"),
            "p.yaml:3:37: plan.gpus[0]: unknown GPU 'test-gpx' (did you mean 'test-gpu'?)");
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}, nodes: {min: 8, max: 4}}\n"),
            "p.yaml:3:51: plan.nodes.max: max 4 is below min 8");
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}, deadline: 3}\n"),
            "p.yaml:3:30: plan.deadline: unknown key (did you mean 'deadline_hours'?)");
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}}\nsweep: {cluster.nodes: [1, 2]}\n"),
            "p.yaml:4:8: sweep: dpcast plan searches its own space (the plan section); remove the sweep");
}

// "8 H100 nodes or 16 A100 nodes": node counts by preset; a preset left out keeps the default.
TEST(Planner, NodeCountsByPreset) {
  const std::string head = "model: {zoo: mlp, widths: [8, 8]}\ncluster: {node: test-node, nodes: 4}\n";
  const auto ps = parse(head +
                        "plan: {target: {samples: 5}, node_presets: [test-node, test-node-1nic], "
                        "nodes: {test-node-1nic: {min: 2, max: 8}}}\n");
  EXPECT_EQ(ps.plan.nodes_for("test-node"), (std::vector<int>{1, 2, 4}));  // the scenario's default
  EXPECT_EQ(ps.plan.nodes_for("test-node-1nic"), (std::vector<int>{2, 4, 8}));
  const auto searched = sim::make_plan(ps.base, ps.plan, catalogue(), no_des());
  ASSERT_FALSE(searched.front.empty());
  std::set<std::pair<std::string, int>> clusters;
  for (const auto& p : searched.front) clusters.insert({p.scenario.cluster.node, p.scenario.cluster.nodes});
  for (const auto& [node, nodes] : clusters)
    EXPECT_TRUE(node == "test-node" ? nodes <= 4 : nodes >= 2) << node << " x" << nodes;
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}, nodes: {test-nod: [2]}}\n"),
            "p.yaml:3:38: plan.nodes.test-nod: not a node preset of this plan (did you mean 'test-node'?); its "
            "node_presets: test-node");
  EXPECT_EQ(plan_error(head + "plan: {target: {samples: 5}, nodes: {test-node: [0]}}\n"),
            "p.yaml:3:50: plan.nodes.test-node[0]: expected a positive integer, got 0");
}

TEST(Planner, ReportsProgressAndStopsWhenTold) {
  auto ps = parse(R"(model: {zoo: mlp, widths: [4096, 4096, 4096]}
cluster: {node: test-node, nodes: 1}
training: {micro_batch: 64, precision: fp32, optimizer: sgd}
plan:
  target: {samples: 1.0e+6}
  nodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
  micro_batch: [8, 16, 32, 64, 128, 256]
  grad_accumulation: [1, 2, 4, 8]
)");
  auto options = no_des();
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  options.progress = [&](std::size_t done, std::size_t total) {
    calls.emplace_back(done, total);
    return true;
  };
  const auto whole = sim::make_plan(ps.base, ps.plan, catalogue(), options);
  ASSERT_FALSE(calls.empty());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_LE(calls[i].first, calls[i].second);
    EXPECT_EQ(calls[i].second, whole.evaluated);  // no DES here: the analytical configurations
    if (i > 0) {
      EXPECT_GE(calls[i].first, calls[i - 1].first);  // never backwards
    }
  }
  EXPECT_EQ(calls.back().first, whole.evaluated);  // ends at the whole
  EXPECT_FALSE(whole.front.empty());

  // Told to stop at the first report: no answer, an exception saying so.
  std::size_t reports = 0;
  options.progress = [&](std::size_t, std::size_t) { return ++reports < 1; };
  EXPECT_THROW((void)sim::make_plan(ps.base, ps.plan, catalogue(), options), sim::PlanCancelled);
  EXPECT_EQ(reports, 1u);
}

TEST(Planner, BestPerGpuTypeIsTheCheapestAndFastestOfEachByBruteForce) {
  // A second GPU type: twice test-gpu's FLOPs at three times its price, in a node of its own.
  models::Catalogue cat = test_support::test_catalogue();
  models::Gpu fast = cat.gpu("test-gpu");
  fast.name = "test-gpu-2x";
  for (auto& [precision, flops] : fast.peak_flops) flops *= 2;
  fast.vector_flops *= 2;
  fast.price_per_hour = 10.8;
  cat.add(fast);
  models::NodePreset node = cat.node("test-node");
  node.name = "test-node-2x";
  node.gpu = "test-gpu-2x";
  cat.add(node);
  auto ps = models::parse_plan_scenario(
      kScenario + "  gpus: [test-gpu, test-gpu-2x]\n  node_presets: [test-node, test-node-2x]\n", "p.yaml", cat);
  ASSERT_EQ(ps.plan.node_presets, (std::vector<std::string>{"test-node", "test-node-2x"}));

  // Brute force: every configuration of each GPU type, its time and cost by hand.
  const auto by_hand = [&](const std::string& preset, const std::string& gpu, double price, double deadline) {
    struct Best {
      double cheapest_cost = 1e300, cheapest_time = 0, fastest_time = 1e300;
    } best;
    for (int nodes : {1, 2, 4, 8})
      for (int mb : {32, 64, 128})
        for (int acc : {1, 2}) {
          auto s = ps.base;
          s.cluster.node = preset;
          s.cluster.gpu = gpu;
          s.cluster.nodes = nodes;
          s.cluster.resolve(cat);
          s.training.micro_batch = mb;
          s.training.grad_accumulation = acc;
          const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(0), {false});
          const double time = std::ceil(1e6 / (4.0 * nodes * mb * acc)) * r.step_time_s;
          const double cost = time / 3600 * 4 * nodes * price;
          if (time > deadline) continue;
          if (cost < best.cheapest_cost) best.cheapest_cost = cost, best.cheapest_time = time;
          best.fastest_time = std::min(best.fastest_time, time);
        }
    return best;
  };
  const auto check = [&](const sim::PlanResult& result, double deadline) {
    ASSERT_EQ(result.best_per_gpu.size(), 2u);
    const double prices[] = {3.6, 10.8};
    const char* presets[] = {"test-node", "test-node-2x"};
    for (std::size_t g = 0; g < 2; ++g) {
      const auto& best = result.best_per_gpu[g];
      EXPECT_EQ(best.gpu, ps.plan.gpus[g]);
      const auto expected = by_hand(presets[g], best.gpu, prices[g], deadline);
      if (expected.fastest_time == 1e300) {
        EXPECT_FALSE(best.cheapest) << best.gpu;
        continue;
      }
      ASSERT_TRUE(best.cheapest && best.fastest) << best.gpu;
      EXPECT_EQ(best.cheapest->scenario.cluster.gpu, best.gpu);
      EXPECT_NEAR(best.cheapest->cost_usd(), expected.cheapest_cost, 1e-9 * expected.cheapest_cost);
      EXPECT_NEAR(best.cheapest->time_s(), expected.cheapest_time, 1e-9 * expected.cheapest_time);
      EXPECT_NEAR(best.fastest->time_s(), expected.fastest_time, 1e-9 * expected.fastest_time);
    }
  };
  const auto free = sim::make_plan(ps.base, ps.plan, cat, no_des());
  check(free, 1e300);
  // A deadline only the faster GPU's fastest configurations meet: the slower type has none, and
  // the sentence about it says so.
  const double slow_fastest = free.best_per_gpu[0].fastest->time_s();
  const double fast_fastest = free.best_per_gpu[1].fastest->time_s();
  ASSERT_LT(fast_fastest, slow_fastest);
  ps.plan.deadline_s = (fast_fastest + slow_fastest) / 2;
  const auto tight = sim::make_plan(ps.base, ps.plan, cat, no_des());
  check(tight, *ps.plan.deadline_s);
  EXPECT_FALSE(tight.best_per_gpu[0].cheapest);
  EXPECT_NE(std::find(tight.why.begin(), tight.why.end(), "no test-gpu configuration meets the constraints."),
            tight.why.end());
  // The table names each type's picks; the recommended one keeps its star.
  const std::string table = sim::plan_table(tight, ps.plan);
  EXPECT_NE(table.find("Best per GPU type (meeting the constraints):"), std::string::npos) << table;
  EXPECT_NE(table.find("test-gpu     none qualifies"), std::string::npos) << table;
  EXPECT_NE(table.find("test-gpu-2x  cheapest *"), std::string::npos) << table;
  const auto sentences = sim::plan_best_per_gpu_sentences(tight);
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0], "test-gpu: none meets the constraints.");
  EXPECT_EQ(sentences[1].rfind("test-gpu-2x: cheapest " + sim::plan_point_label(*tight.best_per_gpu[1].cheapest), 0),
            0u)
      << sentences[1];
}
