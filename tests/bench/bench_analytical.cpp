// bench_analytical: analytical configurations predicted per second on one core.
// Target: >= 1e5 configurations/s. Prints the median of 5 runs.
//   build/bin/bench_analytical [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/analytical.hpp"

int main(int argc, char** argv) {
  using namespace dpcast;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  auto scenarios = models::load_scenarios("scenarios/quickstart.yaml");
  sim::ModelCache cache;
  sim::AnalyticalEngine engine;
  // A sweep like a planner's: node counts x micro-batches x bucket sizes x collectives.
  std::vector<models::Scenario> space;
  for (const auto& base : scenarios)
    for (double bucket : {5.0, 25.0, 100.0})
      for (auto c : {models::Collective::Auto, models::Collective::Ring, models::Collective::Hierarchical}) {
        auto s = base;
        s.data_parallel.bucket_mb = bucket;
        s.data_parallel.collective = c;
        space.push_back(s);
      }
  for (const auto& s : space) (void)cache.get(s);  // graphs built once, outside the timing

  const int runs = quick ? 1 : 5;
  const int repeats = quick ? 1 : 50;
  std::vector<double> rates;
  double checksum = 0;
  for (int run = 0; run < runs; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int rep = 0; rep < repeats; ++rep)
      for (const auto& s : space) checksum += engine.predict(s, cache.get(s), {false}).step_time_s;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(static_cast<double>(space.size()) * repeats / wall);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("bench_analytical: GPT-2 small, %zu configurations x %d repeats, %d runs\n", space.size(), repeats, runs);
  std::printf("median: %.0f configurations/s on one core (%.2f us each); target >= 100000/s: %s\n",
              rates[rates.size() / 2], 1e6 / rates[rates.size() / 2],
              rates[rates.size() / 2] >= 1e5 ? "met" : "MISSED");
  std::printf("(checksum %.6g)\n", checksum);
  return checksum > 0 ? 0 : 1;
}
