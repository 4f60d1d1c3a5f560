// Playing a collective as flows on the DES platform: see collective_player.hpp.
#include "collective_player.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace dpcast::sim::des {
namespace sg4 = simgrid::s4u;

void CollectivePlayer::play(models::Collective algorithm, CollectiveOp op, double bytes) {
  const std::string shape_key =
      std::to_string(static_cast<int>(algorithm)) + ":" + std::to_string(static_cast<int>(op));
  play_schedule(shape_key, bytes, [&](const Layout& l) { return make_schedule(algorithm, op, bytes, l); });
}

void CollectivePlayer::play(const CollectiveChoice& choice, CollectiveOp op, double bytes) {
  if (!choice.nccl) {
    // A calibrated profile's measured curve: the flows, then what the ratio adds (or, below 1,
    // fewer bytes).
    const double ratio = choice.measured_ratio;
    play(choice.algorithm, op, ratio < 1 ? bytes * ratio : bytes);
    if (ratio > 1) sg4::this_actor::sleep_for(choice.time_s * (1 - 1 / ratio));
    return;
  }
  const double ring_bytes = choice.ring_equivalent_bytes;
  const auto make = [&](const Layout& l) {
    return pipelined(make_schedule(models::Collective::Ring, CollectiveOp::AllReduce, ring_bytes, l));
  };
  play_schedule("nccl", ring_bytes, make);
  if (!nccl_route_latency_) nccl_route_latency_ = route_latency(make(layout_));
  sg4::this_actor::sleep_for(std::max(0.0, choice.nccl->latency_s - *nccl_route_latency_));
}

double CollectivePlayer::route_latency(const Schedule& schedule) const {
  double slowest = 0;
  if (schedule.steps.empty()) return 0;
  for (const auto& f : schedule.steps.front().flows) {
    std::vector<sg4::Link*> links;
    double latency = 0;
    platform_.host(f.src)->route_to(platform_.host(f.dst), links, &latency);
    slowest = std::max(slowest, latency);
  }
  return slowest;
}

void CollectivePlayer::play_schedule(const std::string& shape_key, double bytes, const ScheduleOf& make) {
  const std::string key = shape_key + ":" + std::to_string(bytes);
  if (const auto it = cache_.find(key); it != cache_.end() && !full_fidelity_) {
    sg4::this_actor::sleep_for(it->second);
    return;
  }
  const auto schedule = make(layout_);
  if (const auto it = shapes_.find(shape_key); it != shapes_.end() && !full_fidelity_) {
    const double scaled = it->second.time(bytes, schedule);
    if (scaled >= 0) {
      sg4::this_actor::sleep_for(scaled);
      cache_[key] = scaled;
      return;
    }
  }
  const double start = sg4::Engine::get_clock();
  Shape shape{bytes, {}, {}, true, platform_.max_latency_s};
  // Symmetric steps are played on the slice (same flows per link, far fewer flows).
  const bool sliced = platform_.slice && slice_layout_ && !full_fidelity_;
  const auto slice_schedule = sliced ? make(*slice_layout_) : Schedule{};
  for (std::size_t index = 0; index < schedule.steps.size(); ++index) {
    const auto& full_step = schedule.steps[index];
    const bool on_slice = sliced && full_step.symmetric && slice_schedule.steps.size() == schedule.steps.size();
    const Platform& where = on_slice ? *platform_.slice : platform_;
    FlowStep step = on_slice ? slice_schedule.steps[index] : full_step;
    if (on_slice)
      for (auto& f : step.flows) f.bytes = full_step.flows.front().bytes;  // the whole cluster's flow size
    const double t0 = sg4::Engine::get_clock();
    const double latency = common_latency(step, where);
    shape.scalable = shape.scalable && latency >= 0 && smallest_flow(step) >= kScalableFlowBytes;
    shape.latency.push_back(latency);
    const int played = full_fidelity_ ? full_step.repeat : 1;
    for (int i = 0; i < played; ++i) {
      std::vector<sg4::CommPtr> comms;
      comms.reserve(step.flows.size());
      for (const auto& f : step.flows)
        comms.push_back(
            sg4::Comm::sendto_async(where.host(f.src), where.host(f.dst),
                                    std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(f.bytes)))));
      sg4::Comm::wait_all(comms);
    }
    shape.step_time.push_back((sg4::Engine::get_clock() - t0) / played);
    if (full_step.repeat > played) sg4::this_actor::sleep_for((sg4::Engine::get_clock() - t0) * (full_step.repeat - 1));
  }
  if (schedule.extra_latencies > 0) sg4::this_actor::sleep_for(schedule.extra_latencies * platform_.max_latency_s);
  cache_[key] = sg4::Engine::get_clock() - start;
  if (shape.scalable) shapes_.emplace(shape_key, std::move(shape));
}

double CollectivePlayer::Shape::time(double new_bytes, const Schedule& schedule) const {
  if (schedule.steps.size() != step_time.size()) return -1;
  const double lambda = new_bytes / bytes;
  double total = 0;
  for (std::size_t i = 0; i < schedule.steps.size(); ++i) {
    if (smallest_flow(schedule.steps[i]) < kScalableFlowBytes) return -1;
    total += schedule.steps[i].repeat * (latency[i] + lambda * (step_time[i] - latency[i]));
  }
  return total + schedule.extra_latencies * max_latency;
}

double CollectivePlayer::smallest_flow(const FlowStep& step) {
  double smallest = std::numeric_limits<double>::infinity();
  for (const auto& f : step.flows) smallest = std::min(smallest, f.bytes);
  return smallest;
}

double CollectivePlayer::common_latency(const FlowStep& step, const Platform& platform) {
  double common = -1;
  for (const auto& f : step.flows) {
    std::vector<sg4::Link*> links;
    double latency = 0;
    platform.host(f.src)->route_to(platform.host(f.dst), links, &latency);
    if (common < 0) common = latency;
    if (std::abs(latency - common) > 1e-15) return -1;
  }
  return common;
}

}  // namespace dpcast::sim::des
