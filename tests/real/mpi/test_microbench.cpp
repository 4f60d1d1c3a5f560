// --microbench under mpirun: the all-reduce figures need every rank.
#include <gtest/gtest.h>

#include "dpcast/models/run_record.hpp"
#include "process.hpp"

namespace dpcast::real::test {
namespace {

TEST(Microbench, AllReduceTimesOnTwoRanks) {
  const auto dir = scratch_dir("microbench");
  const Finished f = run(mpirun(2, "--microbench --quick --sizes 1024 262144 -o " + (dir / "raw.json").string()), 60);
  ASSERT_EQ(f.status, 0) << f.output;
  const models::Json raw = models::Json::parse(read_text(dir / "raw.json"));
  EXPECT_EQ(raw.at("ranks"), 2);
  ASSERT_EQ(raw.at("allreduce").size(), 2u);
  EXPECT_EQ(raw.at("allreduce")[1].at("bytes"), 262144.0);
  for (const auto& a : raw.at("allreduce")) EXPECT_GT(a.at("seconds").get<double>(), 0);
  EXPECT_FALSE(raw.at("gemm").empty());
}

}  // namespace
}  // namespace dpcast::real::test
