#include "dpcast/sim/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/input_file.hpp"
#include "dpcast/sim/csv_columns.hpp"
#include "dpcast/sim/measurements_csv.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace fs = std::filesystem;
using models::RunRecord;

std::string configuration_key(const RunRecord& r) {
  std::ostringstream key;
  key << r.model << "|" << r.gpu << "|" << r.node << "|" << r.network << "|" << r.nodes << "x" << r.gpus_per_node
      << "|mb" << r.micro_batch << "|s" << r.seq_len << "|acc" << r.grad_accumulation << "|" << r.precision << "|"
      << r.optimizer << "|zero" << r.zero_stage << "|bucket" << std::llround(r.bucket_bytes);
  return key.str();
}

std::string configuration_text(const RunRecord& r) {
  const std::string& yaml = r.scenario_yaml;
  if (yaml.rfind("name:", 0) != 0) return yaml;  // scenario_yaml writes the name first
  const auto end_of_name = yaml.find('\n');
  return end_of_name == std::string::npos ? std::string() : yaml.substr(end_of_name + 1);
}

bool same_configuration(const RunRecord& a, const RunRecord& b) {
  if (configuration_key(a) != configuration_key(b)) return false;
  const std::string text_a = configuration_text(a);
  const std::string text_b = configuration_text(b);
  return text_a.empty() || text_b.empty() || text_a == text_b;
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
  if (r.zero_stage > 0) d += ", ZeRO-" + std::to_string(r.zero_stage);
  d += ", buckets " + human_bytes(r.bucket_bytes);
  return d;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines of `text` that some text of `group` lacks, trimmed and joined: what tells this
// configuration from the others that read the same in describe().
std::string differences(const std::string& text, const std::vector<std::string>& group) {
  std::vector<std::vector<std::string>> group_lines;
  for (const auto& other : group) group_lines.push_back(lines_of(other));
  std::string out;
  for (const auto& line : lines_of(text)) {
    const bool everywhere = std::all_of(group_lines.begin(), group_lines.end(), [&](const auto& other) {
      return std::find(other.begin(), other.end(), line) != other.end();
    });
    if (everywhere) continue;
    const auto start = line.find_first_not_of(' ');
    out += (out.empty() ? "" : ", ") + line.substr(start == std::string::npos ? 0 : start);
  }
  return out;
}

// Every pair's label: describe(), and where pairs of different configurations read the same,
// what differs between them ("attention: flash").
void label_pairs(std::vector<ComparedPair>& pairs) {
  std::map<std::string, std::vector<std::string>> texts_by_label;
  for (const auto& p : pairs) {
    auto& texts = texts_by_label[describe(p.measured)];
    const std::string text = configuration_text(p.measured);
    if (std::find(texts.begin(), texts.end(), text) == texts.end()) texts.push_back(text);
  }
  for (auto& p : pairs) {
    p.label = describe(p.measured);
    const auto& texts = texts_by_label[p.label];
    if (texts.size() < 2) continue;
    const std::string differs = differences(configuration_text(p.measured), texts);
    if (!differs.empty()) p.label += " (" + differs + ")";
  }
}

// "measured X matches 2 predictions of the des engine: record 2 (scenario 'a'), record 5 ..."
std::string ambiguity(const RunRecord& measured, const std::string& engine, const std::vector<std::size_t>& matches,
                      const std::vector<const RunRecord*>& predicted) {
  std::string list;
  for (std::size_t i : matches)
    list += (list.empty() ? "" : ", ") + std::string("predicted record ") + std::to_string(i + 1) + " (scenario '" +
            predicted[i]->scenario_name + "')";
  return "measured " + describe(measured) + " matches " + std::to_string(matches.size()) + " predictions of the " +
         engine + " engine: " + list +
         "; a measurement pairs with one prediction per engine: give each configuration once, in records that "
         "carry their scenario";
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
  std::vector<const RunRecord*> predicted;
  for (const auto& r : records)
    if (r.kind == "predicted" && r.feasible) predicted.push_back(&r);
  std::vector<bool> used(predicted.size(), false);
  for (const auto& m : records) {
    if (m.kind != "measured" || !m.feasible) continue;
    std::vector<std::pair<std::string, std::vector<std::size_t>>> by_engine;  // in the records' order
    for (std::size_t i = 0; i < predicted.size(); ++i) {
      if (!same_configuration(*predicted[i], m)) continue;
      const std::string& engine = predicted[i]->engine;
      auto it = std::find_if(by_engine.begin(), by_engine.end(), [&](const auto& e) { return e.first == engine; });
      if (it == by_engine.end()) it = by_engine.insert(by_engine.end(), {engine, {}});
      it->second.push_back(i);
    }
    if (by_engine.empty()) out.unpaired.push_back("measured " + describe(m) + ": no prediction of this configuration");
    for (const auto& [engine, matches] : by_engine) {
      if (matches.size() > 1) throw Error(ambiguity(m, engine, matches, predicted));
      out.pairs.push_back({*predicted[matches.front()], m, ""});
      used[matches.front()] = true;
    }
  }
  for (std::size_t i = 0; i < predicted.size(); ++i)
    if (!used[i])
      out.unpaired.push_back("predicted " + describe(*predicted[i]) + ": no measurement of this configuration");
  label_pairs(out.pairs);
  return out;
}

std::vector<RunRecord> load_records(const std::string& path) {
  if (fs::path(path).extension() == ".csv") return load_measurements_csv(path);
  const std::string text = models::read_input_file(path, "run record file", models::kMaxRecordFileBytes);
  const models::Json j = models::parse_json(text, path);
  const std::size_t count = j.is_array() ? j.size() : 1;
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < count; ++i) {
    try {
      records.push_back(models::record_from_json(j.is_array() ? j[i] : j));
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
    t.add_row({p.label.empty() ? describe(m) : p.label, q.engine, human_time(q.step_time_s), with_spread(m),
               signed_percent(p.error()), both(q.breakdown.forward_s, m.breakdown.forward_s),
               both(q.breakdown.backward_s, m.breakdown.backward_s),
               both(q.breakdown.exposed_comm_s, m.breakdown.exposed_comm_s)});
  }
  t.print(out);
  for (const auto& u : c.unpaired) out << "unpaired: " << u << "\n";
  if (layers)
    for (const auto& p : c.pairs) {
      out << "\n"
          << (p.label.empty() ? describe(p.measured) : p.label) << " (" << p.predicted.engine
          << "): layers, slowest measured first\n";
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
         {"label", p.label},
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
