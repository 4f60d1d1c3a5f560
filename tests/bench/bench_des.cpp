// bench_des: wall seconds for one simulated step of GPT-2 XL, 25 MiB buckets, DGX H100
// nodes on an NDR fat-tree, at 64, 1,024 and 8,192 GPUs (target: 1,024 GPUs <= 2 s and
// 8,192 <= 20 s on 2 cores, within 1% of the engine's full-fidelity result); then on 64 GPUs
// with ZeRO-2 at growing gradient accumulation (target: the same wall time at any
// accumulation, since the DES skips the repeated micro-steps; playing every one, up to 1,024,
// for comparison).
//   build/bin/bench_des [--quick] [--full-fidelity-up-to GPUS]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/des/des_engine.hpp"

namespace {

double seconds_of(const std::function<void()>& work) {
  const auto t0 = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void bench_accumulation(std::string text, bool quick) {
  using namespace dpcast;
  text.replace(text.find("NODES"), 5, std::to_string(8));  // (a literal here trips GCC 12 bug 105651)
  std::printf("\nbench_des: the same on 64 GPUs with ZeRO-2, by gradient accumulation\n");
  std::printf("%12s %12s %16s %12s\n", "micro-steps", "wall s", "every one, s", "step s");
  for (const std::int64_t micro_steps :
       quick ? std::vector<std::int64_t>{4} : std::vector<std::int64_t>{1, 16, 1024, 1'000'000}) {
    auto s = models::parse_scenarios(text, "bench_des.yaml").front();
    s.training.grad_accumulation = micro_steps;
    s.data_parallel.zero_stage = 2;
    const auto graph = s.model.build(s.seq_len());
    models::RunRecord r;
    const double wall = seconds_of([&] { r = sim::DesEngine{}.predict(s, graph); });
    std::string every = "-";
    if (micro_steps <= 1024) {
      sim::PredictOptions options;
      options.every_micro_step = true;
      every = std::to_string(seconds_of([&] { (void)sim::DesEngine{}.predict(s, graph, options); }));
    }
    std::printf("%12lld %12.3f %16s %12.3f\n", static_cast<long long>(micro_steps), wall, every.c_str(), r.step_time_s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dpcast;
  bool quick = false;
  int full_up_to = 64;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--full-fidelity-up-to") == 0 && i + 1 < argc) full_up_to = std::atoi(argv[++i]);
  }
  const std::string base = R"(
name: bench_des
model: gpt2-xl
cluster: {node: dgx-h100, nodes: NODES, network: {topology: fat-tree, link: ib-ndr}}
training: {micro_batch: 4, seq_len: 1024, attention: flash}
data_parallel: {collective: auto, bucket_mb: 25}
)";
  std::printf("bench_des: one step of GPT-2 XL, 25 MiB buckets, DGX H100 on an NDR fat-tree\n");
  std::printf("%8s %12s %12s %14s %12s\n", "GPUs", "wall s", "step s", "full-fid. s", "difference");
  for (int nodes : quick ? std::vector<int>{1} : std::vector<int>{8, 128, 1024}) {
    std::string text = base;
    text.replace(text.find("NODES"), 5, std::to_string(nodes));
    const auto s = models::parse_scenarios(text, "bench_des.yaml").front();
    const auto graph = s.model.build(s.seq_len());
    const sim::DesEngine des;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = des.predict(s, graph, {false, false});
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string full = "-", diff = "-";
    if (s.cluster.gpus() <= full_up_to) {
      const auto f = des.predict(s, graph, {false, true});
      full = std::to_string(f.step_time_s);
      diff = std::to_string(100 * (r.step_time_s - f.step_time_s) / f.step_time_s) + " %";
    }
    std::printf("%8d %12.3f %12.6f %14s %12s\n", s.cluster.gpus(), wall, r.step_time_s, full.c_str(), diff.c_str());
  }
  bench_accumulation(base, quick);
  return 0;
}
