#pragma once
// The keys a scenario file accepts, one table per section. The readers (scenario.cpp)
// declare their keys from these tables, and scenario_keys() (what `sweep:` and a validation
// case's `set:` may name) is built from them: a key is added here and read there, nowhere
// else. tests/models/test_scenario_schema.cpp checks that the parser reads every key listed.
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dpcast::models {

/// What a key of a section holds: a value (sweepable), a nested section (its own table
/// below), or a section another reader takes (`sweep:` is expanded before reading, `plan:`
/// is read by dpcast plan).
enum class KeyKind { Value, Section, ReadElsewhere };

/// One key of a section and what it holds.
struct SchemaKey {
  std::string_view name;
  KeyKind kind = KeyKind::Value;
};

/// A section: its dotted path ("" for the top level) and its keys, in the order
/// scenario_keys() lists them.
struct SchemaSection {
  std::string_view path;
  std::span<const SchemaKey> keys;
};

namespace schema {
inline constexpr std::array<SchemaKey, 7> kTop{{{"name"},
                                                {"model"},
                                                {"cluster", KeyKind::Section},
                                                {"training", KeyKind::Section},
                                                {"data_parallel", KeyKind::Section},
                                                {"sweep", KeyKind::ReadElsewhere},
                                                {"plan", KeyKind::ReadElsewhere}}};
inline constexpr std::array<SchemaKey, 8> kCluster{{{"node"},
                                                    {"gpu"},
                                                    {"nodes"},
                                                    {"gpus"},
                                                    {"gpus_per_node"},
                                                    {"network", KeyKind::Section},
                                                    {"placement"},
                                                    {"placement_seed"}}};
inline constexpr std::array<SchemaKey, 11> kNetwork{{{"topology"},
                                                     {"link"},
                                                     {"oversubscription"},
                                                     {"nodes_per_leaf"},
                                                     {"switch_ports"},
                                                     {"levels"},
                                                     {"leaves_per_pod"},
                                                     {"pod_oversubscription"},
                                                     {"leaves"},
                                                     {"background"},
                                                     {"sharp"}}};
inline constexpr std::array<SchemaKey, 13> kTraining{{{"micro_batch"},
                                                      {"seq_len"},
                                                      {"grad_accumulation"},
                                                      {"precision"},
                                                      {"optimizer"},
                                                      {"optimizer_implementation"},
                                                      {"attention"},
                                                      {"dropout"},
                                                      {"activation_checkpointing"},
                                                      {"memory_format"},
                                                      {"execution"},
                                                      {"fused_kernels"},
                                                      {"compute_noise", KeyKind::Section}}};
inline constexpr std::array<SchemaKey, 4> kComputeNoise{{{"distribution"}, {"cv"}, {"seed"}, {"steps"}}};
inline constexpr std::array<SchemaKey, 10> kDataParallel{{{"collective"},
                                                          {"library"},
                                                          {"nccl_algorithm"},
                                                          {"nccl_protocol"},
                                                          {"bucket_mb"},
                                                          {"first_bucket_mb"},
                                                          {"overlap"},
                                                          {"zero_stage"},
                                                          {"gradient_copies"},
                                                          {"ps_servers"}}};
}  // namespace schema

/// Every section of a scenario file, the top level first.
inline constexpr std::array<SchemaSection, 6> kScenarioSchema{{
    {"", schema::kTop},
    {"cluster", schema::kCluster},
    {"cluster.network", schema::kNetwork},
    {"training", schema::kTraining},
    {"training.compute_noise", schema::kComputeNoise},
    {"data_parallel", schema::kDataParallel},
}};

/// The section at a dotted path (throws std::out_of_range for a path that is none).
[[nodiscard]] const SchemaSection& schema_section(std::string_view path);
/// A section's key names, as MapReader::declare takes them.
[[nodiscard]] std::vector<std::string_view> key_names(const SchemaSection& section);

}  // namespace dpcast::models
