// NcclAchievedFit: see nccl_achieved_fit.hpp.
#include "dpcast/sim/nccl_achieved_fit.hpp"

#include <cmath>
#include <limits>

#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::sim {
namespace {

constexpr double kStep = 0.05;
constexpr double kMostLatencyFactor = 4.0;
constexpr double kMostPipelineFactor = 4.0;

// One bare collective as the neutral model costs it.
struct Sample {
  double latency_s = 0;    // NCCL's (with the network-hop correction)
  double bandwidth_s = 0;  // bytes / NCCL's bandwidth (what the pipeline term takes)
  double transfer_s = 0;   // the time's bandwidth term (oversubscription stretches it)
  const models::ValidationCase* source = nullptr;
  int ranks = 0;
};

std::vector<Sample> neutral_samples(const models::Catalogue& neutral,
                                    const std::vector<const models::ValidationCase*>& cases) {
  std::vector<Sample> out;
  for (const auto* c : cases) {
    if (!c->collective) continue;
    models::Scenario s = c->scenario;
    s.cluster.resolve(neutral);
    if (s.cluster.gpus() < 2) continue;
    const auto choice = choose_collective(s.data_parallel.collective, *c->collective, c->bytes, NetworkPath::from(s));
    if (!choice.nccl) continue;  // a named alpha-beta algorithm, or no NCCL
    out.push_back({choice.nccl->latency_s, c->bytes / choice.nccl->bandwidth_bytes_per_s,
                   choice.time_s - choice.nccl->latency_s, c, s.cluster.gpus()});
  }
  return out;
}

double mean_abs_error(const std::vector<Sample>& samples, double latency_factor, double pipeline_factor) {
  double sum = 0;
  for (const auto& x : samples) {
    const double seconds =
        latency_factor * x.latency_s + pipeline_factor * std::sqrt(x.latency_s * x.bandwidth_s) + x.transfer_s;
    const auto& c = *x.source;
    const double figure = collective_figure(c.measure, *c.collective, c.bytes, seconds, x.ranks);
    sum += std::abs(figure - c.published) / c.published;
  }
  return sum / static_cast<double>(samples.size());
}

}  // namespace

std::string NcclAchievedFit::name() const {
  return "nccl-achieved";
}

std::string NcclAchievedFit::constants(const models::Catalogue& fitted) const {
  const auto& a = fitted.nccl_achieved();
  return "latency_factor " + fixed(a.latency_factor, 2) + ", pipeline_factor " + fixed(a.pipeline_factor, 2);
}

models::Catalogue NcclAchievedFit::fit(const models::Catalogue& base,
                                       const std::vector<const models::ValidationCase*>& cases) const {
  models::NcclAchieved figures = base.nccl_achieved();
  figures.latency_factor = 1.0;
  figures.pipeline_factor = 0.0;
  models::Catalogue neutral = base;
  neutral.set_nccl_achieved(figures);
  const auto samples = neutral_samples(neutral, cases);
  if (samples.empty()) return base;
  double best = std::numeric_limits<double>::infinity();
  // Integer steps, so that the grid is exact; ties keep the smaller factors.
  for (int i = 0; i <= std::lround((kMostLatencyFactor - 1) / kStep); ++i)
    for (int j = 0; j <= std::lround(kMostPipelineFactor / kStep); ++j) {
      const double latency_factor = 1 + i * kStep, pipeline_factor = j * kStep;
      const double e = mean_abs_error(samples, latency_factor, pipeline_factor);
      if (e < best) {
        best = e;
        figures.latency_factor = latency_factor;
        figures.pipeline_factor = pipeline_factor;
      }
    }
  models::Catalogue out = base;
  out.set_nccl_achieved(figures);
  return out;
}

}  // namespace dpcast::sim
