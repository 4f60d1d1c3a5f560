#include "dpcast/sim/planner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <thread>

#include "dpcast/models/error.hpp"
#include "dpcast/models/record_config.hpp"
#include "dpcast/models/scenario_yaml.hpp"
#include "dpcast/sim/analytical.hpp"
#ifdef DPCAST_HAVE_DES
#include "dpcast/sim/des/des_engine.hpp"
#endif
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace {

// 286103 -> "286,103"
std::string grouped(double whole) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", whole);
  std::string digits = buf, out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

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

models::Scenario configure(const models::Scenario& base, const Variant& v, std::int64_t mb, std::int64_t acc,
                           int zero) {
  models::Scenario s = base;
  s.cluster = v.cluster;
  s.training.micro_batch = mb;
  s.training.grad_accumulation = acc;
  s.data_parallel.zero_stage = zero;
  s.sweep_point.clear();
  return s;
}

std::string describe(const models::Scenario& s) {
  const auto& c = s.cluster;
  std::string d = std::to_string(c.nodes) + " x " + c.node + " (" + std::to_string(c.gpus()) + " " + c.gpu + ") on " +
                  models::network_label(s) + ", micro-batch " + std::to_string(s.training.micro_batch);
  if (s.training.grad_accumulation > 1) d += " x" + std::to_string(s.training.grad_accumulation) + " accumulation";
  if (s.data_parallel.zero_stage > 0) d += ", ZeRO-" + std::to_string(s.data_parallel.zero_stage);
  return d;
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

}  // namespace

std::string plan_dollars(double usd) {
  if (usd >= 100) return std::string("$").append(grouped(usd));
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

std::string plan_duration(double s) {
  if (s < 60) return human_time(s);
  if (s < 3600) return fixed(s / 60, s < 600 ? 1 : 0) + " min";
  return fixed(s / 3600, s < 36000 ? 1 : 0) + " h";
}

PlanResult make_plan(const models::Scenario& base_in, const models::PlanSpec& plan, const models::Catalogue& cat,
                     const PlanOptions& options) {
  models::Scenario base = base_in;
  base.locations.clear();
  base.sweep_point.clear();
  PlanResult result;

  // ---- the clusters of the space ----
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
      double price = 0;
      if (auto it = options.prices.find(gpu); it != options.prices.end())
        price = it->second;
      else if (auto p = plan.prices.find(gpu); p != plan.prices.end())
        price = p->second;
      else if (cat.gpu(gpu).price_per_hour)
        price = *cat.gpu(gpu).price_per_hour;
      for (const auto& link : links)
        for (auto topology : plan.topologies)
          for (int nodes : plan.nodes) {
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
            if (topology == models::Topology::SingleSwitch) c.network = {topology, link, 1, 0, 0, 2, 0, 1};
            c.resolve(cat);
            variants.push_back(v);
          }
    }
  }

  // ---- every configuration, analytically ----
  const models::ModelGraph graph = base.model.build(base.seq_len());
  const double target_samples =
      plan.target_tokens > 0 ? plan.target_tokens / static_cast<double>(base.seq_len()) : plan.target_samples;
  std::vector<Candidate> all;
  for (std::uint32_t v = 0; v < variants.size(); ++v) {
    const auto& var = variants[v];
    const models::Gpu& gpu = *var.cluster.gpu_entry;
    const auto& net = var.cluster.network;
    const bool precision_ok = gpu.peak_flops.count(base.training.precision) > 0;
    // A tree of limited switches must hold the nodes (see scenario.cpp).
    bool fits_tree = true;
    if (net.switch_ports > 0 && net.topology != models::Topology::SingleSwitch) {
      const std::int64_t leaf = var.cluster.nodes_per_leaf();
      const std::int64_t most =
          net.levels == 2 ? leaf * net.switch_ports : leaf * var.cluster.leaves_per_pod() * net.switch_ports;
      fits_tree = var.cluster.nodes <= most;
    }
    const std::size_t combos = plan.micro_batches.size() * plan.grad_accumulations.size() * plan.zero_stages.size();
    if (!precision_ok || !fits_tree || var.price <= 0) {
      result.unsupported += combos;
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
          all.push_back(c);
        }
  }
  if (all.empty() && result.unsupported > 0)
    throw Error("dpcast plan: no configuration can be priced and run: " + std::to_string(result.unsupported) +
                " lack a price per GPU-hour (give plan.prices or --price GPU=USD), the precision on their GPU, or "
                "room in a switch tree of switch_ports");
  {
    // Parallel: each thread predicts a stride of the candidates. The calling thread (0)
    // reports progress and may be told to stop, which stops them all.
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
        Candidate& c = all[i];
        if (c.status == Candidate::Status::OverMaxBatch) continue;
        const auto s = configure(base, variants[c.variant], c.micro_batch, c.accumulation, c.zero);
        const auto r = engine.predict(s, graph, {false});
        c.memory_ratio = r.memory.total_bytes / r.memory.capacity_bytes;
        if (!r.feasible) {
          c.status = Candidate::Status::OutOfMemory;
          continue;
        }
        c.step_s = r.step_time_s;
        c.exposed_fraction = r.breakdown.exposed_comm_s / r.step_time_s;
        c.time_s = static_cast<double>(c.steps) * c.step_s;
        c.cost = c.time_s / 3600 * c.gpus * variants[c.variant].price;
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    if (stop || (options.progress && !options.progress(all.size(), total))) throw PlanCancelled();
  }
  result.evaluated = all.size();

  // ---- constraints and the front ----
  std::vector<std::size_t> fitting, meeting;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = all[i];
    if (c.status == Candidate::Status::OutOfMemory) ++result.out_of_memory;
    if (c.status == Candidate::Status::OverMaxBatch) ++result.over_max_batch;
    if (c.status != Candidate::Status::Ok) continue;
    fitting.push_back(i);
    if ((!plan.deadline_s || c.time_s <= *plan.deadline_s) && (!plan.budget_usd || c.cost <= *plan.budget_usd))
      meeting.push_back(i);
  }
  result.constraints_met = !meeting.empty();

  if (fitting.empty()) {
    // Nothing runs: say why.
    if (result.out_of_memory > 0) {
      const auto best = std::min_element(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
        const double ra = a.status == Candidate::Status::OutOfMemory ? a.memory_ratio : 1e300;
        const double rb = b.status == Candidate::Status::OutOfMemory ? b.memory_ratio : 1e300;
        return ra < rb;
      });
      const auto s = configure(base, variants[best->variant], best->micro_batch, best->accumulation, best->zero);
      result.binding.push_back("nothing fits in memory: the smallest need, " + describe(s) + ", is " +
                               fixed(best->memory_ratio, 2) +
                               "x the GPU's memory; allow ZeRO stages, smaller "
                               "micro-batches or GPUs with more memory");
    }
    if (result.over_max_batch > 0) {
      int fewest = std::numeric_limits<int>::max();
      for (const auto& c : all) fewest = std::min(fewest, c.gpus);
      result.binding.push_back("the max global batch of " + std::to_string(*plan.max_global_batch) + " rules out " +
                               std::to_string(result.over_max_batch) + " configurations (the smallest cluster has " +
                               std::to_string(fewest) + " GPUs, so its smallest global batch is " +
                               std::to_string(fewest) + ")");
    }
    return result;
  }

  const auto front = pareto(all, meeting.empty() ? fitting : meeting);
  for (std::size_t i : front) {
    const auto& c = all[i];
    PlanPoint p;
    p.scenario = configure(base, variants[c.variant], c.micro_batch, c.accumulation, c.zero);
    p.analytical = AnalyticalEngine{}.predict(p.scenario, graph, {false});
    p.price_per_gpu_hour = variants[c.variant].price;
    p.steps = c.steps;
    result.front.push_back(std::move(p));
  }
#ifdef DPCAST_HAVE_DES
  // The DES confirms the front (up to a size): its step time replaces the analytical one.
  std::size_t to_confirm = 0;
  for (const auto& p : result.front)
    if (p.analytical.gpus <= options.confirm_up_to_gpus && to_confirm < kMaxConfirmed) ++to_confirm;
  const std::size_t total = all.size() + to_confirm;
  std::size_t confirmed = 0;
  for (auto& p : result.front)
    if (p.analytical.gpus <= options.confirm_up_to_gpus && confirmed < kMaxConfirmed) {
      if (options.progress && !options.progress(all.size() + confirmed, total)) throw PlanCancelled();
      p.des = DesEngine{}.predict(p.scenario, graph, {false});
      ++confirmed;
    }
  if (options.progress && to_confirm > 0 && !options.progress(total, total)) throw PlanCancelled();
#endif

  // ---- binding constraints ----
  if (meeting.empty()) {
    const auto fastest = *std::min_element(fitting.begin(), fitting.end(),
                                           [&](auto a, auto b) { return all[a].time_s < all[b].time_s; });
    const auto cheapest =
        *std::min_element(fitting.begin(), fitting.end(), [&](auto a, auto b) { return all[a].cost < all[b].cost; });
    auto config = [&](std::size_t i) {
      const auto& c = all[i];
      return describe(configure(base, variants[c.variant], c.micro_batch, c.accumulation, c.zero));
    };
    const bool deadline_alone = plan.deadline_s && all[fastest].time_s <= *plan.deadline_s;
    const bool budget_alone = plan.budget_usd && all[cheapest].cost <= *plan.budget_usd;
    if (plan.deadline_s && !deadline_alone)
      result.binding.push_back("the " + plan_duration(*plan.deadline_s) +
                               " deadline cannot be met: the fastest configuration, " + config(fastest) + ", takes " +
                               plan_duration(all[fastest].time_s) + ", " +
                               plan_duration(all[fastest].time_s - *plan.deadline_s) + " over");
    if (plan.budget_usd && !budget_alone)
      result.binding.push_back("the " + plan_dollars(*plan.budget_usd) +
                               " budget is below the cheapest configuration, " + config(cheapest) + ", at " +
                               plan_dollars(all[cheapest].cost) + " (" +
                               plan_dollars(all[cheapest].cost - *plan.budget_usd) + " short)");
    if (deadline_alone && budget_alone) {
      // Each alone can be met, not both: what each costs the other.
      double cost_for_deadline = std::numeric_limits<double>::infinity(), time_in_budget = cost_for_deadline;
      for (std::size_t i : fitting) {
        if (all[i].time_s <= *plan.deadline_s) cost_for_deadline = std::min(cost_for_deadline, all[i].cost);
        if (all[i].cost <= *plan.budget_usd) time_in_budget = std::min(time_in_budget, all[i].time_s);
      }
      result.binding.push_back("no configuration meets both: meeting the " + plan_duration(*plan.deadline_s) +
                               " deadline costs at least " + plan_dollars(cost_for_deadline) + ", " +
                               plan_dollars(cost_for_deadline - *plan.budget_usd) + " over the budget; within the " +
                               plan_dollars(*plan.budget_usd) + " budget the fastest takes " +
                               plan_duration(time_in_budget) + ", " + plan_duration(time_in_budget - *plan.deadline_s) +
                               " over the deadline");
    }
    result.why.push_back("the front above is of every configuration that fits, ignoring the deadline and budget");
    return result;
  }

  // ---- the recommendation, on confirmed times ----
  auto meets = [&](const PlanPoint& p) {
    return (!plan.deadline_s || p.time_s() <= *plan.deadline_s) &&
           (!plan.budget_usd || p.cost_usd() <= *plan.budget_usd);
  };
  std::optional<std::size_t> pick;
  std::string reason;
  for (std::size_t k = 0; k < result.front.size(); ++k) {
    const auto& p = result.front[k];
    if (!meets(p)) continue;
    if (plan.deadline_s) {  // the cheapest meeting the deadline (and budget); refined below
      if (!pick || p.cost_usd() < result.front[*pick].cost_usd()) pick = k;
      reason = "the cheapest that meets the " + plan_duration(*plan.deadline_s) + " deadline" +
               (plan.budget_usd ? " within the " + plan_dollars(*plan.budget_usd) + " budget" : "");
    } else if (plan.budget_usd) {  // the fastest within budget
      if (!pick || p.time_s() < result.front[*pick].time_s()) pick = k;
      reason = "the fastest within the " + plan_dollars(*plan.budget_usd) + " budget";
    }
  }
  if (plan.deadline_s && pick) {
    // Hours saved for a few dollars more are worth taking: the fastest meeting the
    // constraints at most 1% dearer than the cheapest that does.
    const double cheapest = result.front[*pick].cost_usd();
    const std::size_t cheapest_pick = *pick;
    for (std::size_t k = 0; k < result.front.size(); ++k)
      if (meets(result.front[k]) && result.front[k].cost_usd() <= kDeadlineSlack * cheapest &&
          result.front[k].time_s() < result.front[*pick].time_s())
        pick = k;
    if (*pick != cheapest_pick)
      reason = "the fastest that meets the " + plan_duration(*plan.deadline_s) + " deadline" +
               (plan.budget_usd ? " within the " + plan_dollars(*plan.budget_usd) + " budget" : "") +
               " at most 1% dearer than the cheapest that does (" + plan_dollars(cheapest) + ")";
  }
  if (!plan.deadline_s && !plan.budget_usd) {
    double cheapest = std::numeric_limits<double>::infinity();
    for (const auto& p : result.front) cheapest = std::min(cheapest, p.cost_usd());
    for (std::size_t k = 0; k < result.front.size(); ++k)
      if (result.front[k].cost_usd() <= kCheapSlack * cheapest &&
          (!pick || result.front[k].time_s() < result.front[*pick].time_s()))
        pick = k;
    reason = "the fastest costing at most 10% more than the cheapest (" + plan_dollars(cheapest) + ")";
  }
  if (!pick) {  // confirmation moved every point out of the constraints
    result.why.push_back(
        "the DES finds every front point slower than the analytical engine did; none meets the constraints");
    return result;
  }
  result.recommended = pick;
  const PlanPoint& r = result.front[*pick];
  result.why.push_back("recommended: " + describe(r.scenario) + ": " + plan_duration(r.time_s()) + " and " +
                       plan_dollars(r.cost_usd()) + " (" + grouped(static_cast<double>(r.steps)) + " steps of " +
                       human_time(r.step_time_s()) + (r.des ? ", DES-confirmed" : "") + ") — " + reason + ".");

  // How far this hardware scales: at each GPU count its fastest configuration within the
  // constraints on batch and memory, and the share of its step that is exposed communication.
  {
    const auto& rc = r.scenario.cluster;
    std::map<int, const Candidate*> fastest;
    for (const auto& c : all) {
      const auto& vc = variants[c.variant].cluster;
      if (c.status != Candidate::Status::Ok || vc.node != rc.node || vc.gpu != rc.gpu ||
          vc.network.link != rc.network.link || vc.network.topology != rc.network.topology)
        continue;
      auto& slot = fastest[c.gpus];
      if (!slot || c.time_s < slot->time_s) slot = &c;
    }
    int last_ok = 0, first_over = 0;
    double over_fraction = 0;
    for (const auto& [gpus, c] : fastest) {
      if (first_over > 0) break;
      if (c->exposed_fraction <= kExposedLimit)
        last_ok = gpus;
      else
        first_over = gpus, over_fraction = c->exposed_fraction;
    }
    const std::string where = rc.gpu + " on " + rc.network.link;
    if (first_over > 0 && last_ok > 0)
      result.why.push_back("beyond " + std::to_string(last_ok) + " GPUs of " + where +
                           ", exposed communication exceeds 30% of the step even in the fastest configuration (" +
                           fixed(100 * over_fraction, 0) + "% at " + std::to_string(first_over) + " GPUs).");
    else if (first_over > 0)
      result.why.push_back("exposed communication exceeds 30% of the step from " + std::to_string(first_over) +
                           " GPUs of " + where + ".");
    else if (!fastest.empty())
      result.why.push_back("exposed communication stays below 30% of the step up to " +
                           std::to_string(fastest.rbegin()->first) + " GPUs of " + where +
                           ", the most searched that fit the memory and the max global batch.");
  }
  // The next faster option.
  if (*pick > 0) {
    const PlanPoint& faster = result.front[*pick - 1];
    result.why.push_back("the next faster option, " + describe(faster.scenario) + ", saves " +
                         plan_duration(r.time_s() - faster.time_s()) + " for " +
                         plan_dollars(faster.cost_usd() - r.cost_usd()) + " more" +
                         (meets(faster) ? "." : ", but breaks a constraint."));
  }
  // Other GPU types: their best on the same terms.
  for (const auto& gpu : plan.gpus) {
    if (gpu == r.scenario.cluster.gpu) continue;
    std::optional<std::size_t> best;
    for (std::size_t i : meeting)
      if (variants[all[i].variant].cluster.gpu == gpu && (!best || all[i].cost < all[*best].cost)) best = i;
    if (best)
      result.why.push_back("with " + gpu + " the cheapest meeting the constraints costs " +
                           plan_dollars(all[*best].cost) + " (" + fixed(all[*best].cost / r.cost_usd(), 2) +
                           "x) and takes " + plan_duration(all[*best].time_s) + ".");
    else
      result.why.push_back("no " + gpu + " configuration meets the constraints.");
  }
  if (result.out_of_memory + result.over_max_batch + result.unsupported > 0)
    result.why.push_back(
        std::to_string(result.evaluated) + " configurations searched: " + std::to_string(result.out_of_memory) +
        " do not fit in memory, " + std::to_string(result.over_max_batch) + " exceed the max global batch" +
        (result.unsupported ? ", " + std::to_string(result.unsupported) + " cannot run or be priced" : "") + ".");
  return result;
}

std::string plan_table(const PlanResult& result, const models::PlanSpec& plan) {
  std::ostringstream out;
  if (!result.binding.empty()) {
    out << "No configuration meets the constraints:\n";
    for (const auto& b : result.binding) out << "  - " << b << "\n";
    if (!result.front.empty()) out << "\n";
  }
  if (!result.front.empty()) {
    out << "Pareto front (time to train against cost), " << result.evaluated << " configurations searched"
        << (plan.target_tokens > 0 ? ", target " + human_rate(plan.target_tokens, "tokens")
                                   : ", target " + human_rate(plan.target_samples, "samples"))
        << ":\n";
    Table t({"", "GPUs", "node", "GPU", "network", "micro_batch", "accumulation", "ZeRO", "batch", "step", "DES step",
             "time to train", "cost", "MFU", "exposed comm"});
    for (std::size_t k = 0; k < result.front.size(); ++k) {
      const auto& p = result.front[k];
      const auto& a = p.analytical;
      t.add_row({result.recommended == k ? "*" : "", std::to_string(a.gpus), a.node, a.gpu, a.network,
                 std::to_string(a.micro_batch), std::to_string(a.grad_accumulation), std::to_string(a.zero_stage),
                 std::to_string(a.global_batch), human_time(a.step_time_s),
                 p.des ? human_time(p.des->step_time_s) : "-", plan_duration(p.time_s()), plan_dollars(p.cost_usd()),
                 fixed(100 * a.mfu, 1) + "%", fixed(100 * a.breakdown.exposed_comm_s / a.step_time_s, 1) + "%"});
    }
    t.print(out);
  }
  for (const auto& w : result.why) out << w << "\n";
  return out.str();
}

std::string plan_json(const PlanResult& result, const models::PlanSpec& plan) {
  models::Json front = models::Json::array();
  for (std::size_t k = 0; k < result.front.size(); ++k) {
    const auto& p = result.front[k];
    models::Json j{{"recommended", result.recommended == k},
                   {"time_to_train_s", p.time_s()},
                   {"cost_usd", p.cost_usd()},
                   {"steps", p.steps},
                   {"price_per_gpu_hour_usd", p.price_per_gpu_hour},
                   {"step_time_s", p.step_time_s()},
                   {"analytical", models::to_json(p.analytical, false)},
                   {"scenario_yaml", models::scenario_yaml(p.scenario)}};
    if (p.des) j["des"] = models::to_json(*p.des, false);
    front.push_back(j);
  }
  models::Json target = plan.target_tokens > 0 ? models::Json{{"tokens", plan.target_tokens}}
                                               : models::Json{{"samples", plan.target_samples}};
  models::Json out{{"target", target},
                   {"evaluated", result.evaluated},
                   {"out_of_memory", result.out_of_memory},
                   {"over_max_global_batch", result.over_max_batch},
                   {"unsupported", result.unsupported},
                   {"constraints_met", result.constraints_met},
                   {"binding", result.binding},
                   {"why", result.why},
                   {"front", front}};
  return out.dump(2) + "\n";
}

std::string plan_csv(const PlanResult& result) {
  std::string out = csv_line({"recommended", "gpus", "node", "gpu", "network", "micro_batch", "grad_accumulation",
                              "zero_stage", "global_batch", "step_time_s", "des_step_time_s", "steps",
                              "time_to_train_s", "cost_usd", "mfu", "exposed_comm_s"});
  for (std::size_t k = 0; k < result.front.size(); ++k) {
    const auto& p = result.front[k];
    const auto& a = p.analytical;
    out += csv_line({result.recommended == k ? "true" : "false", std::to_string(a.gpus), a.node, a.gpu, a.network,
                     std::to_string(a.micro_batch), std::to_string(a.grad_accumulation), std::to_string(a.zero_stage),
                     std::to_string(a.global_batch), number(a.step_time_s), p.des ? number(p.des->step_time_s) : "",
                     std::to_string(p.steps), number(p.time_s()), number(p.cost_usd()), number(a.mfu),
                     number(a.breakdown.exposed_comm_s)});
  }
  return out;
}

}  // namespace dpcast::sim
