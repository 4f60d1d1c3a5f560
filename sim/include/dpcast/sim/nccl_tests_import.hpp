#pragma once
// dpcast calibrate --nccl-tests: a measured nccl-tests table turned into what the NCCL model
// uses. NCCL's own topology search sees a link's nominal speed whatever it delivers, so a
// measurement does not change the link's bandwidth (the bug this replaces: a 4-node DGX A100
// log's 186 GB/s bus bandwidth was written as each HDR port's speed, and made every prediction
// faster). Instead each measured size keeps its ratio of measured time to dpcast's NCCL time
// on the log's own topology: models::Link::nccl_time_ratio, on the link the collective was
// bound by (the intra-node link for a one-node log, the NIC link across nodes). Predictions
// then reproduce the log where it was measured, and a cluster slower than the model stays
// slower at every size and node count - the per-size curve keeps the protocol switches, where
// DDP's buckets live.
//
// The topology comes from the log: its rank lines give the ranks and, by their hosts, the
// nodes; the node preset gives the GPUs, links and NICs. Options override both, and a log
// without rank lines needs them.
#include <string>

#include "dpcast/models/hardware.hpp"
#include "dpcast/sim/calibrate.hpp"

namespace dpcast::sim {

struct NcclTestsImport {
  std::string node;       // the node preset the log ran on (required)
  std::string link;       // its NIC link, where not the preset's
  int nodes = 0;          // 0: from the log's hosts
  int gpus_per_node = 0;  // 0: ranks / nodes
  int ranks = 0;          // 0: from the log's rank lines
  std::string op;         // "": the log's (all-reduce when it does not say)
};

/// A profile whose link carries the measured curve; `file` names the log in errors.
[[nodiscard]] Calibration calibrate_from_nccl_tests(const AllreduceLog& log, const std::string& file,
                                                    const NcclTestsImport& how,
                                                    const models::Catalogue& catalogue = models::Catalogue::builtin());

}  // namespace dpcast::sim
