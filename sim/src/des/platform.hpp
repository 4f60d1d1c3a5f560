#pragma once
// Builds the SimGrid platform of a scenario's cluster, in code (no XML). Internal to the DES.
#include <simgrid/s4u.hpp>

#include <memory>
#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"

namespace dpcast::sim::des {

/// Work units a host executes per second: a compute of t seconds executes t·1e9.
inline constexpr double kHostSpeed = 1e9;

struct Platform {
  std::vector<simgrid::s4u::Host*> gpus;     // by rank
  std::vector<simgrid::s4u::Host*> servers;  // parameter servers, if any
  double max_latency_s = 0;                  // the slowest route's latency
  std::shared_ptr<Platform> slice;           // a small copy for symmetric steps, if asked for
  [[nodiscard]] simgrid::s4u::Host* host(int rank) const { return rank >= 0 ? gpus[rank] : servers[-1 - rank]; }
};

/// Needs a live simgrid::s4u::Engine. Throws dpcast::Error on a platform it cannot build.
/// With `slice`, also builds a separate small cluster of that layout (same nodes and leaves).
[[nodiscard]] Platform build_platform(const models::Scenario& scenario, const Layout& layout, bool with_servers,
                                      const Layout* slice = nullptr);

}  // namespace dpcast::sim::des
