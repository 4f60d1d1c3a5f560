#pragma once
// How busy the links a rank's traffic crosses are while a collective runs, for the trace's
// counter tracks (and the dashboard's timeline): the rank's GPU link into the intra-node
// fabric, its node's NICs, its leaf's uplink and its pod's uplink (those the job crosses).
//
// A collective's bytes on each link come from its flow schedule (des/flow_schedule.hpp, the
// flows the DES plays): the bytes of every flow leaving the GPU, the node, the leaf or the pod,
// times the step's repeats. NCCL's choices are counted as its ring moves the bytes (a node-
// ordered ring per channel; NVLS and trees move fewer through some links, so those read high
// and are capped at 100%). Utilisation = bytes / (the collective's time x the link's bandwidth
// for the job: placement.hpp's uplinks).
#include <string>
#include <vector>

#include "dpcast/models/scenario.hpp"
#include "dpcast/sim/collectives.hpp"
#include "dpcast/sim/des/flow_schedule.hpp"

namespace dpcast::sim {

/// One link a rank's traffic leaves by.
struct RankLink {
  std::string name;  // "GPU 3 link", "node 0 NICs", "leaf 2 uplink", "pod 1 uplink"
  double capacity_bytes_per_s = 0;
};

/// The links of `rank` (of `scenario`'s cluster as `layout` places it), in the order above:
/// the GPU link always, the NICs with more than one node, the uplinks where the job crosses
/// them. Names count nodes, leaves and pods of the job (leaf 0 is its first).
[[nodiscard]] std::vector<RankLink> rank_links(const models::Scenario& scenario, const des::Layout& layout, int rank);

/// Bytes one collective, as the flows of `schedule` (des::make_schedule on `layout`), sends out
/// through each of rank_links' links (same order). The schedule is the same for every rank:
/// make it once per collective.
[[nodiscard]] std::vector<double> link_bytes(const des::Layout& layout, const des::Schedule& schedule, int rank);

/// The flow schedule a record's algorithm label stands for: an α-β algorithm by its name,
/// NCCL's choices ("nccl ring/LL128", "nccl tree/Simple", ...) and anything else as the ring.
[[nodiscard]] models::Collective schedule_algorithm(const std::string& label);

}  // namespace dpcast::sim
