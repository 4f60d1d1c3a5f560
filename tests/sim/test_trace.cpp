// Chrome trace of one step: one process per rank, compute and communication tracks,
// collectives where the record puts them, ranks at their own speed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/link_load.hpp"
#include "dpcast/sim/trace.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

using dpcast::models::Collective;
using dpcast::sim::CollectiveOp;

TEST(Trace, OneProcessPerRankWithComputeAndCommunicationTracks) {
  const auto s = test_support::scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 2}
training: {micro_batch: 2, seq_len: 128, compute_noise: {cv: 0.1}}
data_parallel: {collective: ring}
)");
  const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()));
  const auto trace = sim::chrome_trace(r, s, 3);
  std::set<int> pids;
  std::map<int, double> backward_end;
  int collectives = 0;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const int pid = e.at("pid");
    pids.insert(pid);
    const std::string cat = e.at("cat");
    EXPECT_EQ(e.at("tid").get<int>(), cat == "communication" ? 2 : 1) << cat;
    if (cat == "backward")
      backward_end[pid] = std::max(backward_end[pid], e.at("ts").get<double>() + e.at("dur").get<double>());
    if (cat == "communication" && pid == 0) {
      const auto& b = r.buckets.at(static_cast<std::size_t>(e.at("args").at("bucket").get<int>()));
      EXPECT_EQ(e.at("args").at("bytes").get<double>(), b.bytes);
      EXPECT_NEAR(e.at("dur").get<double>(), (b.end_s - b.start_s) * 1e6, 1e-6);
      ++collectives;
    }
  }
  EXPECT_EQ(pids, (std::set<int>{0, 1, 2}));
  EXPECT_EQ(collectives, static_cast<int>(r.buckets.size()));
  // Each rank computes at its own speed: their backward passes end at different times.
  EXPECT_NE(backward_end[0], backward_end[1]);
}

TEST(Trace, NeedsTheRecordsLayers) {
  const auto s =
      test_support::scenario("model: gpt2-small\ncluster: {node: test-node, nodes: 1}\ntraining: {seq_len: 64}\n");
  const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()), {false});
  EXPECT_THROW((void)sim::chrome_trace(r, s), Error);
}

namespace {
// The trace's spans against the record: none before 0 or after the step, the last ending at
// the step time; how many parameter gathers rank 0 shows, and when its first layer starts.
struct TraceSummary {
  double last_end_s = 0, first_start_s = 1e300, first_forward_s = 1e300;
  int gathers = 0;
};

TraceSummary summarize(const models::Json& trace) {
  TraceSummary t;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const double start = e.at("ts").get<double>() / 1e6;
    t.last_end_s = std::max(t.last_end_s, start + e.at("dur").get<double>() / 1e6);
    t.first_start_s = std::min(t.first_start_s, start);
    if (e.at("pid") != 0) continue;
    if (e.at("args").contains("gather")) ++t.gathers;
    if (e.at("cat") == "forward") t.first_forward_s = std::min(t.first_forward_s, start);
  }
  return t;
}
}  // namespace

// Every span of the step is in the trace (issue 18: a ZeRO-2 trace ended at 1,642 ms of a
// 1,708 ms step, without the gather after the optimizer; a ZeRO-3 trace had no gathers and its
// forward began at 0 although the first gather is exposed): every ZeRO stage, with and without
// accumulation, ring and tree, with compute noise.
TEST(Trace, EverySpanOfTheStepIsThereForEveryZeroStage) {
  for (int zero : {0, 1, 2, 3})
    for (int accumulation : {1, 3})
      for (const char* collective : {"ring", "tree"}) {
        auto s = test_support::scenario(
            "model: gpt2-small\ncluster: {node: test-node, nodes: 2}\n"
            "training: {micro_batch: 2, seq_len: 128, compute_noise: {cv: 0.05}}\n"
            "data_parallel: {collective: " +
            std::string(collective) + "}\n");
        s.data_parallel.zero_stage = zero;
        s.training.grad_accumulation = accumulation;
        const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()));
        const auto t = summarize(sim::chrome_trace(r, s, 2));
        const std::string what =
            "ZeRO-" + std::to_string(zero) + " x" + std::to_string(accumulation) + " " + collective;
        EXPECT_NEAR(t.last_end_s, r.step_time_s, 1e-9 * r.step_time_s) << what;
        EXPECT_GE(t.first_start_s, -1e-12) << what;
        const int buckets = static_cast<int>(r.buckets.size());
        EXPECT_EQ(t.gathers, zero == 3 ? 2 * buckets * accumulation : zero >= 1 ? 1 : 0) << what;
        if (zero == 3) {  // forward waits for the first bucket's gather
          const auto first = std::min_element(r.gathers.begin(), r.gathers.end(),
                                              [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
          EXPECT_NEAR(t.first_forward_s, first->end_s - r.marks.last_micro_step_start_s, 1e-12) << what;
        } else {
          EXPECT_EQ(t.first_forward_s, 0) << what;
        }
      }
}

TEST(Trace, RanksAreACountOrRanksAndRanges) {
  EXPECT_EQ(sim::trace_ranks("3", 64), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(sim::trace_ranks("8", 4), (std::vector<int>{0, 1, 2, 3}));  // no more than there are
  EXPECT_EQ(sim::trace_ranks("0,32,64", 128), (std::vector<int>{0, 32, 64}));
  EXPECT_EQ(sim::trace_ranks("62-63,0-1,1", 64), (std::vector<int>{0, 1, 62, 63}));  // sorted, once each
  auto error = [](const std::string& text, int gpus = 64) {
    try {
      (void)sim::trace_ranks(text, gpus);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("0,64"), "--trace-ranks: rank 64: the configuration has 64 GPUs (ranks 0 to 63)");
  EXPECT_EQ(error("5-2"), "--trace-ranks: range 5-2 runs backwards");
  EXPECT_EQ(error("0"), "--trace-ranks: expected at least one rank");
  // At most 1,024 ranks in one trace (a count beyond the GPUs is cut to them first).
  EXPECT_EQ(sim::trace_ranks("100000", 1024).size(), 1024U);
  EXPECT_EQ(sim::trace_ranks("0-1023", 4096).size(), 1024U);
  EXPECT_EQ(error("2000000000", 1'000'000),
            "--trace-ranks: 1000000 ranks are more than the 1024 one trace may hold (the limit)");
  EXPECT_EQ(error("0-999,2000-2100", 1'000'000),
            "--trace-ranks: 1101 ranks are more than the 1024 one trace may hold (the limit)");
  EXPECT_EQ(error("0-2147483646", 2'147'483'647),
            "--trace-ranks: 2147483647 ranks are more than the 1024 one trace may hold (the limit)");
  for (const char* bad : {"x", "1,,2", "-3", "1-", "2.5"})
    EXPECT_EQ(error(bad), "--trace-ranks: expected a count (8) or ranks and ranges (0,32,64 or 0-3,60-63), got '" +
                              std::string(bad) + "'");
  // The trace has exactly those ranks.
  const auto s =
      test_support::scenario("model: gpt2-small\ncluster: {node: test-node, nodes: 2}\ntraining: {seq_len: 64}\n");
  const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()));
  std::set<int> pids;
  const auto trace = sim::chrome_trace(r, s, sim::trace_ranks("1,6", r.gpus));
  for (const auto& e : trace.at("traceEvents")) pids.insert(e.at("pid").get<int>());
  EXPECT_EQ(pids, (std::set<int>{1, 6, 8}));  // 8: their links' counters, after the 8 ranks
}

TEST(Trace, LinkCountersSayHowBusyEachLinkIsDuringEachCollective) {
  // 4 test-nodes (4 GPUs, 4 NICs of 10 GB/s each) spread one per leaf at 2:1: a ring
  // all-reduce of n sends 2(p-1)/p·n out of every GPU, every node and every leaf (one hop of
  // each of the 4 channel rings crosses each boundary). Each collective's counter is those
  // bytes over its time and the link's bandwidth: 100 GB/s GPU link, 40 GB/s NICs, 20 GB/s
  // uplink (the node's share at 2:1).
  const auto s = test_support::scenario(R"(
model: gpt2-small
cluster: {node: test-node, nodes: 4, network: {nodes_per_leaf: 8, oversubscription: 2}, placement: spread}
training: {micro_batch: 2, seq_len: 128}
data_parallel: {collective: ring}
)");
  const auto layout = sim::des::Layout::from(s);
  const auto links = sim::rank_links(s, layout, 5);
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].name, "GPU 5 link");
  EXPECT_EQ(links[1].name, "node 1 NICs");
  EXPECT_EQ(links[2].name, "leaf 1 uplink");
  EXPECT_DOUBLE_EQ(links[0].capacity_bytes_per_s, 100e9);
  EXPECT_DOUBLE_EQ(links[1].capacity_bytes_per_s, 40e9);
  EXPECT_DOUBLE_EQ(links[2].capacity_bytes_per_s, 20e9);
  const double n = 64e6, ring = 2.0 * 15 / 16 * n;
  const auto bytes =
      sim::link_bytes(layout, sim::des::make_schedule(Collective::Ring, CollectiveOp::AllReduce, n, layout), 5);
  ASSERT_EQ(bytes.size(), 3u);
  for (double b : bytes) EXPECT_NEAR(b, ring, 1e-3);

  const auto r = sim::AnalyticalEngine{}.predict(s, s.model.build(s.seq_len()));
  const auto trace = sim::chrome_trace(r, s, std::vector<int>{0, 5});
  std::map<std::string, std::vector<double>> busy;  // link -> the utilisation each collective sets
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") != "C") continue;
    EXPECT_EQ(e.at("pid").get<int>(), 16);  // the links' process, after the ranks'
    const double percent = e.at("args").at("utilisation %");
    if (percent > 0) busy[e.at("name")].push_back(percent);
  }
  EXPECT_EQ(busy.size(), 6u);  // GPU 0 and 5, nodes 0 and 1, leaves 0 and 1
  const auto& b = r.buckets.back();
  const double seconds = b.end_s - b.start_s;
  ASSERT_EQ(busy["leaf 1 uplink"].size(), r.buckets.size());
  EXPECT_NEAR(busy["leaf 1 uplink"].back(), 100 * std::min(1.0, 2.0 * 15 / 16 * b.bytes / (seconds * 20e9)), 1e-9);
  EXPECT_NEAR(busy["node 1 NICs"].back(), 100 * 2.0 * 15 / 16 * b.bytes / (seconds * 40e9), 1e-9);
  // The uplink is the ring's bottleneck: the largest buckets keep it nearly busy, the NICs half.
  EXPECT_GT(*std::max_element(busy["leaf 1 uplink"].begin(), busy["leaf 1 uplink"].end()), 75);
  // One GPU: no links.
  const auto one = test_support::scenario(
      "model: gpt2-small\ncluster: {node: test-node, nodes: 1, gpus_per_node: 1}\n"
      "training: {seq_len: 64}\n");
  const auto solo = sim::chrome_trace(sim::AnalyticalEngine{}.predict(one, one.model.build(64)), one, 1);
  for (const auto& e : solo.at("traceEvents")) EXPECT_NE(e.at("ph"), "C");
}
