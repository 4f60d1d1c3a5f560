#pragma once
// Builds the SimGrid platform of a scenario's cluster, in code (no XML). Internal to the DES.
#include <simgrid/s4u.hpp>

#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"

namespace dpcast::sim::des {

struct Platform {
  std::vector<simgrid::s4u::Host*> gpus;     // by rank
  std::vector<simgrid::s4u::Host*> servers;  // parameter servers, if any
  double max_latency_s = 0;                  // the slowest route's latency
  [[nodiscard]] simgrid::s4u::Host* host(int rank) const { return rank >= 0 ? gpus[rank] : servers[-1 - rank]; }
};

/// Needs a live simgrid::s4u::Engine. Throws dpcast::Error on a platform it cannot build.
[[nodiscard]] Platform build_platform(const models::Scenario& scenario, const Layout& layout, bool with_servers);

}  // namespace dpcast::sim::des
