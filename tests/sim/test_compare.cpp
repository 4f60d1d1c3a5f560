// Predicted against measured: pairing by configuration, errors, MAPE, bad record files.
#include <gtest/gtest.h>

#include <fstream>

#include "../models/temp_dir.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/compare.hpp"

using namespace dpcast;
using models::RunRecord;

namespace {
RunRecord record(const std::string& kind, const std::string& engine, std::int64_t micro_batch, double step) {
  RunRecord r;
  r.kind = kind;
  r.engine = engine;
  r.model = "mlp";
  r.gpu = "cpu-core";
  r.node = "cpu-host";
  r.network = "fat-tree eth-10g 1:1";
  r.nodes = 1;
  r.gpus_per_node = 2;
  r.gpus = 2;
  r.micro_batch = micro_batch;
  r.precision = "fp32";
  r.optimizer = "sgd";
  r.bucket_bytes = 25 << 20;
  r.step_time_s = step;
  r.step_time_spread_s = {0.9 * step, 1.1 * step};
  return r;
}
}  // namespace

TEST(Compare, PairsRecordsOfTheSameConfigurationPerEngine) {
  const std::vector<RunRecord> records{record("measured", "cpu", 32, 0.100), record("predicted", "des", 32, 0.110),
                                       record("predicted", "analytical", 32, 0.095),
                                       record("measured", "cpu", 64, 0.200), record("predicted", "des", 128, 0.4)};
  const auto c = sim::compare_records(records);
  ASSERT_EQ(c.pairs.size(), 2u);
  EXPECT_NEAR(c.pairs[0].error(), 0.10, 1e-12);   // des: +10%
  EXPECT_NEAR(c.pairs[1].error(), -0.05, 1e-12);  // analytical: -5%
  EXPECT_NEAR(c.mape(), 0.075, 1e-12);
  EXPECT_NEAR(c.worst(), 0.10, 1e-12);
  ASSERT_EQ(c.unpaired.size(), 2u);
  EXPECT_EQ(c.unpaired[0],
            "measured mlp on 2 cpu-core, micro-batch 64, buckets 25.0 MiB: no prediction of this configuration");
  EXPECT_EQ(c.unpaired[1],
            "predicted mlp on 2 cpu-core, micro-batch 128, buckets 25.0 MiB: no measurement of this configuration");
}

TEST(Compare, EveryConfigurationKeyMatters) {
  const RunRecord base = record("measured", "cpu", 32, 0.1);
  auto differs = [&](auto change) {
    RunRecord other = base;
    change(other);
    return sim::configuration_key(other) != sim::configuration_key(base);
  };
  EXPECT_TRUE(differs([](RunRecord& r) { r.model = "gpt"; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.gpu = "h100-sxm"; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.network = "single-switch eth-10g"; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.nodes = 2; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.micro_batch = 16; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.seq_len = 64; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.grad_accumulation = 2; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.precision = "bf16"; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.optimizer = "adam"; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.zero_stage = 1; }));
  EXPECT_TRUE(differs([](RunRecord& r) { r.bucket_bytes = 1 << 20; }));
  EXPECT_FALSE(differs([](RunRecord& r) { r.step_time_s = 9; }));
  EXPECT_FALSE(differs([](RunRecord& r) { r.scenario_file = "elsewhere.yaml"; }));
}

// Records that carry their scenario: the same key, configurations that differ in attention.
RunRecord with_scenario(RunRecord r, const std::string& attention, const std::string& name = "s") {
  r.scenario_name = name;
  r.scenario_yaml = "name: " + name + "\nmodel: mlp\ntraining:\n  micro_batch: 32\n  attention: " + attention + "\n";
  return r;
}

TEST(Compare, AMeasurementPairsOnlyWithThePredictionOfItsWholeConfiguration) {
  // Once paired with all three under one label: "MAPE 14.0% over 3 pairs".
  const std::vector<RunRecord> records{with_scenario(record("predicted", "des", 32, 0.11), "eager"),
                                       with_scenario(record("predicted", "des", 32, 0.09), "flash"),
                                       with_scenario(record("predicted", "des", 32, 0.07), "flash1"),
                                       with_scenario(record("measured", "cpu", 32, 0.1), "flash", "other name")};
  const auto c = sim::compare_records(records);
  ASSERT_EQ(c.pairs.size(), 1u);
  EXPECT_NEAR(c.pairs[0].error(), -0.1, 1e-12);
  EXPECT_EQ(c.unpaired.size(), 2u);
  EXPECT_TRUE(sim::same_configuration(records[1], records[3]));  // the name is not the configuration
  EXPECT_FALSE(sim::same_configuration(records[0], records[3]));
  // A record without a scenario pairs by its key alone.
  EXPECT_TRUE(sim::same_configuration(records[0], record("measured", "cpu", 32, 0.1)));
}

TEST(Compare, AMeasurementMatchingSeveralPredictionsOfOneEngineIsAnError) {
  const std::vector<RunRecord> records{with_scenario(record("predicted", "des", 32, 0.11), "flash", "a"),
                                       with_scenario(record("predicted", "des", 32, 0.12), "flash", "b"),
                                       record("measured", "cpu", 32, 0.1)};
  try {
    (void)sim::compare_records(records);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "measured mlp on 2 cpu-core, micro-batch 32, buckets 25.0 MiB matches 2 predictions of the des engine: "
              "predicted record 1 (scenario 'a'), predicted record 2 (scenario 'b'); a measurement pairs with one "
              "prediction per engine: give each configuration once, in records that carry their scenario");
  }
}

TEST(Compare, LabelsTellApartWhatReadsTheSame) {
  RunRecord zero = record("measured", "cpu", 32, 0.1);
  zero.zero_stage = 2;
  const auto c = sim::compare_records({with_scenario(record("predicted", "des", 32, 0.11), "eager"),
                                       with_scenario(record("measured", "cpu", 32, 0.1), "eager"),
                                       with_scenario(record("predicted", "des", 32, 0.09), "flash"),
                                       with_scenario(record("measured", "cpu", 32, 0.1), "flash"),
                                       [&] {
                                         RunRecord p = zero;
                                         p.kind = "predicted";
                                         p.engine = "des";
                                         return p;
                                       }(),
                                       zero});
  ASSERT_EQ(c.pairs.size(), 3u);
  EXPECT_EQ(c.pairs[0].label, "mlp on 2 cpu-core, micro-batch 32, buckets 25.0 MiB (attention: eager)");
  EXPECT_EQ(c.pairs[1].label, "mlp on 2 cpu-core, micro-batch 32, buckets 25.0 MiB (attention: flash)");
  EXPECT_EQ(c.pairs[2].label, "mlp on 2 cpu-core, micro-batch 32, ZeRO-2, buckets 25.0 MiB");
  EXPECT_NE(sim::comparison_table(c).find("(attention: flash)"), std::string::npos);
}

TEST(Compare, TableEndsWithTheMape) {
  const auto c = sim::compare_records({record("measured", "cpu", 32, 0.1), record("predicted", "des", 32, 0.11)});
  const std::string table = sim::comparison_table(c);
  EXPECT_NE(table.find("+10.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("MAPE 10.0% over 1 pair (step time); worst 10.0%\n"), std::string::npos) << table;
  const auto j = models::Json::parse(sim::comparison_json(c));
  EXPECT_NEAR(j["mape"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(j["pairs"][0]["engine"], "des");
}

TEST(Compare, WhatAMeasuredRecordLacksIsADashNotZero) {
  RunRecord measured = record("measured", "cpu", 32, 0.1);
  measured.step_time_spread_s = {0, 0};  // a step time alone: no spread, no breakdown
  RunRecord predicted = record("predicted", "des", 32, 0.11);
  predicted.breakdown.forward_s = 0.04;
  const std::string table = sim::comparison_table(sim::compare_records({measured, predicted}));
  EXPECT_NE(table.find("100 ms (\u2014)"), std::string::npos) << table;
  EXPECT_NE(table.find("40.0 ms / \u2014"), std::string::npos) << table;
  EXPECT_EQ(table.find("/ 0 s"), std::string::npos) << table;
  EXPECT_EQ(table.find("(0 s"), std::string::npos) << table;
}

TEST(Compare, LoadsOneRecordOrAnArrayAndNamesTheBadOne) {
  test_support::TempDir dir("dpcast-compare");
  const std::string one = dir.write("one.json", models::to_json(record("measured", "cpu", 32, 0.1)).dump());
  EXPECT_EQ(sim::load_records(one).size(), 1u);
  models::Json array = models::Json::array(
      {models::to_json(record("predicted", "des", 32, 0.1)), models::to_json(record("predicted", "des", 64, 0.2))});
  array[1]["config"].erase("micro_batch");
  const std::string bad = dir.write("bad.json", array.dump());
  try {
    (void)sim::load_records(bad);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), bad + ": [1].config.micro_batch: missing in run record");
  }
  const std::string garbage = dir.write("garbage.json", "{not json");
  EXPECT_THROW((void)sim::load_records(garbage), Error);
  EXPECT_THROW((void)sim::load_records(dir.path().string() + "/absent.json"), Error);
}
