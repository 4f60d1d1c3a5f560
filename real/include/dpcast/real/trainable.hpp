#pragma once
// What the real backend accepts from a scenario, checked before anything runs. Settings it
// cannot honour are errors at their key (file:line:col: key: message), never ignored:
// one configuration (not a sweep), fp32 on the CPU (any precision on CUDA), ZeRO stage 0, the
// transport's own all-reduce algorithm (collective: auto: MPI's or NCCL's), no simulated stragglers, eager attention,
// no activation checkpointing, as many ranks as the scenario's workers, and a model it can execute.
#include <optional>
#include <string>
#include <vector>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::real {

/// The one configuration to train: the scenario's only one, or number `config` of a sweep.
[[nodiscard]] models::Scenario choose_configuration(const std::vector<models::Scenario>& all,
                                                    std::optional<int> config);
/// Rejects settings the `backend` ("cpu" or "cuda") cannot honour.
void check_trainable(const models::Scenario& scenario, const std::string& backend);
/// The scenario's workers (cluster nodes x gpus_per_node) must equal the ranks running it;
/// the error says how to start that many: "... runs on 1 MPI rank; start it with mpirun -n 2"
/// (`unit` "MPI rank", `start` "mpirun -n"), or "runs on 1 GPU; start it with --gpus 2".
void check_world_size(const models::Scenario& scenario, int ranks, const std::string& unit = "MPI rank",
                      const std::string& start = "mpirun -n");
/// The scenario's model graph, checked for execution; a model the backend cannot run is an
/// error at the model key.
[[nodiscard]] models::ModelGraph trainable_graph(const models::Scenario& scenario);
/// Where `dotted_key` is written in the scenario's file (or its nearest written parent).
[[nodiscard]] SourceLocation locate(const models::Scenario& scenario, const std::string& dotted_key);

}  // namespace dpcast::real
