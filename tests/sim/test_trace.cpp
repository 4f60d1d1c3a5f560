// Chrome trace of one step: one process per rank, compute and communication tracks,
// collectives where the record puts them, ranks at their own speed.
#include <gtest/gtest.h>

#include <set>

#include "dpcast/sim/analytical.hpp"
#include "dpcast/sim/trace.hpp"
#include "test_catalogue.hpp"

using namespace dpcast;

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
