#include "dpcast/sim/validation_report.hpp"

#include <array>
#include <cstdio>
#include <sstream>

#include "dpcast/models/run_record.hpp"
#include "dpcast/sim/csv_columns.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace {

// A published or predicted figure with four significant digits ("231.5", "0.0312"), large
// ones in whole units ("157400").
std::string figure(double x) {
  if (x >= 1e4) return fixed(x, 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string percent(double fraction) {
  return fixed(100 * fraction, 1) + "%";
}

std::string list(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

std::vector<std::string> workload_list(const std::vector<models::Workload>& workloads) {
  std::vector<std::string> out;
  for (auto w : workloads) out.emplace_back(models::to_string(w));
  return out;
}

std::string fast_share(const ErrorStats& s) {
  return std::to_string(s.fast) + " of " + std::to_string(s.n);
}

std::string stats_worst(const ErrorStats& s) {
  return s.n ? percent(s.worst) + " (" + s.worst_id + ")" : "-";
}

void case_table(const Validation& v, std::ostream& out) {
  Table t({"data set", "case", "configuration", "measure", "published", "predicted", "error", ""});
  for (const auto& c : v.cases) {
    std::string remark = c.fast() ? "fast" : "slow";
    if (!c.out_of_memory.empty()) remark += "; dpcast finds it out of memory (" + c.out_of_memory + ")";
    t.add_row({c.data_set, c.id, c.configuration, std::string(models::to_string(c.measure)), figure(c.published),
               figure(c.predicted), signed_percent(c.error()), remark});
  }
  t.print(out);
}

void summary_table(const Validation& v, const models::Bounds* bounds, std::ostream& out) {
  Table t({"data set", "workloads", "GPUs", "nodes", "n", "MAPE", "median", "worst (case)", "fast", "left out: MAPE",
           "bound"});
  for (const auto& d : v.data_sets) {
    const models::DataSetBound* b = bounds ? bounds->find(d.data_set) : nullptr;
    const std::string nodes = d.min_nodes == d.max_nodes
                                  ? std::to_string(d.min_nodes)
                                  : std::to_string(d.min_nodes) + "-" + std::to_string(d.max_nodes);
    std::string n = std::to_string(d.in_sample.n);
    if (d.in_sample.out_of_memory) n += " (" + std::to_string(d.in_sample.out_of_memory) + " out of memory in dpcast)";
    t.add_row({d.data_set, list(workload_list(d.workloads), "+"), list(d.gpus, "+"), nodes, n,
               percent(d.in_sample.mape), percent(d.in_sample.median), stats_worst(d.in_sample),
               fast_share(d.in_sample), percent(d.leave_one_out.mape), b ? fixed(b->mape_pct, 1) + "%" : "-"});
  }
  t.add_row({"all", "", "", "", std::to_string(v.all.n), percent(v.all.mape), percent(v.all.median), stats_worst(v.all),
             fast_share(v.all), percent(ErrorStats::of(v.leave_one_out).mape), ""});
  t.print(out);
}

}  // namespace

std::string validation_table(const Validation& v, const models::Bounds* bounds, bool summary_only) {
  std::ostringstream out;
  out << "Published measurements against dpcast's predictions from the catalogue defaults (engine " << v.engine
      << "): " << v.all.n << " cases in " << v.data_sets.size() << " data set" << (v.data_sets.size() == 1 ? "" : "s")
      << "\n";
  if (!summary_only) {
    case_table(v, out);
    out << "\n";
  }
  summary_table(v, bounds, out);
  out << "error = (predicted - published) / published; fast: the prediction promises more than was measured "
         "(a shorter time, more throughput or bandwidth).\n";
  if (v.fits.empty())
    out << "left out: each data set predicted by a model fitted without it; no constant is fitted to the corpus yet, "
           "so it equals in-sample.\n";
  else
    out << "left out: each data set predicted by the fits made without its own cases; on every data set they give "
        << list(v.fits) << ".\n";
  return out.str();
}

namespace {

models::Json stats_json(const ErrorStats& s) {
  return {{"n", s.n},
          {"out_of_memory", s.out_of_memory},
          {"mape", s.mape},
          {"median_abs_error", s.median},
          {"worst_abs_error", s.worst},
          {"worst_case", s.worst_id},
          {"fast", s.fast}};
}

models::Json case_json(const CaseResult& c) {
  models::Json j{{"data_set", c.data_set},
                 {"id", c.id},
                 {"configuration", c.configuration},
                 {"workload", std::string(models::to_string(c.workload))},
                 {"measure", std::string(models::to_string(c.measure))},
                 {"published", c.published}};
  j["predicted"] = c.predicted;
  j["error"] = c.error();
  j["fast"] = c.fast();
  if (!c.algorithm.empty()) j["collective_algorithm"] = c.algorithm;
  if (!c.out_of_memory.empty()) j["out_of_memory"] = c.out_of_memory;
  return j;
}

}  // namespace

std::string validation_json(const Validation& v, const models::Bounds* bounds) {
  models::Json cases = models::Json::array();
  for (std::size_t i = 0; i < v.cases.size(); ++i) {
    models::Json j = case_json(v.cases[i]);
    j["left_out_predicted"] = v.leave_one_out[i].predicted;
    cases.push_back(j);
  }
  models::Json sets = models::Json::array();
  for (const auto& d : v.data_sets) {
    models::Json j{{"data_set", d.data_set},
                   {"workloads", workload_list(d.workloads)},
                   {"gpus", d.gpus},
                   {"nodes", {d.min_nodes, d.max_nodes}},
                   {"in_sample", stats_json(d.in_sample)},
                   {"leave_one_source_out", stats_json(d.leave_one_out)}};
    if (const models::DataSetBound* b = bounds ? bounds->find(d.data_set) : nullptr)
      j["bound_mape"] = b->mape_pct / 100;
    sets.push_back(j);
  }
  models::Json out{{"engine", v.engine}, {"provenance", "catalogue defaults"},
                   {"fits", v.fits},     {"all", stats_json(v.all)},
                   {"data_sets", sets},  {"cases", cases}};
  return out.dump(2) + "\n";
}

namespace {
// One case of dpcast validate --csv: predicted in-sample and with its data set left out.
struct CaseRow {
  const CaseResult& in_sample;
  const CaseResult& left_out;
};

constexpr std::array<CsvColumn<CaseRow>, 12> kCaseColumns{{
    {"data_set", [](const CaseRow& c) { return c.in_sample.data_set; }},
    {"case", [](const CaseRow& c) { return c.in_sample.id; }},
    {"configuration", [](const CaseRow& c) { return c.in_sample.configuration; }},
    {"workload", [](const CaseRow& c) { return std::string(models::to_string(c.in_sample.workload)); }},
    {"measure", [](const CaseRow& c) { return std::string(models::to_string(c.in_sample.measure)); }},
    {"published", [](const CaseRow& c) { return number(c.in_sample.published); }},
    {"predicted", [](const CaseRow& c) { return number(c.in_sample.predicted); }},
    {"error", [](const CaseRow& c) { return number(c.in_sample.error()); }},
    {"fast", [](const CaseRow& c) { return std::string(c.in_sample.fast() ? "true" : "false"); }},
    {"left_out_predicted", [](const CaseRow& c) { return number(c.left_out.predicted); }},
    {"collective_algorithm", [](const CaseRow& c) { return c.in_sample.algorithm; }},
    {"out_of_memory", [](const CaseRow& c) { return c.in_sample.out_of_memory; }},
}};
}  // namespace

std::string validation_csv(const Validation& v) {
  std::vector<CaseRow> rows;
  for (std::size_t i = 0; i < v.cases.size(); ++i) rows.push_back({v.cases[i], v.leave_one_out[i]});
  return csv_text<CaseRow>(kCaseColumns, rows);
}

}  // namespace dpcast::sim
