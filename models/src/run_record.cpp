#include "dpcast/models/run_record.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
using json = Json;

namespace {
// The details: per-layer, per-bucket and per-gather timings and the step's marks.
void add_details(const RunRecord& r, json& j) {
  json layers = json::array();
  for (const auto& l : r.layers)
    layers.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"params", l.params},
                      {"forward_flops", l.forward_flops},
                      {"backward_flops", l.backward_flops},
                      {"forward_s", l.forward_s},
                      {"backward_s", l.backward_s},
                      {"activation_bytes", l.activation_bytes}});
  j["layers"] = layers;
  json buckets = json::array();
  for (const auto& b : r.buckets)
    buckets.push_back({{"id", b.id},
                       {"bytes", b.bytes},
                       {"layers", b.layers},
                       {"ready_s", b.ready_s},
                       {"start_s", b.start_s},
                       {"end_s", b.end_s},
                       {"algorithm", b.algorithm}});
  j["buckets"] = buckets;
  json gathers = json::array();
  for (const auto& g : r.gathers)
    gathers.push_back({{"bucket", g.bucket},
                       {"phase", g.phase},
                       {"bytes", g.bytes},
                       {"start_s", g.start_s},
                       {"end_s", g.end_s},
                       {"algorithm", g.algorithm}});
  if (!gathers.empty()) j["gathers"] = gathers;
  j["marks"] = {{"last_micro_step_start_s", r.marks.last_micro_step_start_s},
                {"last_backward_start_s", r.marks.last_backward_start_s}};
}
}  // namespace

json to_json(const RunRecord& r, bool with_details) {
  json j;
  j["kind"] = r.kind;
  j["engine"] = r.engine;
  j["scenario"] = {{"name", r.scenario_name}, {"file", r.scenario_file}};
  if (!r.scenario_yaml.empty()) j["scenario"]["yaml"] = r.scenario_yaml;
  if (!r.profile.empty()) j["profile"] = r.profile;
  if (!r.provenance.empty()) j["provenance"] = r.provenance;
  json point = json::object();
  for (const auto& [k, v] : r.sweep_point) point[k] = v;
  j["config"] = {{"sweep_point", point},
                 {"model", r.model},
                 {"gpu", r.gpu},
                 {"node", r.node},
                 {"network", r.network},
                 {"nodes", r.nodes},
                 {"gpus_per_node", r.gpus_per_node},
                 {"gpus", r.gpus},
                 {"micro_batch", r.micro_batch},
                 {"seq_len", r.seq_len},
                 {"grad_accumulation", r.grad_accumulation},
                 {"global_batch", r.global_batch},
                 {"precision", r.precision},
                 {"optimizer", r.optimizer},
                 {"zero_stage", r.zero_stage},
                 {"bucket_bytes", r.bucket_bytes},
                 {"params", r.params}};
  j["feasible"] = r.feasible;
  if (r.feasible) {
    j["step_time_s"] = r.step_time_s;
    j["step_time_spread_s"] = {r.step_time_spread_s.first, r.step_time_spread_s.second};
    j["samples_per_s"] = r.samples_per_s;
    j["tokens_per_s"] = r.tokens_per_s;
    j["scaling_efficiency"] = r.scaling_efficiency;
    j["mfu"] = r.mfu;
    if (r.cost_per_step_usd) j["cost_per_step_usd"] = *r.cost_per_step_usd;
    j["breakdown_s"] = {{"forward", r.breakdown.forward_s},           {"backward", r.breakdown.backward_s},
                        {"exposed_comm", r.breakdown.exposed_comm_s}, {"comm_total", r.breakdown.comm_total_s},
                        {"optimizer", r.breakdown.optimizer_s},       {"stragglers", r.breakdown.stragglers_s},
                        {"interference", r.breakdown.interference_s}};
  }
  const auto& m = r.memory;
  j["memory_bytes"] = {{"params", m.params_bytes},
                       {"grads", m.grads_bytes},
                       {"optimizer", m.optimizer_bytes},
                       {"activations", m.activations_bytes},
                       {"comm_buffers", m.comm_buffers_bytes},
                       {"reserved", m.reserved_bytes},
                       {"total", m.total_bytes},
                       {"capacity", m.capacity_bytes}};
  j["max_micro_batch"] = r.max_micro_batch;
  j["collective"] = {{"algorithm", r.collective_algorithm}, {"why", r.collective_why}};
  if (with_details) add_details(r, j);
  if (!r.loss_per_step.empty()) j["loss_per_step"] = r.loss_per_step;
  if (!r.step_times_s.empty()) j["step_times_s"] = r.step_times_s;
  return j;
}

namespace {
// Whether `v`, a JSON number, is a whole number that T holds: nlohmann's get<T> casts a float
// or a wider integer without checking (a float beyond T's range is undefined behaviour).
template <typename T>
bool fits_integer(const json& v) {
  if (v.is_number_unsigned())
    return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    return i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
           i <= static_cast<std::int64_t>(std::numeric_limits<T>::max());
  }
  const double d = v.get<double>();
  // (T's limits as doubles: the max rounds up to 2^63 for int64, which a double compares below.)
  return d == std::floor(d) && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
         d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
}

template <typename T>
T get(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key)) throw Error(SourceLocation{}, path + key, "missing in run record");
  const json& v = j.at(key);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v.is_number() && !fits_integer<T>(v))
      throw Error(SourceLocation{}, path + key,
                  "expected a whole number from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                      std::to_string(std::numeric_limits<T>::max()) + ", got " + v.dump() + " in run record");
  }
  try {
    return v.get<T>();
  } catch (const json::exception&) {
    throw Error(SourceLocation{}, path + key, "has the wrong type in run record");
  }
}
template <typename T>
T get_or(const json& j, const char* key, T fallback, const std::string& path) {
  return j.contains(key) ? get<T>(j, key, path) : fallback;
}

// A count (GPUs, nodes, a batch): a whole JSON number of at least `least`. nlohmann's get<int>
// truncates 2.5 to 2.
std::int64_t get_count(const json& j, const char* key, const std::string& path, std::int64_t least = 1) {
  if (!j.contains(key)) throw Error(SourceLocation{}, path + key, "missing in run record");
  const json& v = j.at(key);
  if (!v.is_number()) throw Error(SourceLocation{}, path + key, "has the wrong type in run record");
  const bool whole = v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()));
  if (!whole || v.get<double>() < static_cast<double>(least) || v.get<double>() > 9.0e15)
    throw Error(
        SourceLocation{}, path + key,
        "expected a whole number of at least " + std::to_string(least) + ", got " + v.dump() + " in run record");
  return v.get<std::int64_t>();
}
std::int64_t get_count_or(const json& j, const char* key, std::int64_t fallback, const std::string& path,
                          std::int64_t least = 1) {
  return j.contains(key) ? get_count(j, key, path, least) : fallback;
}

// A time a step or its part took: a finite number above 0.
double get_seconds(const json& j, const char* key, const std::string& path) {
  const auto v = get<double>(j, key, path);
  if (!std::isfinite(v) || v <= 0)
    throw Error(SourceLocation{}, path + key, "expected a time above 0 s, got " + j.at(key).dump() + " in run record");
  return v;
}
}  // namespace

namespace {

// kind, engine, profile, provenance and the scenario's name, file and YAML.
void read_header(const json& j, RunRecord& r) {
  r.kind = get<std::string>(j, "kind", "");
  if (r.kind != "predicted" && r.kind != "measured")
    throw Error(SourceLocation{}, "kind", "expected predicted or measured, got " + r.kind);
  r.engine = get<std::string>(j, "engine", "");
  r.profile = get_or<std::string>(j, "profile", "", "");
  r.provenance = get_or<std::string>(j, "provenance", "", "");
  if (j.contains("scenario")) {
    const json& s = j["scenario"];
    r.scenario_name = get_or<std::string>(s, "name", "", "scenario.");
    r.scenario_file = get_or<std::string>(s, "file", "", "scenario.");
    r.scenario_yaml = get_or<std::string>(s, "yaml", "", "scenario.");
  }
}

// config: the sweep point and the configuration.
void read_config(const json& j, RunRecord& r) {
  const json& c = j.contains("config") ? j["config"] : throw Error(SourceLocation{}, "config", "missing in run record");
  if (c.contains("sweep_point"))
    for (const auto& [k, v] : c["sweep_point"].items()) {
      if (!v.is_string()) throw Error(SourceLocation{}, "config.sweep_point." + k, "expected a string in run record");
      r.sweep_point.emplace_back(k, v.get<std::string>());
    }
  r.model = get<std::string>(c, "model", "config.");
  r.gpu = get<std::string>(c, "gpu", "config.");
  r.node = get_or<std::string>(c, "node", "", "config.");
  r.network = get_or<std::string>(c, "network", "", "config.");
  r.nodes = static_cast<int>(get_count(c, "nodes", "config."));
  r.gpus_per_node = static_cast<int>(get_count(c, "gpus_per_node", "config."));
  r.gpus = static_cast<int>(get_count(c, "gpus", "config."));
  r.micro_batch = get_count(c, "micro_batch", "config.");
  r.seq_len = get_count_or(c, "seq_len", 0, "config.", 0);
  r.grad_accumulation = get_count_or(c, "grad_accumulation", 1, "config.");
  r.global_batch = get_count_or(c, "global_batch", r.gpus * r.micro_batch * r.grad_accumulation, "config.");
  r.precision = get<std::string>(c, "precision", "config.");
  r.optimizer = get_or<std::string>(c, "optimizer", "adam", "config.");
  r.zero_stage = get_or<int>(c, "zero_stage", 0, "config.");
  r.bucket_bytes = get_or<double>(c, "bucket_bytes", 0, "config.");
  r.params = get_or<std::int64_t>(c, "params", 0, "config.");
}

// The step's figures (a feasible record's): time and spread, throughput, MFU, cost, breakdown.
void read_step_figures(const json& j, RunRecord& r) {
  r.step_time_s = get_seconds(j, "step_time_s", "");
  if (j.contains("step_time_spread_s")) {
    const auto spread = get<std::vector<double>>(j, "step_time_spread_s", "");
    if (spread.size() != 2 || !(spread[0] > 0) || !(spread[0] <= spread[1]) || !std::isfinite(spread[1]))
      throw Error(SourceLocation{}, "step_time_spread_s",
                  "expected [p10, p90] with 0 < p10 <= p90, got " + j.at("step_time_spread_s").dump());
    r.step_time_spread_s = {spread[0], spread[1]};
  }
  r.samples_per_s = get_or<double>(j, "samples_per_s", 0, "");
  r.tokens_per_s = get_or<double>(j, "tokens_per_s", 0, "");
  r.scaling_efficiency = get_or<double>(j, "scaling_efficiency", 0, "");
  r.mfu = get_or<double>(j, "mfu", 0, "");
  if (j.contains("cost_per_step_usd")) r.cost_per_step_usd = get<double>(j, "cost_per_step_usd", "");
  if (j.contains("breakdown_s")) {
    const json& b = j["breakdown_s"];
    r.breakdown = {
        get_or<double>(b, "forward", 0, "breakdown_s."),      get_or<double>(b, "backward", 0, "breakdown_s."),
        get_or<double>(b, "exposed_comm", 0, "breakdown_s."), get_or<double>(b, "comm_total", 0, "breakdown_s."),
        get_or<double>(b, "optimizer", 0, "breakdown_s."),    get_or<double>(b, "stragglers", 0, "breakdown_s."),
        get_or<double>(b, "interference", 0, "breakdown_s.")};
  }
}

// memory_bytes, max_micro_batch and the collective chosen.
void read_memory_and_collective(const json& j, RunRecord& r) {
  if (j.contains("memory_bytes")) {
    const json& m = j["memory_bytes"];
    const std::string p = "memory_bytes.";
    r.memory = {get_or<double>(m, "params", 0, p),       get_or<double>(m, "grads", 0, p),
                get_or<double>(m, "optimizer", 0, p),    get_or<double>(m, "activations", 0, p),
                get_or<double>(m, "comm_buffers", 0, p), get_or<double>(m, "reserved", 0, p),
                get_or<double>(m, "total", 0, p),        get_or<double>(m, "capacity", 0, p)};
  }
  r.max_micro_batch = get_or<std::int64_t>(j, "max_micro_batch", 0, "");
  if (j.contains("collective")) {
    r.collective_algorithm = get_or<std::string>(j["collective"], "algorithm", "", "collective.");
    r.collective_why = get_or<std::string>(j["collective"], "why", "", "collective.");
  }
}

// The details: per-layer and per-bucket timings.
void read_layers_and_buckets(const json& j, RunRecord& r) {
  if (j.contains("layers"))
    for (const auto& l : j["layers"])
      r.layers.push_back(
          {get<std::string>(l, "name", "layers[]."), get_or<std::string>(l, "kind", "", "layers[]."),
           get_or<std::int64_t>(l, "params", 0, "layers[]."), get_or<double>(l, "forward_flops", 0, "layers[]."),
           get_or<double>(l, "backward_flops", 0, "layers[]."), get_or<double>(l, "forward_s", 0, "layers[]."),
           get_or<double>(l, "backward_s", 0, "layers[]."), get_or<double>(l, "activation_bytes", 0, "layers[].")});
  if (j.contains("buckets"))
    for (const auto& b : j["buckets"])
      r.buckets.push_back({get<int>(b, "id", "buckets[]."), get<double>(b, "bytes", "buckets[]."),
                           get_or<int>(b, "layers", 0, "buckets[]."), get_or<double>(b, "ready_s", 0, "buckets[]."),
                           get_or<double>(b, "start_s", 0, "buckets[]."), get_or<double>(b, "end_s", 0, "buckets[]."),
                           get_or<std::string>(b, "algorithm", "", "buckets[].")});
  if (j.contains("gathers"))
    for (const auto& g : j["gathers"])
      r.gathers.push_back(
          {get_or<int>(g, "bucket", -1, "gathers[]."), get_or<std::string>(g, "phase", "", "gathers[]."),
           get_or<double>(g, "bytes", 0, "gathers[]."), get<double>(g, "start_s", "gathers[]."),
           get<double>(g, "end_s", "gathers[]."), get_or<std::string>(g, "algorithm", "", "gathers[].")});
  if (j.contains("marks"))
    r.marks = {get_or<double>(j["marks"], "last_micro_step_start_s", 0, "marks."),
               get_or<double>(j["marks"], "last_backward_start_s", 0, "marks.")};
}

}  // namespace

RunRecord record_from_json(const json& j) {
  if (!j.is_object()) throw Error("a run record must be a JSON object");
  RunRecord r;
  read_header(j, r);
  read_config(j, r);
  r.feasible = get_or<bool>(j, "feasible", true, "");
  if (r.feasible) read_step_figures(j, r);
  read_memory_and_collective(j, r);
  read_layers_and_buckets(j, r);
  // Measured runs only.
  r.loss_per_step = get_or<std::vector<double>>(j, "loss_per_step", {}, "");
  r.step_times_s = get_or<std::vector<double>>(j, "step_times_s", {}, "");
  return r;
}

Json parse_json(const std::string& text, const std::string& file) {
  // The parser's callback sees each value's depth as it opens, before anything recurses on it.
  const auto too_deep = [&file](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxNesting)
      throw Error(SourceLocation{file, 0, 0}, "", nesting_error());
    return true;
  };
  try {
    return Json::parse(text, too_deep);
  } catch (const Json::exception& e) {  // syntax, or a number beyond double (1e400)
    throw Error(SourceLocation{file, 0, 0}, "", std::string("not JSON: ") + e.what());
  }
}

}  // namespace dpcast::models
