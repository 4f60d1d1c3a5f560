#include "dpcast/sim/report.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include "dpcast/sim/csv_columns.hpp"
#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
using models::RunRecord;

namespace {
std::string short_key(const std::string& dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

std::string percent(double fraction) {
  return fixed(100 * fraction, 1) + "%";
}
}  // namespace

std::string out_of_memory_text(const RunRecord& r) {
  const auto& m = r.memory;
  return "needs " + human_bytes(m.total_bytes) + " of " + human_bytes(m.capacity_bytes) + " (parameters " +
         human_bytes(m.params_bytes) + ", gradients " + human_bytes(m.grads_bytes) + ", optimizer " +
         human_bytes(m.optimizer_bytes) + ", activations " + human_bytes(m.activations_bytes) + ", buffers " +
         human_bytes(m.comm_buffers_bytes) + ", reserved " + human_bytes(m.reserved_bytes) + "); " +
         (r.max_micro_batch > 0 ? "the largest micro-batch that fits is " + std::to_string(r.max_micro_batch)
                                : "not even a micro-batch of 1 fits");
}

std::string predict_table(const std::vector<RunRecord>& records) {
  if (records.empty()) return "";
  const RunRecord& first = records.front();
  const bool tokens = first.seq_len > 0;
  std::vector<std::string> header;
  for (const auto& [key, _] : first.sweep_point) header.push_back(short_key(key));
  for (const char* h : {"GPUs", "batch", "step", tokens ? "tokens/s" : "samples/s", "scaling", "MFU", "compute",
                        "exposed comm", "memory", "collective"})
    header.emplace_back(h);
  Table t(header);
  for (const auto& r : records) {
    std::vector<std::string> row;
    for (const auto& [_, value] : r.sweep_point) row.push_back(value);
    row.push_back(std::to_string(r.gpus));
    row.push_back(std::to_string(r.global_batch));
    if (!r.feasible) {  // the reason in the memory column, so no column widens to hold a sentence
      row.emplace_back("out of memory");
      for (int column = 0; column < 5; ++column) row.emplace_back("\u2014");
      row.push_back(human_bytes(r.memory.total_bytes) + " > " + human_bytes(r.memory.capacity_bytes));
      row.push_back(r.max_micro_batch > 0 ? "max micro-batch " + std::to_string(r.max_micro_batch)
                                          : "micro-batch 1 does not fit");
      t.add_row(row);
      continue;
    }
    row.push_back(human_time(r.step_time_s));
    row.push_back(human_rate(tokens ? r.tokens_per_s : r.samples_per_s, ""));
    row.push_back(percent(r.scaling_efficiency));
    row.push_back(percent(r.mfu));
    row.push_back(human_time(r.breakdown.forward_s + r.breakdown.backward_s));
    row.push_back(human_time(r.breakdown.exposed_comm_s) + " (" + percent(r.breakdown.exposed_comm_s / r.step_time_s) +
                  ")");
    row.push_back(human_bytes(r.memory.total_bytes) + " / " + human_bytes(r.memory.capacity_bytes));
    row.push_back(r.collective_algorithm);
    t.add_row(row);
  }
  std::ostringstream out;
  out << first.scenario_name << ": " << first.model << " (" << human_rate(static_cast<double>(first.params), "")
      << "params), " << first.gpu << " on " << first.node << ", " << first.network << ", " << first.precision << ", "
      << first.optimizer << (first.zero_stage ? ", ZeRO-" + std::to_string(first.zero_stage) : "") << "; engine "
      << first.engine << (first.profile.empty() ? "" : ", profile " + first.profile) << "\n";
  t.print(out);
  if (records.size() == 1 && first.feasible) out << explain(first);
  // Where the numbers come from: one line per distinct sentence (a sweep over models or GPUs
  // can be nearest to different published data sets).
  std::vector<std::string> sources;
  for (const auto& r : records)
    if (!r.provenance.empty() && std::find(sources.begin(), sources.end(), r.provenance) == sources.end())
      sources.push_back(r.provenance);
  for (const auto& source : sources) out << "numbers from " << source << "\n";
  return out.str();
}

std::string explain(const RunRecord& r) {
  std::ostringstream out;
  const double step = r.step_time_s;
  const auto share = [&](double s) { return human_time(s) + " (" + percent(s / step) + ")"; };
  out << "\nWhere the step goes: forward " << share(r.breakdown.forward_s) << ", backward "
      << share(r.breakdown.backward_s) << ", exposed communication " << share(r.breakdown.exposed_comm_s) << " of "
      << human_time(r.breakdown.comm_total_s) << " in all, optimizer " << share(r.breakdown.optimizer_s)
      << (r.breakdown.stragglers_s > 0 ? ", waiting for the slowest rank " + share(r.breakdown.stragglers_s) : "")
      << (r.breakdown.interference_s > 0
              ? ", compute slowed by the collectives it overlaps " + share(r.breakdown.interference_s)
              : "")
      << "\n";
  if (r.step_time_spread_s.first < r.step_time_spread_s.second)
    out << "Step time over sampled steps: median " << human_time(r.step_time_s) << ", p10 "
        << human_time(r.step_time_spread_s.first) << ", p90 " << human_time(r.step_time_spread_s.second) << "\n";
  out << "Collective: " << r.collective_algorithm << "; " << r.collective_why << "\n";
  if (r.cost_per_step_usd) out << "Cost: $" << fixed(*r.cost_per_step_usd, 4) << " per step\n";
  if (!r.layers.empty()) {
    std::vector<const models::LayerTiming*> by_time;
    for (const auto& l : r.layers) by_time.push_back(&l);
    std::sort(by_time.begin(), by_time.end(),
              [](auto* a, auto* b) { return a->forward_s + a->backward_s > b->forward_s + b->backward_s; });
    const double compute = r.breakdown.forward_s + r.breakdown.backward_s;
    std::map<std::string, double> by_kind;
    for (const auto& l : r.layers) by_kind[l.kind] += l.forward_s + l.backward_s;
    std::vector<std::pair<std::string, double>> kinds(by_kind.begin(), by_kind.end());
    std::sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    const double per_micro_step = compute / static_cast<double>(r.grad_accumulation);
    out << "Compute by layer kind:";
    for (std::size_t i = 0; i < kinds.size() && kinds[i].second > 0.005 * per_micro_step; ++i)
      out << (i ? ", " : " ") << kinds[i].first << " " << percent(kinds[i].second / per_micro_step);
    out << "\n";
    out << "Costliest layers (forward + backward, share of compute):";
    for (std::size_t i = 0; i < std::min<std::size_t>(5, by_time.size()); ++i) {
      const auto& l = *by_time[i];
      out << (i ? ", " : " ") << l.name << " " << human_time(l.forward_s + l.backward_s) << " ("
          << percent((l.forward_s + l.backward_s) * static_cast<double>(r.grad_accumulation) / compute) << ")";
    }
    out << "\n";
  }
  return out.str();
}

namespace {
// A figure of a step; out-of-memory rows have none.
std::string step_figure(const RunRecord& r, double value) {
  return r.feasible ? number(value) : std::string();
}

// dpcast predict --csv: the columns after the scenario's name and its sweep keys.
constexpr std::array<CsvColumn<RunRecord>, 36> kPredictColumns{{
    {"engine", [](const RunRecord& r) { return r.engine; }},
    {"model", [](const RunRecord& r) { return r.model; }},
    {"gpu", [](const RunRecord& r) { return r.gpu; }},
    {"node", [](const RunRecord& r) { return r.node; }},
    {"network", [](const RunRecord& r) { return r.network; }},
    {"nodes", [](const RunRecord& r) { return std::to_string(r.nodes); }},
    {"gpus_per_node", [](const RunRecord& r) { return std::to_string(r.gpus_per_node); }},
    {"gpus", [](const RunRecord& r) { return std::to_string(r.gpus); }},
    {"micro_batch", [](const RunRecord& r) { return std::to_string(r.micro_batch); }},
    {"seq_len", [](const RunRecord& r) { return std::to_string(r.seq_len); }},
    {"grad_accumulation", [](const RunRecord& r) { return std::to_string(r.grad_accumulation); }},
    {"global_batch", [](const RunRecord& r) { return std::to_string(r.global_batch); }},
    {"precision", [](const RunRecord& r) { return r.precision; }},
    {"optimizer", [](const RunRecord& r) { return r.optimizer; }},
    {"zero_stage", [](const RunRecord& r) { return std::to_string(r.zero_stage); }},
    {"params", [](const RunRecord& r) { return std::to_string(r.params); }},
    {"feasible", [](const RunRecord& r) { return std::string(r.feasible ? "true" : "false"); }},
    {"step_time_s", [](const RunRecord& r) { return step_figure(r, r.step_time_s); }},
    {"step_time_p10_s", [](const RunRecord& r) { return step_figure(r, r.step_time_spread_s.first); }},
    {"step_time_p90_s", [](const RunRecord& r) { return step_figure(r, r.step_time_spread_s.second); }},
    {"samples_per_s", [](const RunRecord& r) { return step_figure(r, r.samples_per_s); }},
    {"tokens_per_s", [](const RunRecord& r) { return step_figure(r, r.tokens_per_s); }},
    {"scaling_efficiency", [](const RunRecord& r) { return step_figure(r, r.scaling_efficiency); }},
    {"mfu", [](const RunRecord& r) { return step_figure(r, r.mfu); }},
    {"forward_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.forward_s); }},
    {"backward_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.backward_s); }},
    {"exposed_comm_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.exposed_comm_s); }},
    {"comm_total_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.comm_total_s); }},
    {"optimizer_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.optimizer_s); }},
    {"stragglers_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.stragglers_s); }},
    {"interference_s", [](const RunRecord& r) { return step_figure(r, r.breakdown.interference_s); }},
    {"memory_total_bytes", [](const RunRecord& r) { return number(r.memory.total_bytes); }},
    {"memory_capacity_bytes", [](const RunRecord& r) { return number(r.memory.capacity_bytes); }},
    {"max_micro_batch", [](const RunRecord& r) { return std::to_string(r.max_micro_batch); }},
    {"collective", [](const RunRecord& r) { return r.collective_algorithm; }},
    {"cost_per_step_usd",
     [](const RunRecord& r) { return r.cost_per_step_usd ? step_figure(r, *r.cost_per_step_usd) : std::string(); }},
}};
}  // namespace

std::string predict_csv(const std::vector<RunRecord>& records) {
  // The scenario's name, then one column per sweep key ("sweep.<key>"), then the table's.
  std::vector<std::string> header{"scenario"};
  if (!records.empty())
    for (const auto& [key, _] : records.front().sweep_point) header.push_back("sweep." + key);
  append_names<RunRecord>(kPredictColumns, header);
  std::string out = csv_line(header);
  for (const auto& r : records) {
    std::vector<std::string> row{r.scenario_name};
    for (const auto& [_, value] : r.sweep_point) row.push_back(value);
    append_cells<RunRecord>(kPredictColumns, r, row);
    out += csv_line(row);
  }
  return out;
}

std::string records_json(const std::vector<RunRecord>& records, bool details) {
  models::Json all = models::Json::array();
  for (const auto& r : records) all.push_back(models::to_json(r, details));
  return all.dump(2) + "\n";
}

std::string memory_table(const std::vector<RunRecord>& records) {
  std::vector<std::string> header;
  if (!records.empty())
    for (const auto& [key, _] : records.front().sweep_point) header.push_back(short_key(key));
  for (const char* h : {"GPUs", "micro-batch", "ZeRO", "parameters", "gradients", "optimizer", "activations", "buffers",
                        "reserved", "total", "capacity", "fits", "max micro-batch"})
    header.emplace_back(h);
  Table t(header);
  for (const auto& r : records) {
    std::vector<std::string> row;
    for (const auto& [_, value] : r.sweep_point) row.push_back(value);
    const auto& m = r.memory;
    for (auto&& cell : std::vector<std::string>{
             std::to_string(r.gpus), std::to_string(r.micro_batch), std::to_string(r.zero_stage),
             human_bytes(m.params_bytes), human_bytes(m.grads_bytes), human_bytes(m.optimizer_bytes),
             human_bytes(m.activations_bytes), human_bytes(m.comm_buffers_bytes), human_bytes(m.reserved_bytes),
             human_bytes(m.total_bytes), human_bytes(m.capacity_bytes), r.feasible ? "yes" : "NO",
             std::to_string(r.max_micro_batch)})
      row.push_back(std::move(cell));
    t.add_row(row);
  }
  std::ostringstream out;
  if (!records.empty())
    out << records.front().scenario_name << ": memory per GPU, " << records.front().model << " on "
        << records.front().gpu << ", " << records.front().precision << ", " << records.front().optimizer << "\n";
  t.print(out);
  return out.str();
}

}  // namespace dpcast::sim
