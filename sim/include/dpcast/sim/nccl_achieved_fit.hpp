#pragma once
// The fit behind scenarios/hardware/nccl.yaml (models::NcclAchieved): the latency and
// pipeline factors that bring NCCL's cost model to what published nccl-tests tables measured.
//
// From the bare collectives it may learn from (cases with a `collective`, where NCCL makes
// the choice), it takes each case's NCCL latency L and transfer time T with both factors
// neutral (the network-hop correction stays), then searches latency_factor in [1, 4] and
// pipeline_factor in [0, 4] in steps of 0.05 for the least mean |relative error| of the
// cases' published figures (time, algbw or busbw) against
//   time = latency_factor x L + pipeline_factor x sqrt(L x T) + T.
// The choice itself does not depend on the factors (NCCL chooses with its own model), so each
// case is costed once per fit.
#include "dpcast/sim/validation.hpp"

namespace dpcast::sim {

class NcclAchievedFit : public CorpusFit {
 public:
  [[nodiscard]] std::string name() const override;
  [[nodiscard]] models::Catalogue fit(const models::Catalogue& base,
                                      const std::vector<const models::ValidationCase*>& cases) const override;
  [[nodiscard]] std::string constants(const models::Catalogue& fitted) const override;
};

}  // namespace dpcast::sim
