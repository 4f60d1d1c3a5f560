#pragma once
// A scenario: which model, on which cluster, trained how, with which data parallelism;
// and the sweep that turns one scenario file into many configurations. Read from YAML
// (or JSON); every value is checked, with errors that name the file, line and key.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dpcast/models/byte_units.hpp"
#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::models {

/// One entry of a custom model's layer list (shapes are inferred along the chain).
struct LayerSpec {
  LayerKind kind = LayerKind::Linear;
  std::int64_t out = 0;  // linear: out features; conv2d: out channels; embedding: width
  std::int64_t kernel = 1;
  std::int64_t stride = 1;
  std::int64_t pad = 0;
  std::int64_t vocab = 0;  // embedding
  bool bias = true;
  SourceLocation where;
  std::string path;
};

/// What the scenario trains. Exactly one of the sources is set.
struct ModelSpec {
  std::string label;  // zoo name, or the custom model's name
  std::string zoo;    // a zoo model
  std::optional<TransformerConfig> transformer;
  std::optional<MlpConfig> mlp;
  Shape layer_input;  // a layer list: per-sample input shape
  std::vector<LayerSpec> layer_list;
  SourceLocation where;

  [[nodiscard]] bool is_sequence_model() const;
  [[nodiscard]] std::int64_t default_seq_len() const;
  /// Builds the graph for this sequence length (ignored by non-sequence models).
  [[nodiscard]] ModelGraph build(std::int64_t seq_len) const;
  /// Identifies the model and sequence length, for caching graphs.
  [[nodiscard]] std::string cache_key(std::int64_t seq_len) const;
};

enum class Topology { SingleSwitch, FatTree, RailOptimized };
template <>
struct EnumNames<Topology> {
  static constexpr std::array<EnumName<Topology>, 3> table{{{Topology::SingleSwitch, "single-switch"},
                                                            {Topology::FatTree, "fat-tree"},
                                                            {Topology::RailOptimized, "rail-optimized"}}};
};

/// The network between nodes. A fat-tree puts nodes under leaf switches; a rail-optimized
/// network puts NIC k of every node of a scalable unit on rail switch k, the unit's rail
/// switches acting as its leaf. Leaves reach a spine (two levels) or, with three levels,
/// pods of leaves reach aggregation switches and those a core.
/// Where the job's nodes sit among the fabric's leaves (cluster.placement): filling leaves in
/// order (a scheduler that packs), one per leaf round-robin over the fabric (a job spread over
/// many leaves), or at random slots (a busy shared cluster; cluster.placement_seed).
enum class Placement { Contiguous, Spread, Random };
template <>
struct EnumNames<Placement> {
  static constexpr std::array<EnumName<Placement>, 3> table{
      {{Placement::Contiguous, "contiguous"}, {Placement::Spread, "spread"}, {Placement::Random, "random"}}};
};

struct NetworkSpec {
  Topology topology = Topology::FatTree;
  std::string link;                 // the NIC link (default: the node preset's)
  double oversubscription = 1;      // down/up bandwidth ratio at the leaf switches
  int nodes_per_leaf = 0;           // 0: derived from the switch ports (see ClusterSpec::nodes_per_leaf)
  int switch_ports = 0;             // switch radix; 0: 64 ports, tree size not limited
  int levels = 2;                   // switch levels of a fat-tree or rail-optimized network: 2 or 3
  int leaves_per_pod = 0;           // three levels: leaves under one pod; 0: half the switch ports
  double pod_oversubscription = 1;  // three levels: down/up bandwidth ratio at the pods' aggregation switches
  int leaves = 0;                   // leaves of the fabric the job is placed among; 0: as many as the tree has
  // The fraction of each leaf (and pod) uplink other jobs' traffic takes; the job's flows get
  // the rest. Unset: each uplink is shared in proportion to the nodes under it (the job gets
  // its own nodes' part).
  std::optional<double> background;
  // The switches reduce in the network (NVIDIA SHARP on Quantum InfiniBand) and NCCL uses it:
  // its CollNet algorithms and, on NVLink SHARP nodes, NVLS across nodes (NCCL_COLLNET_ENABLE=1
  // with the SHARP plugin; NCCL leaves it off by default).
  bool sharp = false;
};

struct ClusterSpec {
  std::string node;  // node preset
  std::string gpu;   // the preset's GPU unless overridden
  int nodes = 1;
  int gpus_per_node = 1;
  NetworkSpec network;
  Placement placement = Placement::Contiguous;
  std::uint64_t placement_seed = 1;  // the random placement's
  // Resolved from the catalogue:
  const Gpu* gpu_entry = nullptr;
  const NodePreset* node_entry = nullptr;
  const Link* intra_link = nullptr;
  const Link* nic_link = nullptr;
  const Link* host_link = nullptr;              // PCIe switch uplinks (PCIe fabric)
  const Link* socket_link = nullptr;            // between CPU sockets (PCIe fabric with sockets > 1)
  const Link* nic_pcie_link = nullptr;          // GPU to NIC, where the node preset names it
  const NcclAchieved* nccl_achieved = nullptr;  // the catalogue's
  const GlooFigures* gloo = nullptr;            // the catalogue's
  int nics = 1;
  [[nodiscard]] int gpus() const { return nodes * gpus_per_node; }
  /// Sets the catalogue entries (node, GPU, links) and the NIC count from the names node,
  /// gpu, gpus_per_node and network.link; throws dpcast::Error for an unknown name. The
  /// scenario reader checks the names first, with their positions; the planner builds
  /// configurations in code and calls this.
  void resolve(const Catalogue& catalogue);
  /// Nodes under one leaf: given, or half a leaf's ports (the other half go up) divided by
  /// the NICs per node; rail-optimized: half a rail switch's ports (one port per node).
  [[nodiscard]] int nodes_per_leaf() const;
  /// Leaves under one pod (three levels): given, or half the switch ports.
  [[nodiscard]] int leaves_per_pod() const;
  /// The leaves of the fabric: network.leaves, else as many as the tree holds (a spine of
  /// switch_ports ports reaches that many leaves, or pods of leaves_per_pod), and at least
  /// enough for the nodes.
  [[nodiscard]] int fabric_leaves() const;
  /// Whether traffic between some nodes crosses leaf uplinks (a fat-tree or rail-optimized
  /// network whose placement puts the nodes under more than one leaf: place_job, so the
  /// cluster must be resolved).
  [[nodiscard]] bool spans_leaves() const;
  /// Whether some traffic crosses pod uplinks (three levels, nodes placed in more than one pod).
  [[nodiscard]] bool spans_pods() const;
};

enum class Optimizer { Sgd, Adam };
template <>
struct EnumNames<Optimizer> {
  static constexpr std::array<EnumName<Optimizer>, 2> table{{{Optimizer::Sgd, "sgd"}, {Optimizer::Adam, "adam"}}};
};

/// How convolution activations are laid out in memory (training.memory_format): PyTorch's
/// default `nchw`, or `channels_last` (NHWC, torch.channels_last). Tensor cores convolve in
/// NHWC, so with `nchw` cuDNN transposes every convolution's tensors there and back.
enum class MemoryFormat { Nchw, ChannelsLast };
template <>
struct EnumNames<MemoryFormat> {
  static constexpr std::array<EnumName<MemoryFormat>, 2> table{
      {{MemoryFormat::Nchw, "nchw"}, {MemoryFormat::ChannelsLast, "channels_last"}}};
};

/// How the framework runs the model (training.execution): `eager` PyTorch launches one kernel
/// per operator as the model's code writes it (an RMSNorm or rotary embedding written in Python
/// is a chain of kernels through memory); `compiled` (torch.compile) fuses chains of
/// element-wise operators into single kernels.
enum class Execution { Eager, Compiled };
template <>
struct EnumNames<Execution> {
  static constexpr std::array<EnumName<Execution>, 2> table{
      {{Execution::Eager, "eager"}, {Execution::Compiled, "compiled"}}};
};

/// Composite operators a model's code may run as one hand-fused kernel even in eager mode
/// (training.fused_kernels): RMSNorm (apex, Triton or flash-attn's), the rotary embedding, and
/// BatchNorm with the ReLU (and residual add) after it (cuDNN's fused BN-ReLU and BN-add-ReLU).
enum class FusedKernel { RmsNorm, Rotary, BatchNorm };
template <>
struct EnumNames<FusedKernel> {
  static constexpr std::array<EnumName<FusedKernel>, 3> table{
      {{FusedKernel::RmsNorm, "rmsnorm"}, {FusedKernel::Rotary, "rotary"}, {FusedKernel::BatchNorm, "batchnorm"}}};
};

/// Per-rank compute noise: each step every rank's compute is multiplied by its own draw
/// of a factor with mean 1 and coefficient of variation `cv`; the step waits for the slowest.
struct ComputeNoise {
  enum class Distribution { Normal, LogNormal };
  Distribution distribution = Distribution::Normal;
  double cv = 0;  // 0: no noise
  std::uint64_t seed = 1;
  int steps = 20;  // steps the DES samples (their p10, median and p90 are reported)
  [[nodiscard]] bool enabled() const { return cv > 0; }
};
template <>
struct EnumNames<ComputeNoise::Distribution> {
  using Distribution = ComputeNoise::Distribution;
  static constexpr std::array<EnumName<Distribution>, 2> table{
      {{Distribution::Normal, "normal"}, {Distribution::LogNormal, "lognormal"}}};
};

/// How the optimizer step runs (training.optimizer_implementation), in PyTorch's terms:
/// `fused` is one kernel reading and writing each state once (fused=True; apex's FusedAdam);
/// `foreach` runs each arithmetic step over all parameters at once (multi-tensor kernels, PyTorch's
/// default on CUDA since 2.0), each step a pass through memory; `for-loop` runs those steps
/// parameter by parameter (foreach=False), a kernel launch each.
enum class OptimizerImplementation { Fused, Foreach, ForLoop };
template <>
struct EnumNames<OptimizerImplementation> {
  static constexpr std::array<EnumName<OptimizerImplementation>, 3> table{
      {{OptimizerImplementation::Fused, "fused"},
       {OptimizerImplementation::Foreach, "foreach"},
       {OptimizerImplementation::ForLoop, "for-loop"}}};
};

struct TrainingSpec {
  std::int64_t micro_batch = 1;
  std::int64_t seq_len = 0;  // 0: the model's default (sequence models only)
  std::int64_t grad_accumulation = 1;
  Precision precision = Precision::Bf16;  // default: bf16, else fp16, else fp32 — the first the GPU has
  Optimizer optimizer = Optimizer::Adam;
  OptimizerImplementation optimizer_implementation = OptimizerImplementation::Fused;
  AttentionKernel attention = AttentionKernel::Eager;  // training.attention
  double dropout = 0;                                  // training.dropout (transformers)
  bool activation_checkpointing = false;
  MemoryFormat memory_format = MemoryFormat::Nchw;
  Execution execution = Execution::Eager;
  std::set<FusedKernel> fused_kernels;  // training.fused_kernels
  ComputeNoise compute_noise;
  /// The composite operators that run as one kernel: those named, or all when compiled.
  [[nodiscard]] std::set<FusedKernel> fused() const;
};

enum class Collective { Auto, Ring, Tree, HalvingDoubling, Hierarchical, ParameterServer };
template <>
struct EnumNames<Collective> {
  static constexpr std::array<EnumName<Collective>, 6> table{{{Collective::Auto, "auto"},
                                                              {Collective::Ring, "ring"},
                                                              {Collective::Tree, "tree"},
                                                              {Collective::HalvingDoubling, "halving-doubling"},
                                                              {Collective::Hierarchical, "hierarchical"},
                                                              {Collective::ParameterServer, "parameter-server"}}};
};
/// enum_names<Collective>(), under the name the dashboard's scenario panel uses.
[[nodiscard]] inline const std::vector<std::string>& collective_names() {
  return enum_names<Collective>();
}

/// What a collective does (the data-parallel ones: DDP's all-reduce, ZeRO's reduce-scatter
/// and all-gather), named as nccl-tests names them: "all-reduce", "reduce-scatter", "all-gather".
enum class CollectiveOp { AllReduce, ReduceScatter, AllGather, Broadcast, Reduce };
template <>
struct EnumNames<CollectiveOp> {
  static constexpr std::array<EnumName<CollectiveOp>, 5> table{{{CollectiveOp::AllReduce, "all-reduce"},
                                                                {CollectiveOp::ReduceScatter, "reduce-scatter"},
                                                                {CollectiveOp::AllGather, "all-gather"},
                                                                {CollectiveOp::Broadcast, "broadcast"},
                                                                {CollectiveOp::Reduce, "reduce"}}};
};

// The communication library that runs the collectives. `default`: NCCL on NVIDIA GPUs (a
// compute capability in the catalogue), MPI elsewhere. NCCL's collectives follow NCCL's own
// cost model and choice (sim/nccl_tuning.hpp) when `collective: auto`; MPI's `auto` is the
// least alpha-beta time of its algorithms; Gloo runs rings (its ring-chunked all-reduce).
enum class CommLibrary { Default, Nccl, Mpi, Gloo };
template <>
struct EnumNames<CommLibrary> {
  static constexpr std::array<EnumName<CommLibrary>, 4> table{{{CommLibrary::Default, "default"},
                                                               {CommLibrary::Nccl, "nccl"},
                                                               {CommLibrary::Mpi, "mpi"},
                                                               {CommLibrary::Gloo, "gloo"}}};
};

// NCCL's algorithms and protocols, as NCCL_ALGO and NCCL_PROTO name them (sim/nccl_tuning.hpp
// costs them).
enum class NcclAlgorithm { Tree, Ring, CollNetDirect, CollNetChain, Nvls, NvlsTree, Pat };
enum class NcclProtocol { LL, LL128, Simple };
template <>
struct EnumNames<NcclAlgorithm> {
  static constexpr std::array<EnumName<NcclAlgorithm>, 7> table{{{NcclAlgorithm::Tree, "tree"},
                                                                 {NcclAlgorithm::Ring, "ring"},
                                                                 {NcclAlgorithm::CollNetDirect, "collnet-direct"},
                                                                 {NcclAlgorithm::CollNetChain, "collnet-chain"},
                                                                 {NcclAlgorithm::Nvls, "nvls"},
                                                                 {NcclAlgorithm::NvlsTree, "nvls-tree"},
                                                                 {NcclAlgorithm::Pat, "pat"}}};
};
template <>
struct EnumNames<NcclProtocol> {
  static constexpr std::array<EnumName<NcclProtocol>, 3> table{
      {{NcclProtocol::LL, "LL"}, {NcclProtocol::LL128, "LL128"}, {NcclProtocol::Simple, "Simple"}}};
};

// How data parallelism keeps gradients apart from the buckets it reduces: PyTorch DDP copies
// each gradient into its bucket and back, a kernel per tensor (gradient_as_bucket_view false,
// its default); Horovod copies through its fusion buffer in batched kernels; DDP with
// gradient_as_bucket_view true makes the gradients views of the buckets: no copies.
enum class GradientCopies { PerTensor, Batched, None };
template <>
struct EnumNames<GradientCopies> {
  static constexpr std::array<EnumName<GradientCopies>, 3> table{{{GradientCopies::PerTensor, "per-tensor"},
                                                                  {GradientCopies::Batched, "batched"},
                                                                  {GradientCopies::None, "none"}}};
};

struct DataParallelSpec {
  Collective collective = Collective::Auto;
  CommLibrary library = CommLibrary::Default;
  // NCCL_ALGO / NCCL_PROTO: NCCL chooses only among these (with `collective: auto` and NCCL).
  std::optional<NcclAlgorithm> nccl_algorithm;
  std::optional<NcclProtocol> nccl_protocol;
  double bucket_mb = 25;       // MiB, as PyTorch's bucket_cap_mb
  double first_bucket_mb = 1;  // MiB
  bool overlap = true;
  int zero_stage = 0;
  /// The copies into the buckets and back (ZeRO stage 0 only); with none, no bucket-sized
  /// copy of the gradients is kept either.
  GradientCopies gradient_copies = GradientCopies::PerTensor;
  int ps_servers = 0;  // parameter server: server count (0: one per node)
  [[nodiscard]] double bucket_bytes() const { return bucket_mb * kMiB; }
  [[nodiscard]] double first_bucket_bytes() const { return first_bucket_mb * kMiB; }
};

struct Scenario {
  std::string name;
  std::string file;  // where it was read from ("" if built in code)
  ModelSpec model;
  ClusterSpec cluster;
  TrainingSpec training;
  DataParallelSpec data_parallel;
  /// The sweep point this configuration is (dotted key -> value as written), in sweep order.
  std::vector<std::pair<std::string, std::string>> sweep_point;
  /// Where each key was written, for errors found after parsing (e.g. out of memory).
  std::map<std::string, SourceLocation> locations;

  [[nodiscard]] std::int64_t seq_len() const;  // the effective sequence length (0 for non-sequence)
  [[nodiscard]] SourceLocation where(const std::string& key) const;
  /// Whether gradient buckets are exchanged during backward: `data_parallel.overlap`, unless
  /// the device computes its own communication (Gpu::communication_uses_compute).
  [[nodiscard]] bool overlaps_communication() const;
  /// data_parallel.library, with `default` resolved by the cluster's device.
  [[nodiscard]] CommLibrary communication_library() const;
};

/// The most configurations a sweep may expand to unless the caller raises it (dpcast predict
/// and memory: --max-configurations): the sweep's size is counted before anything expands.
inline constexpr std::size_t kMaxConfigurations = 10'000;

/// Reads a scenario file and expands its sweep into configurations, in order (the first
/// sweep key varies slowest). Throws dpcast::Error on the first problem, and for a sweep of
/// more than `max_configurations`.
[[nodiscard]] std::vector<Scenario> load_scenarios(const std::string& path,
                                                   const Catalogue& catalogue = Catalogue::builtin(),
                                                   std::size_t max_configurations = kMaxConfigurations);
/// The same, from text (`file` names it in errors and resolves relative model files).
[[nodiscard]] std::vector<Scenario> parse_scenarios(const std::string& text, const std::string& file,
                                                    const Catalogue& catalogue = Catalogue::builtin(),
                                                    std::size_t max_configurations = kMaxConfigurations);
/// One configuration of a scenario with dotted keys set to values written elsewhere (a
/// validation case's `set:`); the scenario's own sweep is ignored. An unknown key, or a
/// value the scenario rejects, is reported where the override was written.
struct KeyOverride {
  std::string key;  // a dotted key of scenario_keys()
  YamlValue value;  // where it was written, and its value
};
[[nodiscard]] Scenario parse_scenario_with(const std::string& text, const std::string& file,
                                           const std::vector<KeyOverride>& overrides,
                                           const Catalogue& catalogue = Catalogue::builtin());
[[nodiscard]] Scenario load_scenario_with(const std::string& path, const std::vector<KeyOverride>& overrides,
                                          const Catalogue& catalogue = Catalogue::builtin());

/// A scenario file's text; a folder or an unreadable file is an error naming it.
[[nodiscard]] std::string read_scenario_text(const std::string& path);

/// Reads a custom model file (a transformer or MLP template, or a list of layers).
[[nodiscard]] ModelSpec load_model_file(const std::string& path);
/// The same, from text (`file` names it in errors and resolves the model files it names).
[[nodiscard]] ModelSpec parse_model_file(const std::string& text, const std::string& file);

/// The dotted keys a scenario accepts (what `sweep:` may name), from its schema
/// (scenario_schema.hpp).
[[nodiscard]] const std::vector<std::string>& scenario_keys();

}  // namespace dpcast::models
