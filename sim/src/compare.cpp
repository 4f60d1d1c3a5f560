#include "dpcast/sim/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/sim/csv_columns.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
using models::RunRecord;

std::string configuration_key(const RunRecord& r) {
  std::ostringstream key;
  key << r.model << "|" << r.gpu << "|" << r.node << "|" << r.network << "|" << r.nodes << "x" << r.gpus_per_node
      << "|mb" << r.micro_batch << "|s" << r.seq_len << "|acc" << r.grad_accumulation << "|" << r.precision << "|"
      << r.optimizer << "|zero" << r.zero_stage << "|bucket" << std::llround(r.bucket_bytes);
  return key.str();
}

double ComparedPair::error() const {
  return (predicted.step_time_s - measured.step_time_s) / measured.step_time_s;
}

double Comparison::mape() const {
  if (pairs.empty()) return 0;
  double sum = 0;
  for (const auto& p : pairs) sum += std::abs(p.error());
  return sum / static_cast<double>(pairs.size());
}

double Comparison::worst() const {
  double w = 0;
  for (const auto& p : pairs) w = std::max(w, std::abs(p.error()));
  return w;
}

namespace {

std::string describe(const RunRecord& r) {
  std::string d =
      r.model + " on " + std::to_string(r.gpus) + " " + r.gpu + ", micro-batch " + std::to_string(r.micro_batch);
  if (r.grad_accumulation > 1) d += " x" + std::to_string(r.grad_accumulation);
  d += ", buckets " + human_bytes(r.bucket_bytes);
  return d;
}

// A measured record without a breakdown has zeros there: shown as "—", not "0 s".
std::string both(double predicted, double measured) {
  return human_time(predicted) + " / " + human_time_if_any(measured);
}

// "1.20 s (1.10 s-1.30 s)", or "1.20 s (—)" for a record without a spread.
std::string with_spread(const models::RunRecord& r) {
  const auto& [p10, p90] = r.step_time_spread_s;
  return human_time(r.step_time_s) + " (" +
         (p10 > 0 && p90 > 0 ? human_time(p10) + "-" + human_time(p90) : human_time_if_any(0)) + ")";
}

}  // namespace

Comparison compare_records(const std::vector<RunRecord>& records) {
  Comparison out;
  std::multimap<std::string, const RunRecord*> predicted;
  for (const auto& r : records)
    if (r.kind == "predicted" && r.feasible) predicted.emplace(configuration_key(r), &r);
  std::map<std::string, bool> prediction_used;
  for (const auto& r : records) {
    if (r.kind != "measured" || !r.feasible) continue;
    const auto key = configuration_key(r);
    const auto [first, last] = predicted.equal_range(key);
    if (first == last) {
      out.unpaired.push_back("measured " + describe(r) + ": no prediction of this configuration");
      continue;
    }
    for (auto it = first; it != last; ++it) out.pairs.push_back({*it->second, r});
    prediction_used[key] = true;
  }
  for (const auto& [key, r] : predicted)
    if (!prediction_used.count(key))
      out.unpaired.push_back("predicted " + describe(*r) + ": no measurement of this configuration");
  return out;
}

std::vector<RunRecord> load_records(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(SourceLocation{path, 0, 0}, "", "cannot open file");
  models::Json j;
  try {
    j = models::Json::parse(in);
  } catch (const models::Json::parse_error& e) {
    throw Error(SourceLocation{path, 0, 0}, "", std::string("not JSON: ") + e.what());
  }
  std::vector<models::Json> items;
  if (j.is_array())
    items.assign(j.begin(), j.end());
  else
    items.push_back(j);
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < items.size(); ++i) {
    try {
      records.push_back(models::record_from_json(items[i]));
    } catch (const Error& e) {
      const std::string where = j.is_array() ? "[" + std::to_string(i) + "]" : "";
      const std::string key = e.key_path().empty() ? "" : (where.empty() ? "" : ".") + e.key_path();
      throw Error(SourceLocation{path, 0, 0}, where + key, e.detail());
    }
  }
  return records;
}

std::string comparison_table(const Comparison& c, bool layers) {
  std::ostringstream out;
  Table t({"configuration", "engine", "predicted", "measured (p10-p90)", "error", "forward pred/meas",
           "backward pred/meas", "exposed comm pred/meas"});
  for (const auto& p : c.pairs) {
    const auto& m = p.measured;
    const auto& q = p.predicted;
    t.add_row({describe(m), q.engine, human_time(q.step_time_s), with_spread(m), signed_percent(p.error()),
               both(q.breakdown.forward_s, m.breakdown.forward_s), both(q.breakdown.backward_s, m.breakdown.backward_s),
               both(q.breakdown.exposed_comm_s, m.breakdown.exposed_comm_s)});
  }
  t.print(out);
  for (const auto& u : c.unpaired) out << "unpaired: " << u << "\n";
  if (layers)
    for (const auto& p : c.pairs) {
      out << "\n" << describe(p.measured) << " (" << p.predicted.engine << "): layers, slowest measured first\n";
      std::map<std::string, const models::LayerTiming*> predicted;
      for (const auto& l : p.predicted.layers) predicted[l.name] = &l;
      std::vector<const models::LayerTiming*> measured;
      for (const auto& l : p.measured.layers)
        if (l.kind != "input") measured.push_back(&l);  // the data: nothing to time
      std::sort(measured.begin(), measured.end(),
                [](auto* a, auto* b) { return a->forward_s + a->backward_s > b->forward_s + b->backward_s; });
      Table lt({"layer", "kind", "forward pred/meas", "error", "backward pred/meas", "error"});
      for (const auto* l : measured) {
        const auto it = predicted.find(l->name);
        if (it == predicted.end()) continue;
        auto err = [](double q, double m) { return m > 0 ? signed_percent((q - m) / m) : std::string("-"); };
        lt.add_row({l->name, l->kind, both(it->second->forward_s, l->forward_s),
                    err(it->second->forward_s, l->forward_s), both(it->second->backward_s, l->backward_s),
                    err(it->second->backward_s, l->backward_s)});
      }
      lt.print(out);
    }
  if (c.pairs.empty()) {
    out << "no predicted and measured records of the same configuration\n";
  } else {
    out << "MAPE " << fixed(100 * c.mape(), 1) << "% over " << c.pairs.size() << " pair"
        << (c.pairs.size() == 1 ? "" : "s") << " (step time); worst " << fixed(100 * c.worst(), 1) << "%\n";
  }
  return out.str();
}

std::string comparison_json(const Comparison& c) {
  models::Json pairs = models::Json::array();
  for (const auto& p : c.pairs) {
    const auto config = models::to_json(p.measured, false)["config"];
    pairs.push_back(
        {{"config", config},
         {"engine", p.predicted.engine},
         {"predicted_step_time_s", p.predicted.step_time_s},
         {"measured_step_time_s", p.measured.step_time_s},
         {"measured_step_time_spread_s", {p.measured.step_time_spread_s.first, p.measured.step_time_spread_s.second}},
         {"error", p.error()},
         {"predicted_breakdown_s", models::to_json(p.predicted, false)["breakdown_s"]},
         {"measured_breakdown_s", models::to_json(p.measured, false)["breakdown_s"]}});
  }
  models::Json out{{"pairs", pairs}, {"unpaired", c.unpaired}, {"mape", c.mape()}, {"worst_abs_error", c.worst()}};
  return out.dump(2) + "\n";
}

namespace {
// dpcast compare --csv: one row per pair; the configuration is the measured record's.
constexpr std::array<CsvColumn<ComparedPair>, 12> kComparisonColumns{{
    {"model", [](const ComparedPair& p) { return p.measured.model; }},
    {"gpu", [](const ComparedPair& p) { return p.measured.gpu; }},
    {"gpus", [](const ComparedPair& p) { return std::to_string(p.measured.gpus); }},
    {"micro_batch", [](const ComparedPair& p) { return std::to_string(p.measured.micro_batch); }},
    {"grad_accumulation", [](const ComparedPair& p) { return std::to_string(p.measured.grad_accumulation); }},
    {"bucket_bytes", [](const ComparedPair& p) { return number(p.measured.bucket_bytes); }},
    {"engine", [](const ComparedPair& p) { return p.predicted.engine; }},
    {"predicted_step_time_s", [](const ComparedPair& p) { return number(p.predicted.step_time_s); }},
    {"measured_step_time_s", [](const ComparedPair& p) { return number(p.measured.step_time_s); }},
    {"measured_p10_s", [](const ComparedPair& p) { return number(p.measured.step_time_spread_s.first); }},
    {"measured_p90_s", [](const ComparedPair& p) { return number(p.measured.step_time_spread_s.second); }},
    {"error", [](const ComparedPair& p) { return number(p.error()); }},
}};
}  // namespace

std::string comparison_csv(const Comparison& c) {
  return csv_text<ComparedPair>(kComparisonColumns, c.pairs);
}

}  // namespace dpcast::sim
