// Custom models: a zoo name, a zoo transformer with some sizes changed, a transformer or
// MLP template, or a plain list of layers whose shapes follow from the input.
#include <filesystem>
#include <sstream>

#include "dpcast/models/scenario.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
namespace {

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}

// Sizes are bounded far above any real model so that a typo can neither overflow nor hang.
constexpr std::int64_t kMaxWidth = 10'000'000;
constexpr double kMaxParams = 1e15;
// A transformer's blocks: each is about a dozen layers of the graph, which a layer list may
// hold 100,000 of (kMaxListItems): either predicts in a second or two.
constexpr std::int64_t kMaxBlocks = 10'000;

// The kinds a layer list may name, in the order its error lists them.
constexpr std::initializer_list<LayerKind> kListedLayerKinds{
    LayerKind::Linear,    LayerKind::Conv2d,  LayerKind::Embedding, LayerKind::Relu,
    LayerKind::Gelu,      LayerKind::Silu,    LayerKind::LayerNorm, LayerKind::RmsNorm,
    LayerKind::BatchNorm, LayerKind::MaxPool, LayerKind::AvgPool,   LayerKind::Loss};

std::optional<std::int64_t> set(std::int64_t v) {
  return v ? std::optional(v) : std::nullopt;
}

TransformerConfig read_transformer(MapReader& r, TransformerConfig c) {
  const TransformerConfig base = c;
  c.name = r.string("name", c.name);
  c.vocab = r.int_in("vocab", 1, kMaxWidth, set(c.vocab));
  c.d_model = r.int_in("d_model", 1, 1'000'000, set(c.d_model));
  c.layers = r.int_in("layers", 1, kMaxBlocks, set(c.layers));
  c.heads = r.int_in("heads", 1, 1'000'000, set(c.heads));
  c.kv_heads = r.int_in("kv_heads", 1, 1'000'000, c.kv_heads ? c.kv_heads : c.heads);
  // A wider model keeps its feed-forward ratio unless ffn is given (GPT: 4x, Llama 2 7B: 2.6875x).
  const std::int64_t scaled_ffn = base.ffn && base.d_model ? base.ffn * c.d_model / base.d_model : 4 * c.d_model;
  c.ffn = r.int_in("ffn", 1, kMaxWidth, scaled_ffn);
  if (auto v = r.optional("ffn_kind")) c.ffn_kind = v->as_enum<FfnKind>();
  if (auto v = r.optional("norm")) c.norm = v->as_enum({LayerKind::LayerNorm, LayerKind::RmsNorm});
  c.bias = r.boolean("bias", c.bias);
  c.tied_embeddings = r.boolean("tied_embeddings", c.tied_embeddings);
  if (auto v = r.optional("positions")) c.learned_positions = v->as_choice({"learned", "rotary"}) == "learned";
  c.max_seq_len = r.int_in("max_seq_len", 1, 100'000'000, c.max_seq_len);
  const auto seq = r.optional("seq_len");
  c.default_seq_len = seq ? seq->as_int_in(1, 100'000'000) : std::min(c.default_seq_len, c.max_seq_len);
  if (seq && c.learned_positions && c.default_seq_len > c.max_seq_len)
    seq->fail("exceeds max_seq_len " + std::to_string(c.max_seq_len) + " of the learned positions");
  c.encoder = r.boolean("encoder", c.encoder);
  // Point at the key that breaks a rule (the map itself when only defaults are involved).
  auto blame = [&](std::string_view key) { return r.has(key) ? r.required(key) : YamlValue(r.file(), {}, r.path()); };
  if (c.d_model % c.heads != 0) {
    const std::string why =
        "d_model " + std::to_string(c.d_model) + " is not divisible by heads " + std::to_string(c.heads);
    if (r.has("heads")) blame("heads").fail(why);
    if (r.has("d_model")) blame("d_model").fail(why);
    r.fail(why);
  }
  if (c.heads % c.kv_heads != 0) {
    const std::string why =
        "heads " + std::to_string(c.heads) + " is not a multiple of kv_heads " + std::to_string(c.kv_heads);
    if (r.has("kv_heads")) blame("kv_heads").fail(why);
    if (r.has("heads")) blame("heads").fail(why);
    r.fail(why);
  }
  const double d = static_cast<double>(c.d_model);
  const double params = static_cast<double>(c.layers) * (4 * d * d + 3 * d * static_cast<double>(c.ffn)) +
                        static_cast<double>(c.vocab + c.max_seq_len) * d;
  if (params > kMaxParams) r.fail("more than 10^15 parameters");
  return c;
}

MlpConfig read_mlp(MapReader& r, std::string name) {
  MlpConfig m;
  m.name = r.string("name", std::move(name));
  const YamlValue widths = r.required("widths");
  for (const auto& w : widths.as_list()) m.widths.push_back(w.as_int_in(1, kMaxWidth));
  if (m.widths.size() < 2) widths.fail("needs at least two widths (inputs and outputs)");
  double params = 0;
  for (std::size_t i = 0; i + 1 < m.widths.size(); ++i)
    params += static_cast<double>(m.widths[i]) * static_cast<double>(m.widths[i + 1]);
  if (params > kMaxParams) widths.fail("more than 10^15 parameters");
  return m;
}

LayerSpec read_layer_spec(const YamlValue& value) {
  MapReader r(value);
  LayerSpec s;
  s.where = value.where();
  s.path = value.path();
  s.kind = r.required("kind").as_enum(kListedLayerKinds);
  switch (s.kind) {
    case LayerKind::Linear:
      s.out = r.int_in("out", 1, kMaxWidth);
      s.bias = r.boolean("bias", true);
      break;
    case LayerKind::Conv2d:
      s.out = r.int_in("out", 1, kMaxWidth);
      s.kernel = r.int_in("kernel", 1, 10'000);
      s.stride = r.int_in("stride", 1, 10'000, 1);
      if (auto v = r.optional("pad")) s.pad = v->as_int_in(0, 1 << 20);
      s.bias = r.boolean("bias", true);
      break;
    case LayerKind::Embedding:
      s.vocab = r.int_in("vocab", 1, kMaxWidth);
      s.out = r.int_in("out", 1, kMaxWidth);
      break;
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
      s.kernel = r.int_in("kernel", 1, 10'000);
      s.stride = r.int_in("stride", 1, 10'000, s.kernel);
      if (auto v = r.optional("pad")) s.pad = v->as_int_in(0, 1 << 20);
      break;
    default:
      break;
  }
  r.finish();
  return s;
}

ModelSpec read_model_map(MapReader& r, const std::string& base_dir);

// The model files being read, innermost last: a file that names itself (directly or not)
// is an error, not an endless recursion.
struct OpenFile {
  std::string canonical;  // to compare
  std::string shown;      // as the user's files name it
};
thread_local std::vector<OpenFile> open_model_files;

ModelSpec read_model_file(const std::string& path, const SourceLocation& where) {
  std::error_code ec;  // a loop of links: load_yaml_file says so below
  const std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
  for (const auto& f : open_model_files)
    if (f.canonical == canonical) {
      std::string chain;
      for (const auto& g : open_model_files) chain += g.shown + " -> ";
      throw Error(where, "model.file", "model files include each other: " + chain + path);
    }
  open_model_files.push_back({canonical, path});
  struct Pop {
    ~Pop() { open_model_files.pop_back(); }
  } pop;
  MapReader r(path, load_yaml_file(path), "");
  ModelSpec spec = read_model_map(r, std::filesystem::path(path).parent_path().string());
  spec.where = where;
  return spec;
}

ModelSpec read_model_map(MapReader& r, const std::string& base_dir) {
  ModelSpec spec;
  spec.where = r.where();
  if (auto file = r.optional("file")) {
    std::filesystem::path p = file->as_string();
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    std::error_code ec;  // a loop of links is not "not found": load_yaml_file names it
    const auto status = std::filesystem::status(p, ec);
    if ((!ec || ec == std::errc::no_such_file_or_directory) && !std::filesystem::exists(status))
      file->fail("model file not found: " + p.string());
    r.finish();
    return read_model_file(p.string(), file->where());
  }
  if (auto zoo_value = r.optional("zoo")) {
    const std::string name = zoo_value->as_string();
    const ZooEntry* e = find_zoo_entry(name);
    if (!e) zoo_value->fail("unknown model '" + name + "'" + suggestion(name, zoo_names()));
    if (e->family == ModelFamily::Mlp) {
      if (r.has("widths")) {
        spec.mlp = read_mlp(r, name);
      } else {
        spec.mlp = default_mlp();
        spec.mlp->name = r.string("name", spec.mlp->name);
      }
      spec.label = spec.mlp->name;
    } else if (e->family == ModelFamily::Transformer) {
      spec.transformer = read_transformer(r, zoo_transformer(name));  // sizes may be overridden
      spec.label = spec.transformer->name;
    } else {
      spec.zoo = name;
      spec.label = name;
    }
    r.finish();
    return spec;
  }
  if (auto tmpl = r.optional("template")) {
    const std::string t = tmpl->as_choice({"transformer", "mlp"});
    if (t == "mlp") {
      spec.mlp = read_mlp(r, "custom-mlp");
      spec.label = spec.mlp->name;
    } else {
      TransformerConfig c;
      c.name = "custom-transformer";
      spec.transformer = read_transformer(r, c);
      spec.label = spec.transformer->name;
    }
    r.finish();
    return spec;
  }
  if (auto layers = r.optional("layers")) {
    spec.label = r.string("name", "custom-model");
    const YamlValue input = r.required("input");
    double input_elements = 1;
    for (const auto& v : input.as_list()) {
      spec.layer_input.push_back(v.as_int_in(1, 100'000'000));
      input_elements *= static_cast<double>(spec.layer_input.back());
    }
    if (input_elements > 1e12) input.fail("more than 10^12 elements per sample");
    if (spec.layer_input.empty() || spec.layer_input.size() > 3)
      input.fail("expected [features], [tokens] or [channels, height, width]");
    for (const auto& v : layers->as_list()) spec.layer_list.push_back(read_layer_spec(v));
    if (spec.layer_list.empty()) layers->fail("needs at least one layer");
    // Build once now so shape errors point at the file, not at prediction time.
    if (static_cast<double>(spec.build(spec.default_seq_len()).total_params()) > kMaxParams)
      layers->fail("more than 10^15 parameters");
    r.finish();
    return spec;
  }
  r.fail("a model needs one of: zoo, file, template, layers");
}

// Shapes along a layer list: [n] a feature vector (or tokens before an embedding),
// [s, d] a sequence, [c, h, w] an image.
ModelGraph build_layer_list(const ModelSpec& spec, std::int64_t seq_len) {
  Shape shape = spec.layer_input;
  if (spec.is_sequence_model() && seq_len > 0) shape = {seq_len};
  ModelGraph g(ModelInfo{spec.label, spec.is_sequence_model() ? shape[0] : 0});
  LayerId x = g.add(input_layer("input", shape));
  bool has_loss = false;
  for (std::size_t i = 0; i < spec.layer_list.size(); ++i) {
    const LayerSpec& s = spec.layer_list[i];
    const std::string name = std::string(to_string(s.kind)) + std::to_string(i);
    auto bad = [&](const std::string& why) -> Error { return Error(s.where, s.path, why); };
    if (has_loss) throw bad("no layer may follow the loss");
    Layer l;
    // Exact: elements() is the product of the dims, shape.front() among them.
    const std::int64_t inner_elements = elements(shape) / shape.front();
    if (static_cast<double>(shape.front()) * static_cast<double>(inner_elements) *
            static_cast<double>(std::max<std::int64_t>(s.out, 1)) >
        kMaxParams)
      throw bad("more than 10^15 elements or parameters");
    switch (s.kind) {
      case LayerKind::Linear: {
        const std::int64_t tokens = shape.size() == 2 ? shape[0] : 1;
        const std::int64_t in = shape.size() == 2 ? shape[1] : elements(shape);
        l = linear(name, tokens, in, s.out, s.bias);
        break;
      }
      case LayerKind::Conv2d:
        if (shape.size() != 3) throw bad("conv2d needs an image input [channels, height, width]");
        if (conv_out(shape[1], s.kernel, s.stride, s.pad) <= 0 || conv_out(shape[2], s.kernel, s.stride, s.pad) <= 0)
          throw bad("kernel larger than the padded input");
        l = conv2d(name, shape[0], shape[1], shape[2], s.out, s.kernel, s.kernel, s.stride, s.pad, s.pad, s.bias);
        break;
      case LayerKind::Embedding:
        if (shape.size() != 1 || i != 0) throw bad("embedding must be the first layer, on an input of [tokens]");
        l = embedding(name, shape[0], s.vocab, s.out);
        break;
      case LayerKind::MaxPool:
      case LayerKind::AvgPool:
        if (shape.size() != 3) throw bad("pooling needs an image input [channels, height, width]");
        if (conv_out(shape[1], s.kernel, s.stride, s.pad) <= 0) throw bad("kernel larger than the padded input");
        l = pool(name, s.kind, shape[0], shape[1], shape[2], s.kernel, s.stride, s.pad);
        break;
      case LayerKind::LayerNorm:
      case LayerKind::RmsNorm:
        l = norm(name, s.kind, shape, shape.back());
        break;
      case LayerKind::BatchNorm:  // per channel on an image, per feature on a vector (BatchNorm1d)
        l = norm(name, s.kind, shape, shape.size() == 3 ? shape.front() : shape.back());
        break;
      case LayerKind::Loss:
        l = loss(name, shape.size() == 2 ? shape[0] : 1, shape.back());
        has_loss = true;
        break;
      default:
        l = elementwise(name, s.kind, shape);
        break;
    }
    shape = l.output_shape;
    x = g.add(std::move(l), {x});
  }
  if (!has_loss) g.add(loss("loss", shape.size() == 2 ? shape[0] : 1, shape.back()), {x});
  return g;
}

}  // namespace

bool ModelSpec::is_sequence_model() const {
  if (transformer) return true;
  return !layer_list.empty() && layer_list.front().kind == LayerKind::Embedding;
}

std::int64_t ModelSpec::default_seq_len() const {
  if (transformer) return transformer->default_seq_len;
  return is_sequence_model() ? layer_input.front() : 0;
}

ModelGraph ModelSpec::build(std::int64_t seq_len) const {
  if (transformer) return build_transformer(*transformer, seq_len > 0 ? seq_len : transformer->default_seq_len);
  if (mlp) return build_mlp(*mlp);
  if (!layer_list.empty()) return build_layer_list(*this, seq_len);
  return build_zoo_model(zoo, seq_len);
}

std::string ModelSpec::cache_key(std::int64_t seq_len) const {
  std::ostringstream key;  // (a stream: GCC 12 warns falsely on chains of string +, bug 105651)
  key << label << '@' << seq_len;
  if (transformer) {
    const auto& t = *transformer;
    for (auto v : {t.vocab, t.d_model, t.layers, t.heads, t.kv_heads, t.ffn, t.max_seq_len}) key << ':' << v;
    key << ':' << static_cast<int>(t.ffn_kind) << static_cast<int>(t.norm) << t.bias << t.tied_embeddings
        << t.learned_positions << t.encoder << ":" << to_string(t.attention) << ":" << t.dropout;
  }
  if (mlp)
    for (auto w : mlp->widths) key << ':' << w;
  if (!layer_list.empty()) key << ":list@" << where.file << ':' << where.line;
  return key.str();
}

ModelSpec load_model_file(const std::string& path) {
  return read_model_file(path, SourceLocation{path, 0, 0});
}

ModelSpec parse_model_file(const std::string& text, const std::string& file) {
  MapReader r(file, load_yaml_text(text, file), "");
  ModelSpec spec = read_model_map(r, std::filesystem::path(file).parent_path().string());
  spec.where = SourceLocation{file, 0, 0};
  return spec;
}

// Used by scenario.cpp: the `model:` value of a scenario.
ModelSpec read_model_value(const YamlValue& value, const std::string& base_dir) {
  if (value.node().IsScalar()) {
    const std::string name = value.as_string();
    if (!find_zoo_entry(name)) value.fail("unknown model '" + name + "'" + suggestion(name, zoo_names()));
    ModelSpec spec;
    spec.where = value.where();
    spec.label = name;
    if (find_zoo_entry(name)->family == ModelFamily::Transformer)
      spec.transformer = zoo_transformer(name);
    else if (name == "mlp")
      spec.mlp = default_mlp();
    else
      spec.zoo = name;
    return spec;
  }
  MapReader r(value);
  return read_model_map(r, base_dir);
}

}  // namespace dpcast::models
