#include "dpcast/models/zoo.hpp"

#include <algorithm>

#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
namespace {

TransformerConfig gpt2(std::string name, std::int64_t d, std::int64_t layers, std::int64_t heads) {
  TransformerConfig c;
  c.name = std::move(name);
  c.vocab = 50257;
  c.d_model = d;
  c.layers = layers;
  c.heads = heads;
  c.ffn = 4 * d;
  c.max_seq_len = 1024;
  c.default_seq_len = 1024;
  return c;
}

TransformerConfig llama2(std::string name, std::int64_t d, std::int64_t layers, std::int64_t heads,
                         std::int64_t kv_heads, std::int64_t ffn) {
  TransformerConfig c;
  c.name = std::move(name);
  c.vocab = 32000;
  c.d_model = d;
  c.layers = layers;
  c.heads = heads;
  c.kv_heads = kv_heads;
  c.ffn = ffn;
  c.ffn_kind = FfnKind::SwiGlu;
  c.norm = LayerKind::RmsNorm;
  c.bias = false;
  c.tied_embeddings = false;
  c.learned_positions = false;  // rotary: no parameters
  c.max_seq_len = 4096;
  c.default_seq_len = 4096;
  return c;
}

const std::vector<TransformerConfig>& transformers() {
  static const std::vector<TransformerConfig> all = [] {
    std::vector<TransformerConfig> v;
    // GPT-2 (Radford et al. 2019; Hugging Face configs): vocab 50257, context 1024.
    v.push_back(gpt2("gpt2-small", 768, 12, 12));
    v.push_back(gpt2("gpt2-medium", 1024, 24, 16));
    v.push_back(gpt2("gpt2-large", 1280, 36, 20));
    v.push_back(gpt2("gpt2-xl", 1600, 48, 25));
    // GPT-3 175B (Brown et al. 2020, table 2.1): 96 layers, d 12288, 96 heads, context 2048.
    TransformerConfig gpt3 = gpt2("gpt3-175b", 12288, 96, 96);
    gpt3.max_seq_len = gpt3.default_seq_len = 2048;
    v.push_back(gpt3);
    // Llama 2 (Touvron et al. 2023; Hugging Face configs).
    v.push_back(llama2("llama2-7b", 4096, 32, 32, 32, 11008));
    v.push_back(llama2("llama2-13b", 5120, 40, 40, 40, 13824));
    v.push_back(llama2("llama2-70b", 8192, 80, 64, 8, 28672));
    // BERT-large (Devlin et al. 2019): 24 layers, d 1024, 16 heads, vocab 30522, 512 positions.
    TransformerConfig bert = gpt2("bert-large", 1024, 24, 16);
    bert.vocab = 30522;
    bert.max_seq_len = 512;
    bert.default_seq_len = 512;
    bert.encoder = true;
    bert.tied_embeddings = false;
    v.push_back(bert);
    return v;
  }();
  return all;
}

std::string describe_transformer(const TransformerConfig& c) {
  std::string s =
      std::to_string(c.layers) + " layers, d " + std::to_string(c.d_model) + ", " + std::to_string(c.heads) + " heads";
  if (c.kv_heads && c.kv_heads != c.heads) s += " (" + std::to_string(c.kv_heads) + " KV heads)";
  return s + ", vocab " + std::to_string(c.vocab);
}

// Key/value heads: as many as query heads unless grouped-query attention sets fewer.
std::int64_t kv_heads_of(const TransformerConfig& c) {
  return c.kv_heads > 0 ? c.kv_heads : c.heads;
}

void check_transformer(const TransformerConfig& c, std::int64_t s) {
  if (c.vocab <= 0 || c.d_model <= 0 || c.layers <= 0 || c.heads <= 0 || c.ffn <= 0 || s <= 0)
    throw Error("transformer '" + c.name + "': sizes must be positive");
  if (c.d_model % c.heads != 0)
    throw Error("transformer '" + c.name + "': d_model " + std::to_string(c.d_model) + " is not divisible by heads " +
                std::to_string(c.heads));
  const std::int64_t kv_heads = kv_heads_of(c);
  if (c.heads % kv_heads != 0) throw Error("transformer '" + c.name + "': heads must be a multiple of kv_heads");
  if (c.learned_positions && s > c.max_seq_len)
    throw Error("transformer '" + c.name + "': sequence length " + std::to_string(s) +
                " exceeds its learned positions (" + std::to_string(c.max_seq_len) + ")");
}

// Token embedding (`wte`), plus learned positions and token types where the model has them,
// an encoder's norm and the embeddings' dropout.
LayerId add_embeddings(ModelGraph& g, const TransformerConfig& c, std::int64_t s, LayerId tokens, LayerId wte) {
  const Shape act{s, c.d_model};
  LayerId x = wte;
  if (c.learned_positions || c.encoder) {
    std::vector<LayerId> parts{wte};
    if (c.learned_positions) {
      Layer wpe = embedding("wpe", s, c.max_seq_len, c.d_model);
      wpe.positional = true;  // indexed by position, not by token id
      parts.push_back(g.add(std::move(wpe), {tokens}));
    }
    if (c.encoder) parts.push_back(g.add(embedding("token_type", s, c.token_types, c.d_model), {tokens}));
    x = g.add(elementwise("embed.add", LayerKind::Add, act, static_cast<int>(parts.size())), parts);
  }
  if (c.encoder) x = g.add(norm("embed.norm", c.norm, act, c.d_model), {x});
  if (c.dropout > 0) x = g.add(dropout("embed.dropout", act), {x});
  return x;
}

// The attention branch of block `p` and its residual add (pre-norm; an encoder norms after).
LayerId add_attention_branch(ModelGraph& g, const TransformerConfig& c, std::int64_t s, const std::string& p,
                             LayerId x) {
  const std::int64_t d = c.d_model;
  const std::int64_t kv_heads = kv_heads_of(c);
  const std::int64_t head_dim = d / c.heads;
  const Shape act{s, d};
  LayerId y = c.encoder ? x : g.add(norm(p + "norm1", c.norm, act, d), {x});
  y = g.add(linear(p + "attn.qkv", s, d, d + 2 * kv_heads * head_dim, c.bias), {y});
  Layer core = attention(p + "attn.core", s, c.heads, kv_heads, head_dim, c.attention, !c.encoder);
  core.padding_mask = c.encoder;
  core.rotary = !c.learned_positions;
  if (c.dropout > 0 && !core.flash()) {
    core.dropout = c.dropout;
    core.saved_elements += 1.5 * static_cast<double>(c.heads * s * s);  // the dropped probabilities and the mask
  }
  y = g.add(std::move(core), {y});
  y = g.add(linear(p + "attn.proj", s, d, d, c.bias), {y});
  if (c.dropout > 0) y = g.add(dropout(p + "attn.dropout", act), {y});
  x = g.add(elementwise(p + "attn.add", LayerKind::Add, act, 2), {x, y});
  return c.encoder ? g.add(norm(p + "norm1", c.norm, act, d), {x}) : x;
}

// The feed-forward branch of block `p` (GELU MLP or SwiGLU) and its residual add.
LayerId add_mlp_branch(ModelGraph& g, const TransformerConfig& c, std::int64_t s, const std::string& p, LayerId x) {
  const std::int64_t d = c.d_model;
  const Shape act{s, d};
  LayerId y = c.encoder ? x : g.add(norm(p + "norm2", c.norm, act, d), {x});
  if (c.ffn_kind == FfnKind::SwiGlu) {
    const LayerId gate = g.add(linear(p + "mlp.gate", s, d, c.ffn, c.bias), {y});
    const LayerId up = g.add(linear(p + "mlp.up", s, d, c.ffn, c.bias), {y});
    const LayerId act_gate = g.add(elementwise(p + "mlp.silu", LayerKind::Silu, {s, c.ffn}), {gate});
    y = g.add(elementwise(p + "mlp.mul", LayerKind::Multiply, {s, c.ffn}, 2), {act_gate, up});
  } else {
    y = g.add(linear(p + "mlp.fc", s, d, c.ffn, c.bias), {y});
    y = g.add(elementwise(p + "mlp.gelu", LayerKind::Gelu, {s, c.ffn}), {y});
  }
  y = g.add(linear(p + "mlp.proj", s, c.ffn, d, c.bias), {y});
  if (c.dropout > 0) y = g.add(dropout(p + "mlp.dropout", act), {y});
  x = g.add(elementwise(p + "mlp.add", LayerKind::Add, act, 2), {x, y});
  return c.encoder ? g.add(norm(p + "norm2", c.norm, act, d), {x}) : x;
}

}  // namespace

// Dropout, where the model has it, sits as in GPT-2 and BERT: after the embeddings, on the
// attention probabilities, and on each residual branch before its add.
ModelGraph build_transformer(const TransformerConfig& c, std::int64_t s) {
  check_transformer(c, s);
  const std::int64_t d = c.d_model;
  const Shape act{s, d};
  ModelGraph g(ModelInfo{c.name, s});
  const LayerId tokens = g.add(input_layer("tokens", {s}));
  const LayerId wte = g.add(embedding("wte", s, c.vocab, d), {tokens});
  LayerId x = add_embeddings(g, c, s, tokens, wte);
  for (std::int64_t i = 0; i < c.layers; ++i) {
    const std::string p = std::string("h").append(std::to_string(i)).append(".");
    const std::size_t first_of_block = g.size();
    x = add_mlp_branch(g, c, s, p, add_attention_branch(g, c, s, p, x));
    for (std::size_t v = first_of_block; v < g.size(); ++v) g.set_block(v, static_cast<int>(i));
  }

  if (c.encoder) {
    // BERT's pooler on the first token; the loss is taken on the pooled output, so the
    // parameter count is the encoder and pooler (Hugging Face BertModel).
    const LayerId pooled = g.add(linear("pooler", 1, d, d, true), {x});
    g.add(loss("loss", 1, d), {pooled});
    return g;
  }
  x = g.add(norm("norm_f", c.norm, act, d), {x});
  Layer lm_head = linear("lm_head", s, d, c.vocab, false);
  if (c.tied_embeddings) lm_head.tied_to = g.layer(wte).name;
  const LayerId head = g.add(std::move(lm_head), {x});
  if (c.tied_embeddings) g.tie(head, wte);
  g.add(loss("loss", s, c.vocab), {head});
  return g;
}

ModelGraph build_mlp(const MlpConfig& c) {
  if (c.widths.size() < 2) throw Error("mlp '" + c.name + "': needs at least two widths (inputs and outputs)");
  for (auto w : c.widths)
    if (w <= 0) throw Error("mlp '" + c.name + "': widths must be positive");
  ModelGraph g(ModelInfo{c.name, 0});
  LayerId x = g.add(input_layer("features", {c.widths.front()}));
  for (std::size_t i = 0; i + 1 < c.widths.size(); ++i) {
    x = g.add(linear("fc" + std::to_string(i), 1, c.widths[i], c.widths[i + 1], true), {x});
    if (i + 2 < c.widths.size())
      x = g.add(elementwise("relu" + std::to_string(i), LayerKind::Relu, {c.widths[i + 1]}), {x});
  }
  g.add(loss("loss", 1, c.widths.back()), {x});
  return g;
}

MlpConfig default_mlp() {
  return MlpConfig{"mlp", {1024, 4096, 4096, 1024}};
}

const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries = [] {
    std::vector<ZooEntry> v;
    v.push_back({"mlp", "multilayer perceptron, ReLU; default widths 1024-4096-4096-1024 (any widths)",
                 ModelFamily::Mlp, 0, 0});
    for (const auto& t : transformers())
      v.push_back({t.name, (t.encoder ? "encoder: " : "decoder: ") + describe_transformer(t), ModelFamily::Transformer,
                   t.default_seq_len, 0});
    v.push_back({"resnet50", "ResNet-50 (torchvision), 224x224", ModelFamily::Cnn, 0, 224});
    v.push_back({"vgg16", "VGG-16 (torchvision), 224x224", ModelFamily::Cnn, 0, 224});
    v.push_back(
        {"inception-v3", "Inception v3 with auxiliary classifier (torchvision), 299x299", ModelFamily::Cnn, 0, 299});
    return v;
  }();
  return entries;
}

const ZooEntry* find_zoo_entry(std::string_view name) {
  const auto& z = zoo();
  const auto it = std::find_if(z.begin(), z.end(), [&](const ZooEntry& e) { return e.name == name; });
  return it == z.end() ? nullptr : &*it;
}

namespace {
std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}
}  // namespace

const TransformerConfig& zoo_transformer(std::string_view name) {
  for (const auto& t : transformers())
    if (t.name == name) return t;
  if (find_zoo_entry(name)) throw Error("'" + std::string(name) + "' is not a transformer");
  throw Error("'" + std::string(name) + "' is not a transformer of the zoo" + suggestion(name, zoo_names()));
}

ModelGraph build_zoo_model(std::string_view name, std::int64_t seq_len) {
  const ZooEntry* e = find_zoo_entry(name);
  if (!e) throw Error("unknown model '" + std::string(name) + "'" + suggestion(name, zoo_names()));
  switch (e->family) {
    case ModelFamily::Transformer: {
      const auto& t = zoo_transformer(name);
      return build_transformer(t, seq_len > 0 ? seq_len : t.default_seq_len);
    }
    case ModelFamily::Mlp:
      return build_mlp(default_mlp());
    case ModelFamily::Cnn:
      if (name == "resnet50") return build_resnet50(e->image_size);
      if (name == "vgg16") return build_vgg16(e->image_size);
      return build_inception_v3(e->image_size);
  }
  throw Error("unknown model '" + std::string(name) + "'");
}

}  // namespace dpcast::models
