// Data parallelism over real MPI processes: 2 ranks x micro-batch b end with the weights of
// 1 rank x 2b (the global sample index shards the data, the buckets are summed in place),
// and the 2-rank run writes a record and a trace with both ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "../float_vectors.hpp"
#include "dpcast/models/run_record.hpp"
#include "process.hpp"

namespace dpcast::real::test {
namespace {

using test_support::relative_difference;

// Runs the 2-rank scenario and the 1-rank ones for `steps` steps; compares the weights.
void expect_same_weights(const std::string& model, const std::string& two, const std::string& one,
                         const std::string& half, const std::string& progress) {
  const auto dir = scratch_dir(model);
  const std::string common = " --steps 3 --warmup 0 ";
  const Finished dp = run(mpirun(2, "tests/real/scenarios/" + two + common + "--progress " + progress +
                                        " --dump-weights " + (dir / "two.bin").string() + " -o " +
                                        (dir / "two.json").string() + " --trace " + (dir / "trace.json").string()),
                          60);
  ASSERT_EQ(dp.status, 0) << dp.output;
  const Finished single = run(train("tests/real/scenarios/" + one + common + "--dump-weights " +
                                    (dir / "one.bin").string() + " -o " + (dir / "one.json").string()),
                              60);
  ASSERT_EQ(single.status, 0) << single.output;
  const Finished halved = run(train("tests/real/scenarios/" + half + common + "--dump-weights " +
                                    (dir / "half.bin").string() + " -o " + (dir / "half.json").string()),
                              60);
  ASSERT_EQ(halved.status, 0) << halved.output;

  const auto w2 = read_weights(dir / "two.bin"), w1 = read_weights(dir / "one.bin"),
             wh = read_weights(dir / "half.bin");
  ASSERT_FALSE(w1.empty());
  ASSERT_EQ(w1.size(), w2.size());
  // fp32: the same sums in another order (per-rank partial sums, then the all-reduce).
  EXPECT_LT(relative_difference(w1, w2), 1e-5);
  EXPECT_GT(relative_difference(w1, wh), 1e-3) << "half the batch must give other weights: the check can fail";

  // The 2-rank record reads back and describes 2 ranks exchanging gradients over MPI.
  const models::RunRecord r = models::record_from_json(models::Json::parse(read_text(dir / "two.json")));
  EXPECT_EQ(r.kind, "measured");
  EXPECT_EQ(r.engine, "cpu");
  EXPECT_EQ(r.gpus, 2);
  EXPECT_EQ(r.collective_algorithm, "mpi");
  EXPECT_NE(r.collective_why.find("MPI_Iallreduce"), std::string::npos) << r.collective_why;
  EXPECT_EQ(r.step_times_s.size(), 3u);
  ASSERT_GE(r.buckets.size(), 2u);
  for (const auto& b : r.buckets) {
    EXPECT_GE(b.start_s, b.ready_s);
    EXPECT_GT(b.end_s, b.start_s);
  }
  EXPECT_GT(r.breakdown.comm_total_s, 0);
  // The trace: valid JSON, one process per rank, each with its buckets' all-reduces.
  const models::Json trace = models::Json::parse(read_text(dir / "trace.json"));
  std::set<int> pids, communicating;
  for (const auto& e : trace.at("traceEvents")) {
    pids.insert(e.at("pid").get<int>());
    if (e.at("ph") == "X" && e.at("cat") == "communication") communicating.insert(e.at("pid").get<int>());
  }
  EXPECT_EQ(pids, (std::set<int>{0, 1}));
  EXPECT_EQ(communicating, (std::set<int>{0, 1}));
}

TEST(DataParallel, MlpOnTwoRanksEqualsOneRankWithTheWholeBatch) {
  expect_same_weights("mlp", "tiny-mlp-2x4.yaml", "tiny-mlp-1x8.yaml", "tiny-mlp-1x4.yaml", "test");
}

TEST(DataParallel, GptOnTwoRanksEqualsOneRankWithTheWholeBatch) {
  expect_same_weights("gpt", "tiny-gpt-2x2.yaml", "tiny-gpt-1x4.yaml", "tiny-gpt-1x2.yaml", "thread");
}

TEST(DataParallel, WrongWorldSizeIsOneLineFromRankZero) {
  // The 1-rank scenario under 2 ranks: both ranks find it; rank 0 alone says so.
  const Finished f = run(mpirun(2, "tests/real/scenarios/tiny-mlp-1x8.yaml --steps 1"), 60);
  EXPECT_NE(f.status, 0);
  const std::string line =
      "tests/real/scenarios/tiny-mlp-1x8.yaml:3:10: cluster: 'tiny MLP, 1 rank' trains on 1 worker (1 node x 1) but "
      "runs on 2 MPI ranks; start it with mpirun -n 1";
  const auto first = f.output.find(line);
  EXPECT_NE(first, std::string::npos) << f.output;
  EXPECT_EQ(f.output.find(line, first + 1), std::string::npos) << "printed twice:\n" << f.output;
}

}  // namespace
}  // namespace dpcast::real::test
