// RunRecord JSON: what is written is read back unchanged, and a malformed record is a
// dpcast::Error that names the key.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "dpcast/models/error.hpp"
#include "dpcast/models/run_record.hpp"

namespace dpcast::models {
namespace {
using json = dpcast::models::Json;

// A record with every field set to a distinct, non-default value.
RunRecord full_record() {
  RunRecord r;
  r.kind = "measured";
  r.engine = "cuda";
  r.scenario_name = "GPT-2 small on DGX H100";
  r.scenario_file = "scenarios/quickstart.yaml";
  r.sweep_point = {{"cluster.nodes", "4"}, {"training.micro_batch", "8"}};  // (order: see SweepPointKeepsItsOrder)
  r.model = "gpt2-small";
  r.gpu = "h100-sxm";
  r.node = "dgx-h100";
  r.network = "fat-tree ib-ndr 1:1";
  r.nodes = 4;
  r.gpus_per_node = 8;
  r.gpus = 32;
  r.micro_batch = 8;
  r.seq_len = 1024;
  r.grad_accumulation = 2;
  r.global_batch = 512;
  r.precision = "bf16";
  r.optimizer = "sgd";
  r.zero_stage = 1;
  r.bucket_bytes = 26214400;
  r.params = 124439808;
  r.feasible = true;
  r.step_time_s = 0.123456789012345;
  r.step_time_spread_s = {0.12, 0.13};
  r.samples_per_s = 4147.2;
  r.tokens_per_s = 4246732.8;
  r.scaling_efficiency = 0.91;
  r.mfu = 0.4321;
  r.cost_per_step_usd = 0.0042;
  r.breakdown = {0.031, 0.062, 0.011, 0.05, 0.0019};
  r.memory = {2.5e8, 2.5e8, 1.0e9, 3.2e10, 1.0e8, 1.0e9, 3.5e10, 8.5e10};
  r.max_micro_batch = 24;
  r.collective_algorithm = "ring";
  r.collective_why = "least latency + bytes/bandwidth at 25 MiB";
  r.layers = {{"h0.attn.qkv", "linear", 1769472, 3.6e9, 7.2e9, 1.1e-4, 2.2e-4, 6.3e6},
              {"loss", "loss", 0, 2.6e8, 1.0e8, 3.0e-5, 1.0e-5, 2.0e8}};
  r.buckets = {{0, 1048576, 3, 0.001, 0.0012, 0.002, "ring"}, {1, 26214400, 40, 0.03, 0.031, 0.04, "tree"}};
  r.loss_per_step = {6.25, 5.5, 4.125};
  r.step_times_s = {0.0123, 0.0125};
  return r;
}

RunRecord round_trip(const RunRecord& r, bool with_details = true) {
  // Through text, as records are stored.
  return record_from_json(json::parse(to_json(r, with_details).dump()));
}

void expect_same(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.engine, b.engine);
  EXPECT_EQ(a.scenario_name, b.scenario_name);
  EXPECT_EQ(a.scenario_file, b.scenario_file);
  EXPECT_EQ(a.sweep_point, b.sweep_point);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.gpu, b.gpu);
  EXPECT_EQ(a.node, b.node);
  EXPECT_EQ(a.network, b.network);
  EXPECT_EQ(a.nodes, b.nodes);
  EXPECT_EQ(a.gpus_per_node, b.gpus_per_node);
  EXPECT_EQ(a.gpus, b.gpus);
  EXPECT_EQ(a.micro_batch, b.micro_batch);
  EXPECT_EQ(a.seq_len, b.seq_len);
  EXPECT_EQ(a.grad_accumulation, b.grad_accumulation);
  EXPECT_EQ(a.global_batch, b.global_batch);
  EXPECT_EQ(a.precision, b.precision);
  EXPECT_EQ(a.optimizer, b.optimizer);
  EXPECT_EQ(a.zero_stage, b.zero_stage);
  EXPECT_EQ(a.bucket_bytes, b.bucket_bytes);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.feasible, b.feasible);
  EXPECT_EQ(a.step_time_s, b.step_time_s);
  EXPECT_EQ(a.step_time_spread_s, b.step_time_spread_s);
  EXPECT_EQ(a.samples_per_s, b.samples_per_s);
  EXPECT_EQ(a.tokens_per_s, b.tokens_per_s);
  EXPECT_EQ(a.scaling_efficiency, b.scaling_efficiency);
  EXPECT_EQ(a.mfu, b.mfu);
  EXPECT_EQ(a.cost_per_step_usd, b.cost_per_step_usd);
  EXPECT_EQ(a.breakdown.forward_s, b.breakdown.forward_s);
  EXPECT_EQ(a.breakdown.backward_s, b.breakdown.backward_s);
  EXPECT_EQ(a.breakdown.exposed_comm_s, b.breakdown.exposed_comm_s);
  EXPECT_EQ(a.breakdown.comm_total_s, b.breakdown.comm_total_s);
  EXPECT_EQ(a.breakdown.optimizer_s, b.breakdown.optimizer_s);
  EXPECT_EQ(a.memory.params_bytes, b.memory.params_bytes);
  EXPECT_EQ(a.memory.grads_bytes, b.memory.grads_bytes);
  EXPECT_EQ(a.memory.optimizer_bytes, b.memory.optimizer_bytes);
  EXPECT_EQ(a.memory.activations_bytes, b.memory.activations_bytes);
  EXPECT_EQ(a.memory.comm_buffers_bytes, b.memory.comm_buffers_bytes);
  EXPECT_EQ(a.memory.reserved_bytes, b.memory.reserved_bytes);
  EXPECT_EQ(a.memory.total_bytes, b.memory.total_bytes);
  EXPECT_EQ(a.memory.capacity_bytes, b.memory.capacity_bytes);
  EXPECT_EQ(a.max_micro_batch, b.max_micro_batch);
  EXPECT_EQ(a.collective_algorithm, b.collective_algorithm);
  EXPECT_EQ(a.collective_why, b.collective_why);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].name, b.layers[i].name);
    EXPECT_EQ(a.layers[i].kind, b.layers[i].kind);
    EXPECT_EQ(a.layers[i].params, b.layers[i].params);
    EXPECT_EQ(a.layers[i].forward_flops, b.layers[i].forward_flops);
    EXPECT_EQ(a.layers[i].backward_flops, b.layers[i].backward_flops);
    EXPECT_EQ(a.layers[i].forward_s, b.layers[i].forward_s);
    EXPECT_EQ(a.layers[i].backward_s, b.layers[i].backward_s);
    EXPECT_EQ(a.layers[i].activation_bytes, b.layers[i].activation_bytes);
  }
  ASSERT_EQ(a.buckets.size(), b.buckets.size());
  for (std::size_t i = 0; i < a.buckets.size(); ++i) {
    EXPECT_EQ(a.buckets[i].id, b.buckets[i].id);
    EXPECT_EQ(a.buckets[i].bytes, b.buckets[i].bytes);
    EXPECT_EQ(a.buckets[i].layers, b.buckets[i].layers);
    EXPECT_EQ(a.buckets[i].ready_s, b.buckets[i].ready_s);
    EXPECT_EQ(a.buckets[i].start_s, b.buckets[i].start_s);
    EXPECT_EQ(a.buckets[i].end_s, b.buckets[i].end_s);
    EXPECT_EQ(a.buckets[i].algorithm, b.buckets[i].algorithm);
  }
  EXPECT_EQ(a.loss_per_step, b.loss_per_step);
  EXPECT_EQ(a.step_times_s, b.step_times_s);
}

TEST(RunRecord, RoundTripKeepsEveryField) {
  const RunRecord r = full_record();
  expect_same(round_trip(r), r);
}

TEST(RunRecord, SweepPointKeepsItsOrder) {
  // A sweep point lists its keys in the scenario's sweep order, which need not be alphabetical.
  RunRecord r = full_record();
  r.sweep_point = {{"training.micro_batch", "8"}, {"cluster.nodes", "4"}, {"data_parallel.bucket_mb", "25"}};
  EXPECT_EQ(round_trip(r).sweep_point, r.sweep_point);
}

TEST(RunRecord, JsonLayout) {
  const json j = to_json(full_record());
  EXPECT_EQ(j.at("kind"), "measured");
  EXPECT_EQ(j.at("config").at("gpus"), 32);
  EXPECT_EQ(j.at("config").at("bucket_bytes"), 26214400.0);
  EXPECT_EQ(j.at("step_time_spread_s"), json::array({0.12, 0.13}));
  EXPECT_EQ(j.at("breakdown_s").at("exposed_comm"), 0.011);
  EXPECT_EQ(j.at("memory_bytes").at("capacity"), 8.5e10);
  EXPECT_EQ(j.at("collective").at("algorithm"), "ring");
  EXPECT_EQ(j.at("layers").size(), 2u);
  EXPECT_EQ(j.at("buckets").at(1).at("algorithm"), "tree");
}

TEST(RunRecord, WithoutDetailsOmitsLayersAndBuckets) {
  const json j = to_json(full_record(), false);
  EXPECT_FALSE(j.contains("layers"));
  EXPECT_FALSE(j.contains("buckets"));
  const RunRecord back = round_trip(full_record(), false);
  EXPECT_TRUE(back.layers.empty());
  EXPECT_TRUE(back.buckets.empty());
  EXPECT_EQ(back.step_time_s, full_record().step_time_s);
}

TEST(RunRecord, MeasuredSeriesAreWrittenOnlyWhenPresent) {
  // A prediction has no loss curve or step samples: its JSON does not grow those keys.
  RunRecord r = full_record();
  const json measured = to_json(r);
  EXPECT_EQ(measured.at("loss_per_step"), json::array({6.25, 5.5, 4.125}));
  EXPECT_EQ(measured.at("step_times_s").size(), 2u);
  r.loss_per_step.clear();
  r.step_times_s.clear();
  const json predicted = to_json(r);
  EXPECT_FALSE(predicted.contains("loss_per_step"));
  EXPECT_FALSE(predicted.contains("step_times_s"));
  EXPECT_TRUE(round_trip(r).loss_per_step.empty());
  json wrong = measured;
  wrong["loss_per_step"] = "falling";
  EXPECT_THROW((void)record_from_json(wrong), dpcast::Error);
}

TEST(RunRecord, NoCostStaysAbsent) {
  RunRecord r = full_record();
  r.cost_per_step_usd.reset();
  EXPECT_FALSE(to_json(r).contains("cost_per_step_usd"));
  EXPECT_FALSE(round_trip(r).cost_per_step_usd.has_value());
}

TEST(RunRecord, InfeasibleOmitsStepFigures) {
  RunRecord r = full_record();
  r.feasible = false;
  const json j = to_json(r);
  EXPECT_EQ(j.at("feasible"), false);
  for (const char* key : {"step_time_s", "step_time_spread_s", "samples_per_s", "tokens_per_s", "scaling_efficiency",
                          "mfu", "cost_per_step_usd", "breakdown_s"})
    EXPECT_FALSE(j.contains(key)) << key;
  EXPECT_TRUE(j.contains("memory_bytes"));  // why it does not fit
  const RunRecord back = round_trip(r);
  EXPECT_FALSE(back.feasible);
  EXPECT_EQ(back.step_time_s, 0.0);
  EXPECT_EQ(back.memory.total_bytes, r.memory.total_bytes);
  EXPECT_EQ(back.max_micro_batch, 24);
}

TEST(RunRecord, MinimalRecordTakesDefaults) {
  const json j = json::parse(R"({"kind": "predicted", "engine": "analytical",
      "config": {"model": "mlp", "gpu": "l4", "nodes": 2, "gpus_per_node": 1, "gpus": 2, "micro_batch": 4,
                 "precision": "fp32"},
      "step_time_s": 0.5})");
  const RunRecord r = record_from_json(j);
  EXPECT_EQ(r.global_batch, 8);  // gpus x micro_batch x grad_accumulation
  EXPECT_EQ(r.grad_accumulation, 1);
  EXPECT_EQ(r.optimizer, "adam");
  EXPECT_EQ(r.seq_len, 0);
  EXPECT_TRUE(r.feasible);
  EXPECT_EQ(r.step_time_s, 0.5);
}

// The message of the dpcast::Error that reading `j` throws.
std::string error_of(const json& j) {
  try {
    (void)record_from_json(j);
  } catch (const dpcast::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dpcast::Error for " << j.dump();
  return "";
}

TEST(RunRecord, MissingKeysAreNamed) {
  json j = to_json(full_record());
  j["config"].erase("gpus");
  EXPECT_EQ(error_of(j), "config.gpus: missing in run record");
  json no_config = to_json(full_record());
  no_config.erase("config");
  EXPECT_EQ(error_of(no_config), "config: missing in run record");
  json no_step = to_json(full_record());
  no_step.erase("step_time_s");
  EXPECT_EQ(error_of(no_step), "step_time_s: missing in run record");
  json no_kind = to_json(full_record());
  no_kind.erase("kind");
  EXPECT_EQ(error_of(no_kind), "kind: missing in run record");
}

TEST(RunRecord, WrongTypesAreNamed) {
  json j = to_json(full_record());
  j["config"]["gpus"] = "32";
  EXPECT_EQ(error_of(j), "config.gpus: has the wrong type in run record");
  json spread = to_json(full_record());
  spread["step_time_spread_s"] = json::array({0.1});
  EXPECT_EQ(error_of(spread), "step_time_spread_s: expected [p10, p90] with 0 < p10 <= p90, got [0.1]");
  json step = to_json(full_record());
  step["step_time_s"] = "fast";
  EXPECT_EQ(error_of(step), "step_time_s: has the wrong type in run record");
  json kind = to_json(full_record());
  kind["kind"] = "guessed";
  EXPECT_EQ(error_of(kind), "kind: expected predicted or measured, got guessed");
  json bucket = to_json(full_record());
  bucket["buckets"][0].erase("bytes");
  EXPECT_EQ(error_of(bucket), "buckets[].bytes: missing in run record");
  EXPECT_EQ(error_of(json::array()), "a run record must be a JSON object");
}

// Figures that cannot be: a fractional or zero count (nlohmann's get<int> truncated 2.5 to 2), a
// step of 0 s or less, a spread out of order.
TEST(RunRecord, ImpossibleFiguresAreNamed) {
  json batch = to_json(full_record());
  batch["config"]["micro_batch"] = 2.5;
  EXPECT_EQ(error_of(batch), "config.micro_batch: expected a whole number of at least 1, got 2.5 in run record");
  json gpus = to_json(full_record());
  gpus["config"]["gpus"] = 0;
  EXPECT_EQ(error_of(gpus), "config.gpus: expected a whole number of at least 1, got 0 in run record");
  json seq = to_json(full_record());
  seq["config"]["seq_len"] = -1;
  EXPECT_EQ(error_of(seq), "config.seq_len: expected a whole number of at least 0, got -1 in run record");
  json whole = to_json(full_record());
  whole["config"]["micro_batch"] = 4.0;  // a whole number written as a float is one
  EXPECT_EQ(record_from_json(whole).micro_batch, 4);
  for (const double seconds : {0.0, -0.2}) {
    json step = to_json(full_record());
    step["step_time_s"] = seconds;
    EXPECT_EQ(error_of(step), "step_time_s: expected a time above 0 s, got " + json(seconds).dump() + " in run record");
  }
  json spread = to_json(full_record());
  spread["step_time_spread_s"] = json::array({0.3, 0.1});
  EXPECT_EQ(error_of(spread), "step_time_spread_s: expected [p10, p90] with 0 < p10 <= p90, got [0.3,0.1]");
  // Whole numbers beyond their type (found by fuzz_run_record: casting 1.3e40 to an integer was
  // undefined behaviour), fractions where a whole number goes, and integers that do not fit.
  json params = to_json(full_record());
  params["config"]["params"] = 1.3e40;
  EXPECT_EQ(error_of(params),
            "config.params: expected a whole number from -9223372036854775808 to 9223372036854775807, got 1.3e+40 "
            "in run record");
  json id = to_json(full_record());
  id["buckets"][0]["id"] = 4294967296;
  EXPECT_EQ(error_of(id),
            "buckets[].id: expected a whole number from -2147483648 to 2147483647, got 4294967296 in "
            "run record");
  id["buckets"][0]["id"] = 1.5;
  EXPECT_EQ(error_of(id),
            "buckets[].id: expected a whole number from -2147483648 to 2147483647, got 1.5 in run record");
  id["buckets"][0]["id"] = 18446744073709551615ULL;
  EXPECT_EQ(error_of(id),
            "buckets[].id: expected a whole number from -2147483648 to 2147483647, got "
            "18446744073709551615 in run record");
  params["config"]["params"] = 9.2233720368547758e18;  // 2^63: one beyond
  EXPECT_NE(error_of(params).find("expected a whole number"), std::string::npos);
  params["config"]["params"] = -9.2233720368547758e18;  // -2^63: the least
  EXPECT_EQ(record_from_json(params).params, std::numeric_limits<std::int64_t>::min());
}

TEST(RunRecord, WrongTypeInSweepPointIsADpcastError) {
  json j = to_json(full_record());
  j["config"]["sweep_point"]["cluster.nodes"] = 4;  // a number where a string is written
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("sweep_point"), std::string::npos) << msg;
}

}  // namespace
}  // namespace dpcast::models
