// The planner's search: the space of clusters and configurations, each predicted analytically,
// the Pareto front, its DES confirmations, the recommendation and its reasons (worded by
// plan_report.cpp).
#include "dpcast/sim/planner.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <thread>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/plan_report.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif

namespace dpcast::sim {
namespace {

constexpr double kExposedLimit = 0.30;     // "exposed communication exceeds 30% of the step"
constexpr double kCheapSlack = 1.10;       // without constraints: the fastest within 10% of the cheapest
constexpr double kDeadlineSlack = 1.01;    // with a deadline: the fastest within 1% of the cheapest meeting it
constexpr std::size_t kMaxConfirmed = 32;  // DES plays at most this many front points

// One cluster of the space: everything but the training settings.
struct Variant {
  models::ClusterSpec cluster;
  double price = 0;
};

// One evaluated configuration, compactly (the space may hold 10^5 and more).
struct Candidate {
  std::uint32_t variant = 0;
  std::int64_t micro_batch = 1;
  std::int64_t accumulation = 1;
  int zero = 0;
  int gpus = 1;
  double step_s = 0;
  double exposed_fraction = 0;
  double memory_ratio = 0;  // needed / capacity
  std::int64_t steps = 0;
  double time_s = 0;
  double cost = 0;
  enum class Status { Ok, OutOfMemory, OverMaxBatch } status = Status::Ok;
};

// The space searched: the base scenario and its model's graph, the clusters of the plan, and
// every configuration on them that can run and be priced.
struct Space {
  models::Scenario base;
  std::vector<Variant> variants;
  models::ModelGraph graph;
  std::vector<Candidate> candidates = {};  // filled by add_configurations
  std::size_t unsupported = 0;             // configurations left out: precision the GPU lacks, tree too small, no price

  [[nodiscard]] const models::ClusterSpec& cluster(const Candidate& c) const { return variants[c.variant].cluster; }
  // The scenario of one configuration.
  [[nodiscard]] models::Scenario scenario(const Candidate& c) const {
    models::Scenario s = base;
    s.cluster = variants[c.variant].cluster;
    s.training.micro_batch = c.micro_batch;
    s.training.grad_accumulation = c.accumulation;
    s.data_parallel.zero_stage = c.zero;
    s.sweep_point.clear();
    return s;
  }
  [[nodiscard]] std::string label(const Candidate& c) const { return plan_point_label(scenario(c)); }
};

// The configurations that fit (in memory and the max global batch), and those of them that
// meet the deadline and budget: indices into Space::candidates.
struct Shortlist {
  std::vector<std::size_t> fitting;
  std::vector<std::size_t> meeting;
};

// The recommended front point, and the rule that picked it.
struct Recommendation {
  std::optional<std::size_t> pick;  // index into the front; none when no point meets the constraints
  PlanRule rule = PlanRule::FastestNearCheapest;
  double cheapest_usd = 0;  // the cost the rule compares with
};

// USD per GPU-hour: the command line's, the plan's, else the catalogue's (0: none).
double price_per_gpu_hour(const std::string& gpu, const models::PlanSpec& plan, const models::Catalogue& cat,
                          const PlanOptions& options) {
  if (auto it = options.prices.find(gpu); it != options.prices.end()) return it->second;
  if (auto p = plan.prices.find(gpu); p != plan.prices.end()) return p->second;
  if (cat.gpu(gpu).price_per_hour) return *cat.gpu(gpu).price_per_hour;
  return 0;
}

// Every cluster of the space: node preset x GPU x link x topology x node count.
std::vector<Variant> clusters_of(const models::Scenario& base, const models::PlanSpec& plan,
                                 const models::Catalogue& cat, const PlanOptions& options) {
  std::vector<Variant> variants;
  for (const auto& preset_name : plan.node_presets) {
    const models::NodePreset& preset = cat.node(preset_name);
    const bool own_gpu_allowed = std::find(plan.gpus.begin(), plan.gpus.end(), preset.gpu) != plan.gpus.end();
    for (const auto& gpu : plan.gpus) {
      // A preset with its own GPU; another GPU only when its own is not allowed (an override).
      if (gpu != preset.gpu && own_gpu_allowed) continue;
      const std::vector<std::string> links =
          !plan.links.empty() ? plan.links
                              : std::vector<std::string>{preset_name == base.cluster.node ? base.cluster.network.link
                                                                                          : preset.nic_link};
      const double price = price_per_gpu_hour(gpu, plan, cat, options);
      for (const auto& link : links)
        for (auto topology : plan.topologies)
          for (int nodes : plan.nodes_for(preset_name)) {
            Variant v;
            v.price = price;
            auto& c = v.cluster;
            c = base.cluster;
            c.node = preset_name;
            c.gpu = gpu;
            c.gpus_per_node = preset.gpus_per_node;
            c.nodes = nodes;
            c.network.topology = topology;
            c.network.link = link;
            if (topology == models::Topology::SingleSwitch) {
              c.network = models::NetworkSpec{};
              c.network.topology = topology;
              c.network.link = link;
            }
            c.resolve(cat);
            variants.push_back(v);
          }
    }
  }
  return variants;
}

// Whether a cluster can train the base scenario and be priced: its GPU has the precision, its
// switch tree holds the nodes (see scenario.cpp), and it has a price.
bool can_run(const Variant& variant, const models::Scenario& base) {
  const models::Gpu& gpu = *variant.cluster.gpu_entry;
  const auto& net = variant.cluster.network;
  const bool precision_ok = gpu.peak_flops.count(base.training.precision) > 0;
  bool fits_tree = true;
  if (net.switch_ports > 0 && net.topology != models::Topology::SingleSwitch) {
    const std::int64_t leaf = variant.cluster.nodes_per_leaf();
    const std::int64_t most =
        net.levels == 2 ? leaf * net.switch_ports : leaf * variant.cluster.leaves_per_pod() * net.switch_ports;
    fits_tree = variant.cluster.nodes <= most;
  }
  return precision_ok && fits_tree && variant.price > 0;
}

// The configurations of every cluster that can run (micro-batch x accumulation x ZeRO stage),
// each with its steps to the target; those over the max global batch are marked, not predicted.
void add_configurations(Space& space, const models::PlanSpec& plan) {
  const auto& base = space.base;
  const double target_samples =
      plan.target_tokens > 0 ? plan.target_tokens / static_cast<double>(base.seq_len()) : plan.target_samples;
  for (std::uint32_t v = 0; v < space.variants.size(); ++v) {
    const auto& var = space.variants[v];
    if (!can_run(var, base)) {
      space.unsupported += plan.micro_batches.size() * plan.grad_accumulations.size() * plan.zero_stages.size();
      continue;
    }
    for (auto mb : plan.micro_batches)
      for (auto acc : plan.grad_accumulations)
        for (int zero : plan.zero_stages) {
          if (zero > 0 && base.data_parallel.collective == models::Collective::ParameterServer) continue;
          Candidate c;
          c.variant = v;
          c.micro_batch = mb;
          c.accumulation = acc;
          c.zero = zero;
          c.gpus = var.cluster.gpus();
          const std::int64_t global = static_cast<std::int64_t>(c.gpus) * mb * acc;
          if (plan.max_global_batch && global > *plan.max_global_batch) c.status = Candidate::Status::OverMaxBatch;
          c.steps = static_cast<std::int64_t>(std::ceil(target_samples / static_cast<double>(global)));
          space.candidates.push_back(c);
        }
  }
  if (space.candidates.empty() && space.unsupported > 0)
    throw Error("dpcast plan: no configuration can be priced and run: " + std::to_string(space.unsupported) +
                " lack a price per GPU-hour (give plan.prices or --price GPU=USD), the precision on their GPU, or "
                "room in a switch tree of switch_ports");
}

// The space of `plan` from `base_in`: its clusters, the model's graph, its configurations.
Space space_of(const models::Scenario& base_in, const models::PlanSpec& plan, const models::Catalogue& cat,
               const PlanOptions& options) {
  models::Scenario base = base_in;
  base.locations.clear();
  base.sweep_point.clear();
  std::vector<Variant> variants = clusters_of(base, plan, cat, options);
  models::ModelGraph graph = base.model.build(base.seq_len());
  Space space{std::move(base), std::move(variants), std::move(graph)};
  add_configurations(space, plan);
  return space;
}

// One configuration, analytically: its memory and, when it fits, its step, time and cost.
void predict(const AnalyticalEngine& engine, const Space& space, Candidate& c) {
  if (c.status == Candidate::Status::OverMaxBatch) return;
  const auto r = engine.predict(space.scenario(c), space.graph, {false});
  c.memory_ratio = r.memory.total_bytes / r.memory.capacity_bytes;
  if (!r.feasible) {
    c.status = Candidate::Status::OutOfMemory;
    return;
  }
  c.step_s = r.step_time_s;
  c.exposed_fraction = r.breakdown.exposed_comm_s / r.step_time_s;
  c.time_s = static_cast<double>(c.steps) * c.step_s;
  c.cost = c.time_s / 3600 * c.gpus * space.variants[c.variant].price;
}

// Every configuration of the space, in parallel: each thread predicts a stride of them. The
// calling thread (0) reports progress and may be told to stop, which stops them all
// (PlanCancelled).
void evaluate(Space& space, const PlanOptions& options) {
  auto& all = space.candidates;
  const int threads = std::max(1, options.threads);
  const std::size_t total = all.size();  // the DES confirmations are added once the front is known
  std::atomic<std::size_t> done{0};
  std::atomic<bool> stop{false};
  auto work = [&](int t) {
    AnalyticalEngine engine;
    std::size_t mine = 0;
    for (std::size_t i = static_cast<std::size_t>(t); i < all.size(); i += static_cast<std::size_t>(threads)) {
      if (++mine % 64 == 0) {
        done += 64;
        if (stop) return;
        if (t == 0 && options.progress && !options.progress(done, total)) {
          stop = true;
          return;
        }
      }
      predict(engine, space, all[i]);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (stop || (options.progress && !options.progress(all.size(), total))) throw PlanCancelled();
}

// The configurations that fit and those that meet the constraints; counts those left out.
Shortlist shortlist_of(const Space& space, const models::PlanSpec& plan, PlanResult& result) {
  Shortlist shortlist;
  for (std::size_t i = 0; i < space.candidates.size(); ++i) {
    const auto& c = space.candidates[i];
    if (c.status == Candidate::Status::OutOfMemory) ++result.out_of_memory;
    if (c.status == Candidate::Status::OverMaxBatch) ++result.over_max_batch;
    if (c.status != Candidate::Status::Ok) continue;
    shortlist.fitting.push_back(i);
    if (plan_verdict(c.time_s, c.cost, plan).meets()) shortlist.meeting.push_back(i);
  }
  return shortlist;
}

// Nothing fits: how far the least memory-hungry configuration is off, what the max global
// batch rules out.
std::vector<std::string> why_nothing_fits(const Space& space, const models::PlanSpec& plan, const PlanResult& result) {
  std::vector<std::string> binding;
  const auto& all = space.candidates;
  if (result.out_of_memory > 0) {
    const auto best = std::min_element(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
      const double ra = a.status == Candidate::Status::OutOfMemory ? a.memory_ratio : 1e300;
      const double rb = b.status == Candidate::Status::OutOfMemory ? b.memory_ratio : 1e300;
      return ra < rb;
    });
    binding.push_back(plan_memory_binding(space.label(*best), best->memory_ratio));
  }
  if (result.over_max_batch > 0) {
    int fewest = std::numeric_limits<int>::max();
    for (const auto& c : all) fewest = std::min(fewest, c.gpus);
    binding.push_back(plan_max_batch_binding(*plan.max_global_batch, result.over_max_batch, fewest));
  }
  return binding;
}

// The Pareto front of (time, cost): fastest first, each cheaper than every faster one.
std::vector<std::size_t> pareto(const std::vector<Candidate>& all, const std::vector<std::size_t>& indices) {
  std::vector<std::size_t> sorted = indices;
  std::sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) {
    return all[a].time_s != all[b].time_s ? all[a].time_s < all[b].time_s : all[a].cost < all[b].cost;
  });
  std::vector<std::size_t> front;
  double cheapest = std::numeric_limits<double>::infinity();
  for (std::size_t i : sorted)
    if (all[i].cost < cheapest) {
      front.push_back(i);
      cheapest = all[i].cost;
    }
  return front;
}

// One configuration as a front point, with its analytical record.
PlanPoint point_of(const Space& space, std::size_t index) {
  const auto& c = space.candidates[index];
  PlanPoint p;
  p.scenario = space.scenario(c);
  p.analytical = AnalyticalEngine{}.predict(p.scenario, space.graph, {false});
  p.price_per_gpu_hour = space.variants[c.variant].price;
  p.steps = c.steps;
  return p;
}

// The front of `indices` as front points.
std::vector<PlanPoint> front_of(const Space& space, const std::vector<std::size_t>& indices) {
  std::vector<PlanPoint> front;
  for (std::size_t i : pareto(space.candidates, indices)) front.push_back(point_of(space, i));
  return front;
}

// Each GPU type's cheapest and fastest among `indices`. A point the front holds comes with the
// front's DES confirmation; another is played on the DES as the front's are (up to a size).
std::vector<PlanGpuBest> best_per_gpu(const Space& space, const models::PlanSpec& plan,
                                      const std::vector<std::size_t>& indices, const std::vector<PlanPoint>& front,
                                      [[maybe_unused]] const PlanOptions& options) {
  const auto& all = space.candidates;
  const auto as_point = [&](std::size_t index) -> PlanPoint {
    const std::string label = space.label(all[index]);
    for (const auto& f : front)
      if (plan_point_label(f) == label) return f;
    PlanPoint p = point_of(space, index);
#ifdef DPCAST_HAVE_DES
    if (p.analytical.gpus <= options.confirm_up_to_gpus) p.des = DesEngine{}.predict(p.scenario, space.graph, {false});
#endif
    return p;
  };
  std::vector<PlanGpuBest> best;
  for (const auto& gpu : plan.gpus) {
    std::optional<std::size_t> cheapest, fastest;
    for (std::size_t i : indices) {
      if (space.cluster(all[i]).gpu != gpu) continue;
      if (!cheapest || all[i].cost < all[*cheapest].cost) cheapest = i;
      if (!fastest || all[i].time_s < all[*fastest].time_s) fastest = i;
    }
    PlanGpuBest entry{gpu, std::nullopt, std::nullopt};
    if (cheapest) entry.cheapest = as_point(*cheapest);
    if (fastest) entry.fastest = fastest == cheapest ? entry.cheapest : as_point(*fastest);  // one point: played once
    best.push_back(std::move(entry));
  }
  return best;
}

#ifdef DPCAST_HAVE_DES
// The DES confirms the front (up to a size): its step time replaces the analytical one.
// Progress goes on from the analytical configurations, one unit per confirmation.
void confirm_on_des(std::vector<PlanPoint>& front, const Space& space, const PlanOptions& options) {
  const std::size_t evaluated = space.candidates.size();
  std::size_t to_confirm = 0;
  for (const auto& p : front)
    if (p.analytical.gpus <= options.confirm_up_to_gpus && to_confirm < kMaxConfirmed) ++to_confirm;
  const std::size_t total = evaluated + to_confirm;
  std::size_t confirmed = 0;
  for (auto& p : front)
    if (p.analytical.gpus <= options.confirm_up_to_gpus && confirmed < kMaxConfirmed) {
      if (options.progress && !options.progress(evaluated + confirmed, total)) throw PlanCancelled();
      p.des = DesEngine{}.predict(p.scenario, space.graph, {false});
      ++confirmed;
    }
  if (options.progress && to_confirm > 0 && !options.progress(total, total)) throw PlanCancelled();
}
#endif

// Some configurations fit, none meets the constraints: which binds, and by how much.
std::vector<std::string> binding_constraints(const Space& space, const models::PlanSpec& plan,
                                             const std::vector<std::size_t>& fitting) {
  const auto& all = space.candidates;
  const auto fastest =
      *std::min_element(fitting.begin(), fitting.end(), [&](auto a, auto b) { return all[a].time_s < all[b].time_s; });
  const auto cheapest =
      *std::min_element(fitting.begin(), fitting.end(), [&](auto a, auto b) { return all[a].cost < all[b].cost; });
  const bool deadline_alone = plan.deadline_s && all[fastest].time_s <= *plan.deadline_s;
  const bool budget_alone = plan.budget_usd && all[cheapest].cost <= *plan.budget_usd;
  std::vector<std::string> binding;
  if (plan.deadline_s && !deadline_alone)
    binding.push_back(plan_deadline_binding(*plan.deadline_s, space.label(all[fastest]), all[fastest].time_s));
  if (plan.budget_usd && !budget_alone)
    binding.push_back(plan_budget_binding(*plan.budget_usd, space.label(all[cheapest]), all[cheapest].cost));
  if (deadline_alone && budget_alone) {
    // Each alone can be met, not both: what each costs the other.
    double cost_for_deadline = std::numeric_limits<double>::infinity(), time_in_budget = cost_for_deadline;
    for (std::size_t i : fitting) {
      if (all[i].time_s <= *plan.deadline_s) cost_for_deadline = std::min(cost_for_deadline, all[i].cost);
      if (all[i].cost <= *plan.budget_usd) time_in_budget = std::min(time_in_budget, all[i].time_s);
    }
    binding.push_back(plan_conflict_binding(*plan.deadline_s, *plan.budget_usd, cost_for_deadline, time_in_budget));
  }
  return binding;
}

// Among the front points `eligible` accepts, the one `better` ranks first (the earliest of
// equals); `start`, when given, stays unless a point is strictly better.
template <class Eligible, class Better>
std::optional<std::size_t> best_of(const std::vector<PlanPoint>& front, Eligible eligible, Better better,
                                   std::optional<std::size_t> start = std::nullopt) {
  std::optional<std::size_t> pick = start;
  for (std::size_t k = 0; k < front.size(); ++k)
    if (eligible(front[k]) && (!pick || better(front[k], front[*pick]))) pick = k;
  return pick;
}

bool faster(const PlanPoint& a, const PlanPoint& b) {
  return a.time_s() < b.time_s();
}

bool cheaper(const PlanPoint& a, const PlanPoint& b) {
  return a.cost_usd() < b.cost_usd();
}

// The recommendation, on confirmed times (the rules of planner.hpp's header comment).
Recommendation recommend(const std::vector<PlanPoint>& front, const models::PlanSpec& plan) {
  if (!plan.deadline_s && !plan.budget_usd) {  // the fastest costing at most 10% more than the cheapest
    double cheapest = std::numeric_limits<double>::infinity();
    for (const auto& p : front) cheapest = std::min(cheapest, p.cost_usd());
    const auto near_cheapest = [&](const PlanPoint& p) { return p.cost_usd() <= kCheapSlack * cheapest; };
    return {best_of(front, near_cheapest, faster), PlanRule::FastestNearCheapest, cheapest};
  }
  const auto meets = [&](const PlanPoint& p) { return plan_verdict(p, plan).meets(); };
  if (!plan.deadline_s) return {best_of(front, meets, faster), PlanRule::FastestWithinBudget, 0};
  // The cheapest meeting the deadline (and budget); but hours saved for a few dollars more are
  // worth taking: the fastest meeting them at most 1% dearer than that one.
  Recommendation rec{best_of(front, meets, cheaper), PlanRule::CheapestMeetingDeadline, 0};
  if (!rec.pick) return rec;
  rec.cheapest_usd = front[*rec.pick].cost_usd();
  const auto near_cheapest = [&](const PlanPoint& p) {
    return meets(p) && p.cost_usd() <= kDeadlineSlack * rec.cheapest_usd;
  };
  const auto fastest_near = best_of(front, near_cheapest, faster, rec.pick);
  if (fastest_near != rec.pick) {
    rec.pick = fastest_near;
    rec.rule = PlanRule::FastestNearCheapestMeetingDeadline;
  }
  return rec;
}

// How far the recommended hardware scales: at each GPU count its fastest configuration within
// the constraints on batch and memory, and the share of its step that is exposed communication.
std::optional<PlanScaling> scaling_of(const Space& space, const models::ClusterSpec& rc) {
  std::map<int, const Candidate*> fastest;
  for (const auto& c : space.candidates) {
    const auto& vc = space.cluster(c);
    if (c.status != Candidate::Status::Ok || vc.node != rc.node || vc.gpu != rc.gpu ||
        vc.network.link != rc.network.link || vc.network.topology != rc.network.topology)
      continue;
    auto& slot = fastest[c.gpus];
    if (!slot || c.time_s < slot->time_s) slot = &c;
  }
  if (fastest.empty()) return std::nullopt;
  PlanScaling scaling{rc.gpu, rc.network.link};
  for (const auto& [gpus, c] : fastest) {
    if (scaling.first_over_gpus > 0) break;
    if (c->exposed_fraction <= kExposedLimit)
      scaling.last_within_gpus = gpus;
    else
      scaling.first_over_gpus = gpus, scaling.over_fraction = c->exposed_fraction;
  }
  scaling.most_searched_gpus = fastest.rbegin()->first;
  return scaling;
}

// The other GPU types: the cheapest of each meeting the constraints (as confirmed), against the
// recommendation.
std::vector<std::string> other_gpus(const std::vector<PlanGpuBest>& best_per_gpu, const PlanPoint& r) {
  std::vector<std::string> sentences;
  for (const auto& best : best_per_gpu) {
    if (best.gpu == r.scenario.cluster.gpu) continue;
    const auto& c = best.cheapest;
    sentences.push_back(
        c ? plan_other_gpu_sentence(best.gpu, plan_point_label(*c), c->cost_usd(), c->time_s(), r.cost_usd())
          : plan_no_gpu_sentence(best.gpu));
  }
  return sentences;
}

// The recommendation and its reasons, into result.why: how far its hardware scales, the next
// faster option, the other GPU types, what the search left out.
void explain(PlanResult& result, const Recommendation& rec, const Space& space, const models::PlanSpec& plan) {
  const PlanPoint& r = result.front[*rec.pick];
  result.why.push_back(plan_recommendation_sentence(r, rec.rule, plan, rec.cheapest_usd));
  if (const auto scaling = scaling_of(space, r.scenario.cluster)) result.why.push_back(plan_scaling_sentence(*scaling));
  if (*rec.pick > 0) {
    const PlanPoint& faster = result.front[*rec.pick - 1];
    result.why.push_back(plan_next_faster_sentence(r, faster, plan_verdict(faster, plan).meets()));
  }
  for (auto& sentence : other_gpus(result.best_per_gpu, r)) result.why.push_back(std::move(sentence));
  if (result.out_of_memory + result.over_max_batch + result.unsupported > 0)
    result.why.push_back(plan_searched_sentence(result));
}

}  // namespace

PlanVerdict plan_verdict(double time_s, double cost_usd, const models::PlanSpec& plan) {
  // Written as !(x <= limit), so a figure that is not a number breaks the constraint.
  PlanVerdict v;
  v.over_deadline = plan.deadline_s && !(time_s <= *plan.deadline_s);
  v.over_budget = plan.budget_usd && !(cost_usd <= *plan.budget_usd);
  return v;
}

PlanVerdict plan_verdict(const PlanPoint& point, const models::PlanSpec& plan) {
  return plan_verdict(point.time_s(), point.cost_usd(), plan);
}

PlanResult make_plan(const models::Scenario& base, const models::PlanSpec& plan, const models::Catalogue& cat,
                     const PlanOptions& options) {
  Space space = space_of(base, plan, cat, options);
  PlanResult result;
  result.unsupported = space.unsupported;
  evaluate(space, options);
  result.evaluated = space.candidates.size();

  const Shortlist shortlist = shortlist_of(space, plan, result);
  result.constraints_met = !shortlist.meeting.empty();
  if (shortlist.fitting.empty()) {
    result.binding = why_nothing_fits(space, plan, result);
    return result;
  }

  result.front = front_of(space, shortlist.meeting.empty() ? shortlist.fitting : shortlist.meeting);
#ifdef DPCAST_HAVE_DES
  confirm_on_des(result.front, space, options);
#endif
  result.best_per_gpu = best_per_gpu(space, plan, shortlist.meeting.empty() ? shortlist.fitting : shortlist.meeting,
                                     result.front, options);
  if (shortlist.meeting.empty()) {
    result.binding = binding_constraints(space, plan, shortlist.fitting);
    result.why.push_back(plan_front_ignores_constraints_sentence());
    return result;
  }

  const Recommendation rec = recommend(result.front, plan);
  if (!rec.pick) {  // confirmation moved every point out of the constraints
    result.why.push_back(plan_des_misses_constraints_sentence());
    return result;
  }
  result.recommended = rec.pick;
  explain(result, rec, space, plan);
  return result;
}

}  // namespace dpcast::sim
