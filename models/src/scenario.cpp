#include "dpcast/models/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>

#include "dpcast/models/input_file.hpp"
#include "dpcast/models/placement.hpp"
#include "dpcast/models/scenario_schema.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {

ModelSpec read_model_value(const YamlValue& value, const std::string& base_dir);  // model_spec.cpp

namespace {
int ports_of(const NetworkSpec& n) {
  return n.switch_ports > 0 ? n.switch_ports : 64;
}
}  // namespace

void ClusterSpec::resolve(const Catalogue& cat) {
  node_entry = &cat.node(node);
  const NodePreset& preset = *node_entry;
  gpu_entry = &cat.gpu(gpu);
  // A node using fewer GPUs than its preset keeps the NICs that serve those GPUs.
  nics = std::max(1, preset.nics * gpus_per_node / preset.gpus_per_node);
  intra_link = &cat.link(preset.intra_link);
  host_link = &cat.link(preset.host_link.empty() ? preset.intra_link : preset.host_link);
  socket_link = preset.sockets > 1 ? &cat.link(preset.socket_link) : nullptr;
  nic_link = &cat.link(network.link);
  nic_pcie_link = preset.nic_pcie_link.empty() ? nullptr : &cat.link(preset.nic_pcie_link);
  nccl_achieved = &cat.nccl_achieved();
  gloo = &cat.gloo();
}

std::set<FusedKernel> TrainingSpec::fused() const {
  if (execution == Execution::Compiled) return {FusedKernel::RmsNorm, FusedKernel::Rotary};
  return fused_kernels;
}

int ClusterSpec::nodes_per_leaf() const {
  if (network.nodes_per_leaf > 0) return network.nodes_per_leaf;
  // A rail switch takes one port per node (NIC k of each); a fat-tree leaf one per NIC.
  const int per_node = network.topology == Topology::RailOptimized ? 1 : std::max(1, nics);
  return std::max(1, ports_of(network) / 2 / per_node);
}

int ClusterSpec::leaves_per_pod() const {
  if (network.leaves_per_pod > 0) return network.leaves_per_pod;
  return std::max(1, ports_of(network) / 2);
}

int ClusterSpec::fabric_leaves() const {
  const int per_leaf = nodes_per_leaf();
  const int needed = (nodes + per_leaf - 1) / per_leaf;
  if (network.leaves > 0) return std::max(needed, network.leaves);
  const std::int64_t tree =
      network.levels == 3 ? static_cast<std::int64_t>(leaves_per_pod()) * ports_of(network) : ports_of(network);
  return static_cast<int>(std::max<std::int64_t>(needed, tree));
}

bool ClusterSpec::spans_leaves() const {
  return place_job(*this).spans_leaves();
}

bool ClusterSpec::spans_pods() const {
  return place_job(*this).spans_pods();
}

std::int64_t Scenario::seq_len() const {
  if (!model.is_sequence_model()) return 0;
  return training.seq_len > 0 ? training.seq_len : model.default_seq_len();
}

SourceLocation Scenario::where(const std::string& key) const {
  const auto it = locations.find(key);
  return it != locations.end() ? it->second : SourceLocation{file, 0, 0};
}

bool Scenario::overlaps_communication() const {
  return data_parallel.overlap && !(cluster.gpu_entry && cluster.gpu_entry->communication_uses_compute);
}

CommLibrary Scenario::communication_library() const {
  if (data_parallel.library != CommLibrary::Default) return data_parallel.library;
  return cluster.gpu_entry && cluster.gpu_entry->compute_capability > 0 ? CommLibrary::Nccl : CommLibrary::Mpi;
}

namespace {

// Looks a catalogue name up; an unknown one is an error at the value, with a did-you-mean.
template <typename Lookup>
auto resolve(const YamlValue& value, Lookup lookup) {
  try {
    return lookup(value.as_string());
  } catch (const Error& e) {
    value.fail(e.detail());
  }
}

// Declares the keys the schema lists for the section `r` reads (found by its path).
void declare_schema_keys(MapReader& r) {
  r.declare(key_names(schema_section(r.path())));
}

// Remembers where each value was written, for errors found after parsing.
void note(Scenario& s, const std::optional<YamlValue>& v) {
  if (v) s.locations[v->path()] = v->where();
}

// Bounds that keep every product of sizes far from overflow.
constexpr std::int64_t kMaxNodes = 1'000'000;
constexpr std::int64_t kMaxGpus = 100'000'000;
constexpr std::int64_t kMaxCount = 1'000'000'000;

// cluster.node, cluster.gpu (the preset's unless given) and cluster.gpus_per_node.
void read_node(MapReader& r, Scenario& s, const Catalogue& cat) {
  ClusterSpec& c = s.cluster;
  const YamlValue node = r.required("node");
  note(s, node);
  c.node = node.as_string();
  c.node_entry = resolve(node, [&](const std::string& n) { return &cat.node(n); });
  const NodePreset& preset = *c.node_entry;

  c.gpu = preset.gpu;
  if (auto gpu = r.optional("gpu")) {
    c.gpu = gpu->as_string();
    (void)resolve(*gpu, [&](const std::string& n) { return &cat.gpu(n); });
  }
  c.gpu_entry = &cat.gpu(c.gpu);

  c.gpus_per_node = preset.gpus_per_node;
  if (auto v = r.optional("gpus_per_node")) {
    note(s, v);
    c.gpus_per_node = static_cast<int>(v->as_int_in(1, 1'000'000));
    if (c.gpus_per_node > preset.gpus_per_node)
      v->fail(preset.name + " has " + std::to_string(preset.gpus_per_node) + " GPUs per node, got " +
              std::to_string(c.gpus_per_node));
  }
}

// cluster.nodes, or cluster.gpus (the total), or both when they agree.
void read_cluster_size(MapReader& r, Scenario& s) {
  ClusterSpec& c = s.cluster;
  auto nodes = r.optional("nodes");
  auto gpus = r.optional("gpus");
  note(s, nodes);
  note(s, gpus);
  if (!nodes && !gpus) r.fail("needs nodes (or gpus, the total GPU count)");
  if (nodes) c.nodes = static_cast<int>(nodes->as_int_in(1, kMaxNodes));
  if (gpus) {
    const std::int64_t total = gpus->as_int_in(1, kMaxGpus);
    if (total % c.gpus_per_node != 0)
      gpus->fail(std::to_string(total) + " GPUs are not divisible by " + std::to_string(c.gpus_per_node) +
                 " GPUs per node");
    if (nodes && total != static_cast<std::int64_t>(c.nodes) * c.gpus_per_node)
      gpus->fail(std::to_string(total) +
                 " GPUs disagree with nodes x gpus_per_node = " + std::to_string(c.nodes * c.gpus_per_node));
    c.nodes = static_cast<int>(total / c.gpus_per_node);
  }
  if (static_cast<std::int64_t>(c.nodes) * c.gpus_per_node > kMaxGpus)
    (nodes ? *nodes : *gpus).fail("more than " + std::to_string(kMaxGpus) + " GPUs in all");
}

// cluster.network.topology and .link (the preset's NIC link unless given); then the cluster's
// catalogue entries are resolved, which the tree's default sizes need.
void read_topology_and_link(MapReader& net, Scenario& s, const Catalogue& cat) {
  ClusterSpec& c = s.cluster;
  NetworkSpec& n = c.network;
  if (auto t = net.optional("topology")) {
    note(s, t);
    n.topology = t->as_enum<Topology>();
  }
  n.link = c.node_entry->nic_link;
  if (auto l = net.optional("link")) {
    note(s, l);
    n.link = l->as_string();
    (void)resolve(*l, [&](const std::string& name) { return &cat.link(name); });
  }
  c.resolve(cat);
}

// network.leaves (the fabric the job is placed in) and network.background (the uplinks'
// share other traffic takes): both of a tree only; the leaves must hold the nodes and, with
// switch_ports, fit under the tree's top.
void read_fabric_share(MapReader& net, Scenario& s, bool ports_given) {
  ClusterSpec& c = s.cluster;
  NetworkSpec& n = c.network;
  const bool tree = n.topology != Topology::SingleSwitch;
  const std::string tree_only = " applies to a fat-tree or a rail-optimized network only";
  if (auto v = net.optional("leaves")) {
    note(s, v);
    n.leaves = static_cast<int>(v->as_int_in(1, kMaxNodes));
    if (!tree) v->fail("leaves" + tree_only);
    const std::int64_t holds = static_cast<std::int64_t>(n.leaves) * c.nodes_per_leaf();
    if (holds < c.nodes)
      v->fail(std::to_string(n.leaves) + " leaves of " + std::to_string(c.nodes_per_leaf()) + " nodes hold " +
              std::to_string(holds) + " nodes, fewer than the cluster's " + std::to_string(c.nodes));
    const std::int64_t top = n.levels == 2 ? ports_of(n) : static_cast<std::int64_t>(c.leaves_per_pod()) * ports_of(n);
    if (ports_given && n.leaves > top)
      v->fail("a " + std::string(n.levels == 2 ? "two" : "three") + "-level tree of " + std::to_string(n.switch_ports) +
              "-port switches has at most " + std::to_string(top) + " leaves, got " + std::to_string(n.leaves));
  }
  if (auto v = net.optional("background")) {
    note(s, v);
    if (!tree) v->fail("background" + tree_only);
    if (v->node().IsScalar() && v->node().Scalar() == "fair") return;  // the default, written out (to sweep)
    const double b = v->as_number_at_least(0);
    if (b >= 1)
      v->fail("expected fair or a fraction of the uplinks' bandwidth, at least 0 and below 1, got " + v->as_string());
    n.background = b;
  }
}

// network.sharp: in-network reduction, which NCCL reaches through CollNet; a GPU cluster's.
void read_sharp(MapReader& net, Scenario& s) {
  if (auto v = net.optional("sharp")) {
    note(s, v);
    s.cluster.network.sharp = v->as_bool();
    if (s.cluster.network.sharp && s.cluster.gpu_entry->compute_capability == 0)
      v->fail("SHARP reaches training through NCCL's CollNet; " + s.cluster.gpu_entry->name + " has no NCCL");
  }
}

// cluster.placement (contiguous, spread, random) and cluster.placement_seed (random only), on a tree.
void read_placement(MapReader& r, Scenario& s) {
  ClusterSpec& c = s.cluster;
  if (auto v = r.optional("placement")) {
    note(s, v);
    c.placement = v->as_enum<Placement>();
    if (c.network.topology == Topology::SingleSwitch && c.placement != Placement::Contiguous)
      v->fail("placement applies to a fat-tree or a rail-optimized network only");
  }
  if (auto v = r.optional("placement_seed")) {
    note(s, v);
    c.placement_seed = static_cast<std::uint64_t>(v->as_int_in(0, std::numeric_limits<std::int64_t>::max()));
    if (c.placement != Placement::Random) v->fail("placement_seed applies to placement: random only");
  }
}

// The switch tree of a fat-tree or rail-optimized network: oversubscription, leaf and pod
// sizes, switch ports and levels, and whether the tree holds the nodes.
void read_tree(MapReader& net, Scenario& s) {
  ClusterSpec& c = s.cluster;
  NetworkSpec& n = c.network;
  const bool tree = n.topology != Topology::SingleSwitch;
  const std::string tree_only = " applies to a fat-tree or a rail-optimized network only";
  if (auto o = net.optional("oversubscription")) {
    n.oversubscription = o->as_number_at_least(1);
    if (!tree) o->fail("oversubscription" + tree_only);
  }
  if (auto p = net.optional("nodes_per_leaf")) {
    n.nodes_per_leaf = static_cast<int>(p->as_int_in(1, kMaxNodes));
    if (!tree) p->fail("nodes_per_leaf" + tree_only);
  }
  auto ports = net.optional("switch_ports");
  if (ports) {
    n.switch_ports = static_cast<int>(ports->as_int_in(4, 100'000));
    if (!tree) ports->fail("switch_ports" + tree_only);
  }
  auto levels = net.optional("levels");
  if (levels) {
    n.levels = static_cast<int>(levels->as_int_in(2, 3));
    if (!tree) levels->fail("levels" + tree_only);
  }
  auto three_level_only = [&](const YamlValue& v, const std::string& key) {
    if (n.levels != 3) v.fail(key + " applies to a three-level tree only (levels: 3)");
  };
  // Tree sizes: leaves give half their ports to nodes and half to the level above; a spine
  // (or core) switch of R ports reaches R leaves (or pods). Without switch_ports the size is
  // not limited; with it, the fewest levels that hold the nodes unless levels is given.
  const std::int64_t leaf = c.nodes_per_leaf();
  const std::int64_t two_level = leaf * ports_of(n);
  if (ports && !levels && c.nodes > two_level) n.levels = 3;
  if (auto v = net.optional("leaves_per_pod")) {
    n.leaves_per_pod = static_cast<int>(v->as_int_in(1, kMaxNodes));
    three_level_only(*v, "leaves_per_pod");
  }
  if (auto v = net.optional("pod_oversubscription")) {
    n.pod_oversubscription = v->as_number_at_least(1);
    three_level_only(*v, "pod_oversubscription");
  }
  read_fabric_share(net, s, ports.has_value());
  if (ports) {
    const std::int64_t most = n.levels == 2 ? two_level : leaf * c.leaves_per_pod() * ports_of(n);
    const std::string nics = n.topology == Topology::RailOptimized ? " (one port per rail switch)"
                                                                   : " of " + std::to_string(c.nics) + " NICs";
    if (c.nodes > most)
      (levels ? *levels : *ports)
          .fail(std::string(n.levels == 2 ? "a two-level" : "a three-level") + " tree of " +
                std::to_string(n.switch_ports) + "-port switches holds at most " + std::to_string(most) + " nodes" +
                nics + ", got " + std::to_string(c.nodes) + (n.levels == 2 && levels ? " (levels: 3 holds more)" : ""));
  }
}

void read_cluster(MapReader r, Scenario& s, const Catalogue& cat) {
  declare_schema_keys(r);
  read_node(r, s, cat);
  read_cluster_size(r, s);
  MapReader net = r.map("network");
  declare_schema_keys(net);
  read_topology_and_link(net, s, cat);
  read_tree(net, s);
  read_sharp(net, s);
  net.finish();
  read_placement(r, s);
  r.finish();
}

bool has_batch_norm(const ModelSpec& model) {
  const ModelGraph graph = model.build(model.default_seq_len());
  for (LayerId id = 0; id < graph.size(); ++id)
    if (graph.layer(id).kind == LayerKind::BatchNorm) return true;
  return false;
}

// training.fused_kernels: a list of composite operators, each named once; each only for models
// that have it.
void read_fused_kernels(const YamlValue& v, const Scenario& s, std::set<FusedKernel>& out) {
  for (const auto& item : v.as_list()) {
    const auto kernel = item.as_enum<FusedKernel>();
    if (!out.insert(kernel).second) item.fail(std::string(to_string(kernel)) + " is listed twice");
    const bool rotary = s.model.transformer && !s.model.transformer->learned_positions;
    if (kernel == FusedKernel::Rotary && !rotary) item.fail(s.model.label + " has no rotary embedding");
    if (kernel == FusedKernel::RmsNorm && !(s.model.transformer && s.model.transformer->norm == LayerKind::RmsNorm))
      item.fail(s.model.label + " has no RMSNorm");
    if (kernel == FusedKernel::BatchNorm && !has_batch_norm(s.model)) item.fail(s.model.label + " has no BatchNorm");
  }
}

void read_training(MapReader r, Scenario& s) {
  declare_schema_keys(r);
  TrainingSpec& t = s.training;
  auto mb = r.optional("micro_batch");
  note(s, mb);
  t.micro_batch = mb ? mb->as_int_in(1, kMaxCount) : 1;
  if (auto v = r.optional("seq_len")) {
    note(s, v);
    if (!s.model.is_sequence_model()) v->fail(s.model.label + " is not a sequence model");
    t.seq_len = v->as_int_in(1, 100'000'000);
    if (s.model.transformer && s.model.transformer->learned_positions && t.seq_len > s.model.transformer->max_seq_len)
      v->fail(s.model.label + " has learned positions for " + std::to_string(s.model.transformer->max_seq_len) +
              " tokens, got " + std::to_string(t.seq_len));
  }
  if (auto v = r.optional("grad_accumulation")) {
    note(s, v);
    t.grad_accumulation = v->as_int_in(1, kMaxCount);
  }
  const Gpu& gpu_entry = *s.cluster.gpu_entry;
  for (Precision p : {Precision::Bf16, Precision::Fp16, Precision::Fp32}) {
    if (gpu_entry.peak_flops.count(p)) {
      t.precision = p;
      break;
    }
  }
  if (auto v = r.optional("precision")) {
    note(s, v);
    t.precision = v->as_enum<Precision>();
    const Gpu& gpu = *s.cluster.gpu_entry;
    if (!gpu.peak_flops.count(t.precision))
      v->fail(gpu.name + " has no " + std::string(to_string(t.precision)) + " support");
  }
  if (auto v = r.optional("optimizer")) t.optimizer = v->as_enum<Optimizer>();
  if (auto v = r.optional("optimizer_implementation"))
    t.optimizer_implementation = v->as_enum_explaining<OptimizerImplementation>(
        {{"single-tensor", "PyTorch's single-tensor implementation is for-loop"},
         {"multi-tensor", "PyTorch's multi-tensor implementation is foreach"}});
  if (auto v = r.optional("attention")) {
    t.attention = v->as_enum_explaining<AttentionKernel>({{"flash2", "FlashAttention-2 is flash"}});
    if (t.attention != AttentionKernel::Eager && !s.model.transformer)
      v->fail(s.model.label + " has no attention layers");
    if (s.model.transformer) s.model.transformer->attention = t.attention;
  }
  if (r.has("compute_noise")) {
    MapReader n = r.map("compute_noise");
    declare_schema_keys(n);
    auto& noise = t.compute_noise;
    if (auto d = n.optional("distribution")) noise.distribution = d->as_enum<ComputeNoise::Distribution>();
    const YamlValue cv = n.required("cv");
    noise.cv = cv.as_number_at_least(0);
    if (noise.cv > 1) cv.fail("expected a coefficient of variation from 0 to 1, got " + describe(cv.node()));
    noise.seed = static_cast<std::uint64_t>(n.int_in("seed", 0, std::int64_t{1} << 62, 1));
    noise.steps = static_cast<int>(n.int_in("steps", 1, 10'000, 20));
  }
  if (auto v = r.optional("dropout")) {
    t.dropout = v->as_number_at_least(0);
    if (t.dropout >= 1) v->fail("expected a probability in [0, 1), got " + describe(v->node()));
    if (t.dropout > 0 && !s.model.transformer) v->fail(s.model.label + " has no dropout layers (transformers only)");
    if (s.model.transformer) s.model.transformer->dropout = t.dropout;
  }
  if (auto v = r.optional("activation_checkpointing")) {
    t.activation_checkpointing = v->as_bool();
    if (t.activation_checkpointing && !s.model.transformer)
      v->fail(s.model.label + " has no repeated blocks to checkpoint (transformers only)");
  }
  if (auto v = r.optional("memory_format")) {
    t.memory_format = v->as_enum_explaining<MemoryFormat>({{"nhwc", "NHWC is channels_last"}});
  }
  if (auto v = r.optional("execution"))
    t.execution = v->as_enum_explaining<Execution>(
        {{"compile", "torch.compile is compiled"}, {"torch.compile", "torch.compile is compiled"}});
  if (auto v = r.optional("fused_kernels")) read_fused_kernels(*v, s, t.fused_kernels);
  r.finish();
}

// data_parallel.nccl_algorithm / nccl_protocol: NCCL_ALGO and NCCL_PROTO, so NCCL only.
void read_nccl_restriction(MapReader& r, Scenario& s) {
  DataParallelSpec& d = s.data_parallel;
  auto check = [&](const YamlValue& v) {
    if (s.communication_library() != CommLibrary::Nccl)
      v.fail("restricts NCCL's choice, and this scenario's library is " +
             std::string(to_string(s.communication_library())));
    if (d.collective != Collective::Auto)
      v.fail("restricts NCCL's choice, which only `collective: auto` makes (collective is " +
             std::string(to_string(d.collective)) + ")");
  };
  if (auto v = r.optional("nccl_algorithm")) {
    note(s, v);
    d.nccl_algorithm = v->as_enum<NcclAlgorithm>();
    check(*v);
  }
  if (auto v = r.optional("nccl_protocol")) {
    note(s, v);
    d.nccl_protocol = v->as_enum<NcclProtocol>();
    check(*v);
  }
}

void read_data_parallel(MapReader r, Scenario& s) {
  declare_schema_keys(r);
  DataParallelSpec& d = s.data_parallel;
  if (auto v = r.optional("collective")) {
    note(s, v);
    d.collective = v->as_enum<Collective>();
  }
  if (auto v = r.optional("library")) {
    note(s, v);
    d.library = v->as_enum<CommLibrary>();
    if (d.library == CommLibrary::Nccl && s.cluster.gpu_entry->compute_capability == 0)
      v->fail("NCCL runs on NVIDIA GPUs; " + s.cluster.gpu_entry->name +
              " has no compute_capability in the catalogue (use mpi or gloo)");
  }
  read_nccl_restriction(r, s);
  d.bucket_mb = r.positive_number("bucket_mb", 25);
  d.first_bucket_mb = r.positive_number("first_bucket_mb", 1);
  d.overlap = r.boolean("overlap", true);
  if (auto v = r.optional("zero_stage")) {
    note(s, v);
    d.zero_stage = static_cast<int>(v->as_int_in(0, 3));
    if (d.zero_stage > 0 && d.collective == Collective::ParameterServer)
      v->fail("ZeRO shards over the data-parallel ranks; it does not combine with a parameter server");
  }
  if (auto v = r.optional("gradient_copies")) {
    note(s, v);
    d.gradient_copies = v->as_enum_explaining<GradientCopies>(
        {{"gradient_as_bucket_view", "DDP's gradient_as_bucket_view=True is none"},
         {"horovod", "Horovod's fusion buffer is batched"},
         {"ddp", "DDP's default is per-tensor"}});
    if (d.gradient_copies != GradientCopies::PerTensor && d.zero_stage > 0)
      v->fail("gradient copies are DDP's and Horovod's (zero_stage: 0); ZeRO stage " + std::to_string(d.zero_stage) +
              " shards the gradients instead");
  }
  if (auto v = r.optional("ps_servers")) {
    note(s, v);
    d.ps_servers = static_cast<int>(v->as_int_in(1, kMaxNodes));
    if (d.collective != Collective::ParameterServer) v->fail("ps_servers applies to collective: parameter-server only");
  }
  r.finish();
}

Scenario read_scenario(const YAML::Node& root, const std::string& file, const Catalogue& cat) {
  MapReader r(file, root, "");
  declare_schema_keys(r);
  Scenario s;
  s.file = file;
  s.name = r.string("name", std::filesystem::path(file).stem().string());
  const YamlValue model = r.required("model");
  note(s, model);
  s.model = read_model_value(model, std::filesystem::path(file).parent_path().string());
  read_cluster(r.map("cluster"), s, cat);
  read_training(r.map("training"), s);
  read_data_parallel(r.map("data_parallel"), s);
  (void)r.optional("sweep");  // expanded by the caller
  (void)r.optional("plan");   // read by dpcast plan (plan_spec.hpp); predict uses the rest
  r.finish();
  return s;
}

struct SweepAxis {
  std::string key;
  YamlValue key_value;
  std::vector<YamlValue> values;
};

std::vector<SweepAxis> read_sweep(const YAML::Node& root, const std::string& file) {
  std::vector<SweepAxis> axes;
  const YAML::Node& sweep_node = root;
  if (!root.IsMap() || !sweep_node["sweep"].IsDefined()) return axes;
  const YAML::Node sweep = sweep_node["sweep"];
  if (!sweep.IsMap()) throw Error(location_of(file, sweep), "sweep", "expected a map of dotted keys to lists");
  for (const auto& entry : sweep) {
    const std::string key = entry.first.Scalar();
    YamlValue key_value(file, entry.first, "sweep." + key);
    const auto& known = scenario_keys();
    const bool model_key = key.rfind("model.", 0) == 0;
    if (!model_key && std::find(known.begin(), known.end(), key) == known.end())
      key_value.fail("unknown key" + suggestion(key, known));
    YamlValue list(file, entry.second, "sweep." + key);
    auto values = list.as_list();
    if (values.empty()) list.fail("expected a non-empty list");
    axes.push_back({key, key_value, std::move(values)});
  }
  return axes;
}

// A value as one line of YAML, for sweep columns ("{zoo: mlp, widths: [8, 16]}").
std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// Sets a dotted key of `root` to `value` (creating maps on the way); `written` is where the
// key was written, for the error when the path crosses a value that is not a map; `verb` says
// what was being done there ("sweep", "set a key").
void set_dotted(const YAML::Node& root, const std::string& key, const YamlValue& written, const YAML::Node& value,
                const std::string& verb) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  YAML::Node n;
  n.reset(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node child = n[parts[i]];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap())
      written.fail("cannot " + verb + " inside " + parts[i] + ", which is not a map here");
    if (!child.IsDefined() || child.IsNull()) {
      n[parts[i]] = YAML::Node(YAML::NodeType::Map);
      child.reset(n[parts[i]]);
    }
    n.reset(child);
  }
  n[parts.back()] = value;
}

// Refuses a sweep of more than `limit` configurations before expanding it, naming its size.
void check_sweep_size(const std::vector<SweepAxis>& axes, const YAML::Node& root, const std::string& file,
                      std::size_t limit) {
  std::string sizes;
  double count = 1;  // a double: lists of lists can multiply beyond 2^64
  for (const auto& a : axes) {
    sizes += (sizes.empty() ? "" : " x ") + std::to_string(a.values.size());
    count *= static_cast<double>(a.values.size());
  }
  if (count <= static_cast<double>(limit)) return;
  std::ostringstream total;
  total << std::setprecision(count < 1e15 ? 15 : 3) << count;
  throw Error(location_of(file, root["sweep"]), "sweep",
              (axes.size() > 1 ? sizes + " = " : "") + total.str() + " configurations, more than the limit of " +
                  std::to_string(limit) + "; sweep less, or raise the limit (--max-configurations N)");
}

}  // namespace

std::vector<Scenario> parse_scenarios(const std::string& text, const std::string& file, const Catalogue& cat,
                                      std::size_t max_configurations) {
  const YAML::Node base = load_yaml_text(text, file);
  if (!base.IsMap()) throw Error(location_of(file, base), "", "a scenario must be a map, got " + describe(base));
  const std::vector<SweepAxis> axes = read_sweep(base, file);
  if (axes.empty()) return {read_scenario(base, file, cat)};
  check_sweep_size(axes, base, file, max_configurations);

  std::vector<Scenario> out;
  std::vector<std::size_t> index(axes.size(), 0);
  while (true) {
    // A fresh parse per point keeps every value's position for error messages.
    YAML::Node root = load_yaml_text(text, file);
    // The values come from this parse's own sweep section: a node of the base document
    // assigned here would tie every point's memory to it, and parsing grew quadratic
    // (9 ms a configuration at 1,000 configurations; 0.2 ms this way).
    const YAML::Node sweep = root["sweep"];
    std::vector<YAML::Node> values;
    for (std::size_t a = 0; a < axes.size(); ++a) values.push_back(sweep[axes[a].key][index[a]]);
    root.remove("sweep");
    std::vector<std::pair<std::string, std::string>> point;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const YAML::Node& v = values[a];
      set_dotted(root, axes[a].key, axes[a].key_value, v, "sweep");
      point.emplace_back(axes[a].key, v.IsScalar() ? v.Scalar() : flow_yaml(v));
    }
    Scenario s = read_scenario(root, file, cat);
    s.sweep_point = std::move(point);
    out.push_back(std::move(s));
    std::size_t a = axes.size();
    while (a > 0) {
      --a;
      if (++index[a] < axes[a].values.size()) break;
      index[a] = 0;
      if (a == 0) return out;
    }
  }
}

Scenario parse_scenario_with(const std::string& text, const std::string& file,
                             const std::vector<KeyOverride>& overrides, const Catalogue& cat) {
  YAML::Node root = load_yaml_text(text, file);
  if (!root.IsMap()) throw Error(location_of(file, root), "", "a scenario must be a map, got " + describe(root));
  root.remove("sweep");
  const auto& known = scenario_keys();
  for (const auto& o : overrides) {
    if (o.key.rfind("model.", 0) != 0 && std::find(known.begin(), known.end(), o.key) == known.end())
      throw Error(o.value.where(), o.value.path(), "unknown scenario key '" + o.key + "'" + suggestion(o.key, known));
    set_dotted(root, o.key, o.value, o.value.node(), "set a key");
  }
  try {
    Scenario s = read_scenario(root, file, cat);
    for (const auto& o : overrides) {
      const YAML::Node& v = o.value.node();
      s.sweep_point.emplace_back(o.key, v.IsScalar() ? v.Scalar() : flow_yaml(v));
    }
    return s;
  } catch (const Error& e) {
    // A value that came from an override is reported where the override was written.
    for (const auto& o : overrides)
      if (e.key_path() == o.key || e.key_path().rfind(o.key + ".", 0) == 0)
        throw Error(o.value.where(), o.value.path(), e.detail());
    throw;
  }
}

std::string read_scenario_text(const std::string& path) {
  return read_input_file(path, "scenario file");
}

std::vector<Scenario> load_scenarios(const std::string& path, const Catalogue& cat, std::size_t max_configurations) {
  return parse_scenarios(read_scenario_text(path), path, cat, max_configurations);
}

Scenario load_scenario_with(const std::string& path, const std::vector<KeyOverride>& overrides, const Catalogue& cat) {
  return parse_scenario_with(read_scenario_text(path), path, overrides, cat);
}

}  // namespace dpcast::models
