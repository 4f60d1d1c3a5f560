#include "dpcast/sim/provenance.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <tuple>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {

const models::DataSetBound* nearest_data_set(const models::Scenario& s, const models::Bounds& bounds) {
  const models::Workload workload = models::workload_of(s);
  const int nodes = s.cluster.nodes;
  const models::DataSetBound* best = nullptr;
  auto score = [&](const models::DataSetBound& b) {
    const double doublings_away = nodes < b.min_nodes   ? std::log2(static_cast<double>(b.min_nodes) / nodes)
                                  : nodes > b.max_nodes ? std::log2(static_cast<double>(nodes) / b.max_nodes)
                                                        : 0.0;
    const bool same_gpu = std::find(b.gpus.begin(), b.gpus.end(), s.cluster.gpu) != b.gpus.end();
    return std::tuple(-doublings_away, same_gpu, b.cases);
  };
  for (const auto& b : bounds.data_sets) {
    if (std::find(b.workloads.begin(), b.workloads.end(), workload) == b.workloads.end()) continue;
    if (!best || score(b) > score(*best)) best = &b;
  }
  return best;
}

namespace {

std::string joined(const std::vector<std::string>& items, const std::string& last) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : i + 1 == items.size() ? last : ", ") + items[i];
  return out;
}

std::string profile_sentence(const models::Profile& p) {
  std::string out = "calibrated profile " + p.name;
  if (!p.validated)
    return out + " (its error against measurements is not recorded in it: dpcast compare --predict --profile " +
           (p.file.empty() ? p.name : p.file) + " measures it)";
  return out + ": dpcast compare measured " + fixed(p.validated->mape_pct, 1) + "% MAPE over " +
         std::to_string(p.validated->pairs) + " measured configuration" + (p.validated->pairs == 1 ? "" : "s") +
         (p.validated->against.empty() ? "" : " (" + p.validated->against + ")");
}

std::optional<models::Bounds> read_default_bounds(const std::string& engine) {
  try {
    return models::load_bounds(models::bounds_file(models::default_validation_dir(), engine));
  } catch (const Error&) {
    return std::nullopt;  // the sentence then says the figures could not be read
  }
}

}  // namespace

std::string provenance(const models::Scenario& s, const models::Profile* profile, const models::Bounds* bounds) {
  if (profile) return profile_sentence(*profile);
  const std::string defaults = "catalogue defaults";
  if (!bounds) return defaults + " (not validated: the corpus's bounds could not be read)";
  const models::DataSetBound* b = nearest_data_set(s, *bounds);
  const std::string workload(models::to_string(models::workload_of(s)));
  if (!b) return defaults + ": no published " + workload + " training measurement validates this kind of model yet";
  const std::string nodes = b->min_nodes == b->max_nodes
                                ? std::to_string(b->min_nodes) + " node" + (b->min_nodes == 1 ? "" : "s")
                                : std::to_string(b->min_nodes) + "-" + std::to_string(b->max_nodes) + " nodes";
  return defaults + ": validated to " + fixed(b->mape_pct, 1) + "% MAPE (" + bounds->engine + " engine) on " +
         std::to_string(b->cases) + " published cases of " + b->data_set + " (" + workload + " training on " +
         joined(b->gpus, " and ") + ", " + nodes + "), the nearest data set (dpcast validate)";
}

std::string provenance(const models::Scenario& s, const models::Profile* profile, const std::string& engine) {
  static const std::optional<models::Bounds> analytical = read_default_bounds("analytical");
  static const std::optional<models::Bounds> des = read_default_bounds("des");
  const auto& bounds = engine == "des" ? des : analytical;
  return provenance(s, profile, bounds ? &*bounds : nullptr);
}

}  // namespace dpcast::sim
