#pragma once
// Plays collectives as flows on the DES platform, with shortcuts that keep the result exact.
// Internal to the DES.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"
#include "platform.hpp"

namespace dpcast::sim::des {

/// Plays collectives on the platform. Four shortcuts, each exact because nothing else
/// shares the network while a collective runs (one communication stream):
///  * a step that repeats unchanged is played once and its time counted again;
///  * a collective already played at the same size is not played again;
///  * a collective already played at another size is scaled: in a step whose flows have
///    equal sizes and start together, max-min sharing is invariant under scaling every
///    size by λ, so each transfer time scales by λ. This holds when the step's routes share
///    one latency (SimGrid charges latency before the transfer) and flows are not rounded
///    to a few bytes (SimGrid moves whole bytes: the error is at most 0.5 / flow bytes, below
///    1.2e-4 for the 4 KiB minimum); otherwise the collective is played;
///  * a symmetric step (node-ordered rings) is played on a slice of the cluster that puts the
///    same flows on every link (des::slice_layout).
/// `full_fidelity` turns the shortcuts off (every step of every collective is played).
class CollectivePlayer {
 public:
  CollectivePlayer(const Platform& platform, const Layout& layout, bool full_fidelity = false,
                   std::optional<Layout> slice_layout = std::nullopt)
      : platform_(platform), layout_(layout), full_fidelity_(full_fidelity), slice_layout_(std::move(slice_layout)) {}

  /// Plays one collective of `bytes` from the calling actor; returns when it is done.
  void play(models::Collective algorithm, CollectiveOp op, double bytes);
  /// Plays a choice: NCCL's as its pipelined ring-equivalent (flow_schedule.hpp) followed by
  /// what NCCL's latency adds to the route's; an α-β algorithm as play() does.
  void play(const CollectiveChoice& choice, CollectiveOp op, double bytes);

 private:
  using ScheduleOf = std::function<Schedule(const Layout&)>;
  // Plays the schedule `make` builds on the cluster (or its slice), with the shortcuts;
  // `shape_key` names the schedule's form for the scaling shortcut.
  void play_schedule(const std::string& shape_key, double bytes, const ScheduleOf& make);
  // The slowest route of the schedule's first step (what one pipelined step pays).
  [[nodiscard]] double route_latency(const Schedule& schedule) const;

  static constexpr double kScalableFlowBytes = 4096;

  // One played schedule: per step its route latency and the time of one play.
  struct Shape {
    double bytes = 0;
    std::vector<double> latency, step_time;
    bool scalable = true;
    double max_latency = 0;
    /// The schedule's time at another size, or -1 when scaling would not be exact.
    [[nodiscard]] double time(double new_bytes, const Schedule& schedule) const;
  };

  static double smallest_flow(const FlowStep& step);
  // The latency all the step's routes share, or -1 if they differ.
  static double common_latency(const FlowStep& step, const Platform& platform);

  const Platform& platform_;
  Layout layout_;
  bool full_fidelity_;
  std::optional<Layout> slice_layout_;
  std::map<std::string, double> cache_;
  std::map<std::string, Shape> shapes_;
  std::optional<double> nccl_route_latency_;
};

}  // namespace dpcast::sim::des
