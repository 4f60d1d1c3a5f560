#include "dpcast/models/profile.hpp"

#include <algorithm>
#include <sstream>

#include "dpcast/models/input_file.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "profile_gpu_fields.hpp"

namespace dpcast::models {
namespace {

std::vector<std::string> names(const std::map<std::string, Gpu, std::less<>>& m) {
  std::vector<std::string> out;
  for (const auto& [n, _] : m) out.push_back(n);
  return out;
}
std::vector<std::string> names(const std::map<std::string, Link, std::less<>>& m) {
  std::vector<std::string> out;
  for (const auto& [n, _] : m) out.push_back(n);
  return out;
}

// Entries keyed by catalogue names: each key must name an entry, with a did-you-mean.
template <typename Read>
void each_entry(MapReader& parent, const char* key, const std::vector<std::string>& known, const char* what,
                Read read) {
  auto v = parent.optional(key);
  if (!v) return;
  if (!v->node().IsMap()) v->fail("expected a map of " + std::string(what) + " names");
  for (const auto& entry : v->node()) {
    const std::string name = entry.first.as<std::string>();
    const std::string path = v->path() + "." + name;
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw Error(location_of(v->file(), entry.first), path,
                  "unknown " + std::string(what) + " '" + name + "'" + suggestion(name, known));
    read(name, MapReader(v->file(), entry.second, path, location_of(v->file(), entry.first)));
  }
}

}  // namespace

Profile parse_profile(const std::string& text, const std::string& file, const Catalogue& catalogue) {
  MapReader r(file, load_yaml_text(text, file), "");
  Profile p;
  p.file = file;
  p.name = r.string("name");
  p.source = r.string("source", "");
  each_entry(r, "gpus", names(catalogue.gpus()), "GPU", [&](const std::string& name, MapReader g) {
    GpuProfile gp;
    for (const auto& field : gpu_profile_fields()) field.read(g, field.key, gp);
    g.finish();
    p.gpus[name] = gp;
  });
  each_entry(r, "links", names(catalogue.links()), "link", [&](const std::string& name, MapReader l) {
    Link link = catalogue.link(name);
    link.bandwidth_bytes_per_s = l.positive_number("bandwidth_bytes_per_s");
    link.latency_s = l.required("latency_s").as_number_at_least(0);
    if (auto v = l.optional("nccl_time_ratio")) link.nccl_time_ratio = read_curve(*v, 1000);
    if (auto v = l.optional("alpha_beta_time_ratio")) link.alpha_beta_time_ratio = read_curve(*v, 1000);
    link.source = l.where();
    l.finish();
    p.links[name] = link;
  });
  MapReader des = r.map("des");
  if (auto v = des.optional("network_model")) p.network.model = v->as_choice({"CM02", "LV08", "SMPI"});
  if (auto v = des.optional("tcp_gamma_bytes")) p.network.tcp_gamma_bytes = v->as_number_at_least(0);
  p.network.crosstraffic = des.boolean("crosstraffic", false);
  des.finish();
  if (r.has("validated")) {
    MapReader v = r.map("validated");
    ProfileValidation pv;
    pv.mape_pct = v.required("mape_pct").as_number_at_least(0);
    pv.pairs = static_cast<int>(v.int_in("pairs", 1, 1'000'000));
    pv.against = v.string("against");
    v.finish();
    p.validated = pv;
  }
  r.finish();
  return p;
}

std::string layer_signature(const Layer& l, std::int64_t micro_batch, Precision precision) {
  std::ostringstream key;  // (a stream: GCC 12 warns falsely on chains of string +, bug 105651)
  auto shape = [&](const Shape& sh) {
    key << '[';
    for (std::size_t i = 0; i < sh.size(); ++i) key << (i ? "x" : "") << sh[i];
    key << ']';
  };
  key << to_string(l.kind) << ' ';
  shape(l.input_shape);
  key << " -> ";
  shape(l.output_shape);
  key << " p" << l.params;
  if (l.heads > 0) key << " h" << l.heads;
  if (!l.tied_to.empty()) key << " tied";
  if (l.backward_input_flops == 0 && is_matrix_layer(l.kind)) key << " first";
  key << " b" << micro_batch << ' ' << to_string(precision);
  return key.str();
}

Profile load_profile(const std::string& path, const Catalogue& catalogue) {
  return parse_profile(read_input_file(path, "profile"), path, catalogue);
}

std::string profile_yaml(const Profile& p) {
  std::ostringstream out;
  out << "name: " << YAML::Node(p.name) << "\n";
  if (!p.source.empty()) out << "source: \"" << p.source << "\"\n";
  if (!p.gpus.empty()) out << "gpus:\n";
  for (const auto& [name, g] : p.gpus) {
    out << "  " << name << ":\n";
    for (const auto& field : gpu_profile_fields()) field.write(out, field.key, g);
  }
  if (!p.links.empty()) out << "links:\n";
  for (const auto& [name, l] : p.links) {
    out << "  " << name << ": {bandwidth_bytes_per_s: " << profile_number(l.bandwidth_bytes_per_s)
        << ", latency_s: " << profile_number(l.latency_s);
    if (!l.nccl_time_ratio.empty()) out << ", nccl_time_ratio: " << curve_text(l.nccl_time_ratio);
    if (!l.alpha_beta_time_ratio.empty()) out << ", alpha_beta_time_ratio: " << curve_text(l.alpha_beta_time_ratio);
    out << "}\n";
  }
  out << "des: {network_model: " << p.network.model
      << ", tcp_gamma_bytes: " << profile_number(p.network.tcp_gamma_bytes)
      << ", crosstraffic: " << (p.network.crosstraffic ? "true" : "false") << "}\n";
  if (p.validated)
    out << "validated: {mape_pct: " << profile_number(p.validated->mape_pct) << ", pairs: " << p.validated->pairs
        << ", against: \"" << p.validated->against << "\"}   # dpcast compare --predict --profile\n";
  return out.str();
}

Catalogue apply_profile(const Catalogue& catalogue, const Profile& profile) {
  Catalogue out;
  for (const auto& [name, gpu] : catalogue.gpus()) {
    Gpu g = gpu;
    if (const auto it = profile.gpus.find(name); it != profile.gpus.end()) {
      for (const auto& field : gpu_profile_fields()) field.apply(it->second, g);
      g.description += " [profile " + profile.name + "]";
    }
    out.add(g);
  }
  for (const auto& [name, link] : catalogue.links()) {
    const auto it = profile.links.find(name);
    out.add(it != profile.links.end() ? it->second : link);
  }
  for (const auto& [name, node] : catalogue.nodes()) out.add(node);
  out.set_nccl_achieved(catalogue.nccl_achieved());
  out.set_gloo(catalogue.gloo());
  return out;
}

}  // namespace dpcast::models
