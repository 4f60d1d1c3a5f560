// bench_plan: wall seconds to plan a space of about 10^5 configurations on this machine's
// cores (the analytical engine over the space; the DES confirming the front up to 1,024 GPUs).
// Target: under 10 s on a 2-core machine. Prints the median of 3 runs.
//   build/bin/bench_plan [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "dpcast/models/plan_spec.hpp"
#include "dpcast/sim/planner.hpp"

int main(int argc, char** argv) {
  using namespace dpcast;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const std::string text = R"(name: bench_plan
model: gpt2-xl
cluster: {node: dgx-h100, nodes: 1}
training: {micro_batch: 4, seq_len: 1024}
plan:
  target: {tokens: 3.0e+11}
  deadline_hours: 72
  max_global_batch: 4096
  gpus: [h100-sxm, h200, a100-80gb, a100-40gb]
  nodes: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]
  links: [ib-ndr, ib-hdr, eth-400g, eth-200g, eth-100g, eth-25g]
  prices: {h200: 8.0}   # the catalogue has no list price for it
  topologies: [fat-tree, rail-optimized]
  micro_batch: [1, 2, 4, 8, 16, 32]
  grad_accumulation: [1, 2, 4, 8, 16]
  zero_stage: [0, 1, 2, 3]
)";
  auto ps = models::parse_plan_scenario(text, "bench_plan.yaml");
  if (quick) ps.plan.nodes = {1, 2}, ps.plan.links = {"ib-ndr"};
  sim::PlanOptions options;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (quick) options.confirm_up_to_gpus = 16;
  std::vector<double> walls;
  sim::PlanResult result;
  for (int run = 0; run < (quick ? 1 : 3); ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    result = sim::make_plan(ps.base, ps.plan, models::Catalogue::builtin(), options);
    walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(walls.begin(), walls.end());
  std::size_t confirmed = 0;
  for (const auto& p : result.front) confirmed += p.des.has_value();
  std::printf(
      "bench_plan: GPT-2 XL, %zu configurations (4 GPU types x 16 node counts x 6 links x 2 topologies x "
      "6 micro-batches x 5 accumulations x 4 ZeRO stages), %d threads\n",
      result.evaluated, options.threads);
  std::printf(
      "median %.2f s wall (%.1f us a configuration); front of %zu points, %zu DES-confirmed; target < 10 s: %s\n",
      walls[walls.size() / 2], 1e6 * walls[walls.size() / 2] / static_cast<double>(result.evaluated),
      result.front.size(), confirmed, walls[walls.size() / 2] < 10 ? "met" : "MISSED");
  return result.front.empty() ? 1 : 0;
}
