#include "dpcast/models/scenario_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include "dpcast/models/zoo.hpp"

namespace dpcast::models {
namespace {

bool same_transformer(const TransformerConfig& a, const TransformerConfig& b) {
  return a.name == b.name && a.vocab == b.vocab && a.d_model == b.d_model && a.layers == b.layers &&
         a.heads == b.heads && (a.kv_heads ? a.kv_heads : a.heads) == (b.kv_heads ? b.kv_heads : b.heads) &&
         a.ffn == b.ffn && a.ffn_kind == b.ffn_kind && a.norm == b.norm && a.bias == b.bias &&
         a.tied_embeddings == b.tied_embeddings && a.learned_positions == b.learned_positions &&
         a.max_seq_len == b.max_seq_len && a.default_seq_len == b.default_seq_len && a.encoder == b.encoder;
}

void write_model(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::Key << "model";
  if (m.transformer) {
    const TransformerConfig& t = *m.transformer;
    const ZooEntry* zoo_entry = find_zoo_entry(t.name);
    if (zoo_entry && zoo_entry->family == ModelFamily::Transformer && same_transformer(t, zoo_transformer(t.name))) {
      out << YAML::Value << t.name;
      return;
    }
    out << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "template" << YAML::Value << "transformer";
    out << YAML::Key << "name" << YAML::Value << t.name;
    out << YAML::Key << "vocab" << YAML::Value << t.vocab;
    out << YAML::Key << "d_model" << YAML::Value << t.d_model;
    out << YAML::Key << "layers" << YAML::Value << t.layers;
    out << YAML::Key << "heads" << YAML::Value << t.heads;
    out << YAML::Key << "kv_heads" << YAML::Value << (t.kv_heads ? t.kv_heads : t.heads);
    out << YAML::Key << "ffn" << YAML::Value << t.ffn;
    out << YAML::Key << "ffn_kind" << YAML::Value << std::string(to_string(t.ffn_kind));
    out << YAML::Key << "norm" << YAML::Value << std::string(to_string(t.norm));
    out << YAML::Key << "bias" << YAML::Value << t.bias;
    out << YAML::Key << "tied_embeddings" << YAML::Value << t.tied_embeddings;
    out << YAML::Key << "positions" << YAML::Value << (t.learned_positions ? "learned" : "rotary");
    out << YAML::Key << "max_seq_len" << YAML::Value << t.max_seq_len;
    out << YAML::Key << "seq_len" << YAML::Value << t.default_seq_len;
    out << YAML::Key << "encoder" << YAML::Value << t.encoder;
    out << YAML::EndMap;
    return;
  }
  if (m.mlp) {
    out << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "template" << YAML::Value << "mlp" << YAML::Key
        << "name" << YAML::Value << m.mlp->name << YAML::Key << "widths" << YAML::Value << YAML::Flow << m.mlp->widths
        << YAML::EndMap;
    return;
  }
  if (!m.layer_list.empty()) {
    out << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << m.label;
    out << YAML::Key << "input" << YAML::Value << YAML::Flow << m.layer_input;
    out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
    for (const auto& l : m.layer_list) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "kind" << YAML::Value << std::string(to_string(l.kind));
      switch (l.kind) {
        case LayerKind::Linear:
          out << YAML::Key << "out" << YAML::Value << l.out << YAML::Key << "bias" << YAML::Value << l.bias;
          break;
        case LayerKind::Conv2d:
          out << YAML::Key << "out" << YAML::Value << l.out << YAML::Key << "kernel" << YAML::Value << l.kernel
              << YAML::Key << "stride" << YAML::Value << l.stride << YAML::Key << "pad" << YAML::Value << l.pad
              << YAML::Key << "bias" << YAML::Value << l.bias;
          break;
        case LayerKind::Embedding:
          out << YAML::Key << "vocab" << YAML::Value << l.vocab << YAML::Key << "out" << YAML::Value << l.out;
          break;
        case LayerKind::MaxPool:
        case LayerKind::AvgPool:
          out << YAML::Key << "kernel" << YAML::Value << l.kernel << YAML::Key << "stride" << YAML::Value << l.stride
              << YAML::Key << "pad" << YAML::Value << l.pad;
          break;
        default:
          break;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return;
  }
  out << YAML::Value << m.zoo;
}

std::string number(double x) {
  YAML::Emitter e;
  e << YAML::Precision(17) << x;
  return e.c_str();
}

void write_cluster(YAML::Emitter& out, const Scenario& s) {
  const ClusterSpec& c = s.cluster;
  const NetworkSpec& n = c.network;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "node" << YAML::Value << c.node;
  out << YAML::Key << "gpu" << YAML::Value << c.gpu;
  out << YAML::Key << "nodes" << YAML::Value << c.nodes;
  out << YAML::Key << "gpus_per_node" << YAML::Value << c.gpus_per_node;
  out << YAML::Key << "network" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "topology" << YAML::Value << std::string(to_string(n.topology));
  out << YAML::Key << "link" << YAML::Value << n.link;
  if (n.topology != Topology::SingleSwitch) {
    out << YAML::Key << "oversubscription" << YAML::Value << YAML::Load(number(n.oversubscription));
    if (n.nodes_per_leaf > 0) out << YAML::Key << "nodes_per_leaf" << YAML::Value << n.nodes_per_leaf;
    if (n.switch_ports > 0) out << YAML::Key << "switch_ports" << YAML::Value << n.switch_ports;
    out << YAML::Key << "levels" << YAML::Value << n.levels;
    if (n.levels == 3) {
      if (n.leaves_per_pod > 0) out << YAML::Key << "leaves_per_pod" << YAML::Value << n.leaves_per_pod;
      out << YAML::Key << "pod_oversubscription" << YAML::Value << YAML::Load(number(n.pod_oversubscription));
    }
    if (n.leaves > 0) out << YAML::Key << "leaves" << YAML::Value << n.leaves;
    if (n.background) out << YAML::Key << "background" << YAML::Value << YAML::Load(number(*n.background));
  }
  if (n.sharp) out << YAML::Key << "sharp" << YAML::Value << true;
  out << YAML::EndMap;
  if (c.placement != Placement::Contiguous) {
    out << YAML::Key << "placement" << YAML::Value << std::string(to_string(c.placement));
    if (c.placement == Placement::Random) out << YAML::Key << "placement_seed" << YAML::Value << c.placement_seed;
  }
  out << YAML::EndMap;
}

void write_training(YAML::Emitter& out, const Scenario& s) {
  const TrainingSpec& t = s.training;
  out << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "micro_batch" << YAML::Value << t.micro_batch;
  if (s.model.is_sequence_model()) out << YAML::Key << "seq_len" << YAML::Value << s.seq_len();
  out << YAML::Key << "grad_accumulation" << YAML::Value << t.grad_accumulation;
  out << YAML::Key << "precision" << YAML::Value << std::string(to_string(t.precision));
  out << YAML::Key << "optimizer" << YAML::Value << std::string(to_string(t.optimizer));
  if (t.optimizer_implementation != OptimizerImplementation::Fused)
    out << YAML::Key << "optimizer_implementation" << YAML::Value << std::string(to_string(t.optimizer_implementation));
  if (s.model.transformer) {
    out << YAML::Key << "attention" << YAML::Value << std::string(to_string(t.attention));
    if (t.dropout > 0) out << YAML::Key << "dropout" << YAML::Value << t.dropout;
    out << YAML::Key << "activation_checkpointing" << YAML::Value << t.activation_checkpointing;
  }
  if (t.memory_format != MemoryFormat::Nchw)
    out << YAML::Key << "memory_format" << YAML::Value << std::string(to_string(t.memory_format));
  if (t.execution != Execution::Eager)
    out << YAML::Key << "execution" << YAML::Value << std::string(to_string(t.execution));
  if (!t.fused_kernels.empty()) {
    out << YAML::Key << "fused_kernels" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto k : t.fused_kernels) out << std::string(to_string(k));
    out << YAML::EndSeq;
  }
  if (t.compute_noise.enabled()) {
    const auto& noise = t.compute_noise;
    out << YAML::Key << "compute_noise" << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "cv" << YAML::Value << YAML::Load(number(noise.cv));
    out << YAML::Key << "distribution" << YAML::Value << std::string(to_string(noise.distribution));
    out << YAML::Key << "seed" << YAML::Value << noise.seed;
    out << YAML::Key << "steps" << YAML::Value << noise.steps;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void write_data_parallel(YAML::Emitter& out, const Scenario& s) {
  const DataParallelSpec& d = s.data_parallel;
  out << YAML::Key << "data_parallel" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "collective" << YAML::Value << std::string(to_string(d.collective));
  if (d.library != CommLibrary::Default)
    out << YAML::Key << "library" << YAML::Value << std::string(to_string(d.library));
  if (d.nccl_algorithm)
    out << YAML::Key << "nccl_algorithm" << YAML::Value << std::string(to_string(*d.nccl_algorithm));
  if (d.nccl_protocol) out << YAML::Key << "nccl_protocol" << YAML::Value << std::string(to_string(*d.nccl_protocol));
  out << YAML::Key << "bucket_mb" << YAML::Value << YAML::Load(number(d.bucket_mb));
  out << YAML::Key << "first_bucket_mb" << YAML::Value << YAML::Load(number(d.first_bucket_mb));
  out << YAML::Key << "overlap" << YAML::Value << d.overlap;
  out << YAML::Key << "zero_stage" << YAML::Value << d.zero_stage;
  if (d.gradient_copies != GradientCopies::PerTensor)
    out << YAML::Key << "gradient_copies" << YAML::Value << std::string(to_string(d.gradient_copies));
  if (d.collective == Collective::ParameterServer && d.ps_servers > 0)
    out << YAML::Key << "ps_servers" << YAML::Value << d.ps_servers;
  out << YAML::EndMap;
}

}  // namespace

std::string scenario_yaml(const Scenario& s) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << s.name;
  write_model(out, s.model);
  write_cluster(out, s);
  write_training(out, s);
  write_data_parallel(out, s);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace dpcast::models
