#include "dpcast/models/profile.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "dpcast/models/yaml_reader.hpp"

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

// [[size, efficiency], ...] with sizes increasing and efficiencies in (0, most].
EfficiencyCurve read_curve(const YamlValue& value, double most) {
  EfficiencyCurve curve;
  const auto points = value.as_list();
  if (points.empty()) value.fail("needs at least one [size, efficiency] point");
  for (const auto& point : points) {
    const auto pair = point.as_list();
    if (pair.size() != 2) point.fail("expected [size, efficiency], got " + describe(point.node()));
    const double size = pair[0].as_positive_number();
    const double efficiency = pair[1].as_positive_number();
    if (efficiency > most)
      pair[1].fail("expected an efficiency in (0, " + describe(YAML::Node(most)) + "], got " +
                   describe(pair[1].node()));
    if (!curve.points.empty() && size <= curve.points.back().first) pair[0].fail("sizes must increase");
    curve.points.emplace_back(size, efficiency);
  }
  return curve;
}

std::optional<double> fraction(MapReader& r, const char* key) {
  auto v = r.optional(key);
  if (!v) return std::nullopt;
  const double x = v->as_positive_number();
  if (x > 1) v->fail("expected a fraction in (0, 1], got " + describe(v->node()));
  return x;
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
    MapReader peaks = g.map("peak_flops");
    for (Precision pr : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16})
      if (auto v = peaks.optional(to_string(pr))) gp.peak_flops[pr] = v->as_positive_number();
    peaks.finish();
    if (auto v = g.optional("vector_flops")) gp.vector_flops = v->as_positive_number();
    if (auto v = g.optional("memory_bandwidth_bytes_per_s")) gp.memory_bandwidth_bytes_per_s = v->as_positive_number();
    gp.compute_efficiency = fraction(g, "compute_efficiency");
    gp.memory_efficiency = fraction(g, "memory_efficiency");
    if (auto v = g.optional("launch_overhead_s")) gp.launch_overhead_s = v->as_number_at_least(0);
    MapReader curves = g.map("matrix_efficiency");
    for (Precision pr : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16})
      if (auto v = curves.optional(to_string(pr))) gp.matrix_efficiency[pr] = read_curve(*v, 1);
    curves.finish();
    // Kernels on data that fits in cache stream faster than memory: allow up to 100x.
    if (auto v = g.optional("memory_efficiency_curve")) gp.memory_efficiency_curve = read_curve(*v, 100);
    if (g.has("colocated_slowdown")) {
      MapReader c = g.map("colocated_slowdown");
      if (auto v = c.optional("matrix")) gp.colocated_matrix_slowdown = v->as_number_at_least(0.1);
      if (auto v = c.optional("streaming")) gp.colocated_streaming_slowdown = v->as_number_at_least(0.1);
      c.finish();
    }
    if (auto v = g.optional("layers")) {
      if (!v->node().IsMap()) v->fail("expected a map of layer signatures to [forward_s, backward_s]");
      for (const auto& entry : v->node()) {
        const std::string key = entry.first.as<std::string>();
        const YamlValue times(v->file(), entry.second, v->path() + "." + key);
        const auto pair = times.as_list();
        if (pair.size() != 2) times.fail("expected [forward_s, backward_s], got " + describe(times.node()));
        gp.layers[key] = {pair[0].as_number_at_least(0), pair[1].as_number_at_least(0)};
      }
    }
    g.finish();
    p.gpus[name] = gp;
  });
  each_entry(r, "links", names(catalogue.links()), "link", [&](const std::string& name, MapReader l) {
    Link link = catalogue.link(name);
    link.bandwidth_bytes_per_s = l.positive_number("bandwidth_bytes_per_s");
    link.latency_s = l.required("latency_s").as_number_at_least(0);
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
  (void)load_yaml_file(path);  // a missing file, a folder or bad syntax, reported as such
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_profile(text.str(), path, catalogue);
}

std::string profile_yaml(const Profile& p) {
  auto num = [](double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return std::string(buf);
  };
  auto curve = [&](const EfficiencyCurve& c) {
    std::string out = "[";
    for (std::size_t i = 0; i < c.points.size(); ++i)
      out += (i ? ", [" : "[") + num(c.points[i].first) + ", " + num(c.points[i].second) + "]";
    return out + "]";
  };
  std::ostringstream out;
  out << "name: " << YAML::Node(p.name) << "\n";
  if (!p.source.empty()) out << "source: \"" << p.source << "\"\n";
  if (!p.gpus.empty()) out << "gpus:\n";
  for (const auto& [name, g] : p.gpus) {
    out << "  " << name << ":\n";
    if (!g.peak_flops.empty()) {
      out << "    peak_flops: {";
      bool first = true;
      for (const auto& [precision, peak] : g.peak_flops) {
        out << (first ? "" : ", ") << to_string(precision) << ": " << num(peak);
        first = false;
      }
      out << "}\n";
    }
    if (g.vector_flops) out << "    vector_flops: " << num(*g.vector_flops) << "\n";
    if (g.memory_bandwidth_bytes_per_s)
      out << "    memory_bandwidth_bytes_per_s: " << num(*g.memory_bandwidth_bytes_per_s) << "\n";
    if (g.compute_efficiency) out << "    compute_efficiency: " << num(*g.compute_efficiency) << "\n";
    if (g.memory_efficiency) out << "    memory_efficiency: " << num(*g.memory_efficiency) << "\n";
    if (g.launch_overhead_s) out << "    launch_overhead_s: " << num(*g.launch_overhead_s) << "\n";
    if (!g.matrix_efficiency.empty()) {
      out << "    matrix_efficiency:   # [FLOP of one matrix product, fraction of peak]\n";
      for (const auto& [precision, c] : g.matrix_efficiency)
        out << "      " << to_string(precision) << ": " << curve(c) << "\n";
    }
    if (!g.memory_efficiency_curve.empty())
      out << "    memory_efficiency_curve: " << curve(g.memory_efficiency_curve)
          << "   # [bytes one kernel streams, fraction of memory bandwidth]\n";
    if (g.colocated_matrix_slowdown || g.colocated_streaming_slowdown) {
      out << "    colocated_slowdown: {";
      if (g.colocated_matrix_slowdown) out << "matrix: " << num(*g.colocated_matrix_slowdown);
      if (g.colocated_matrix_slowdown && g.colocated_streaming_slowdown) out << ", ";
      if (g.colocated_streaming_slowdown) out << "streaming: " << num(*g.colocated_streaming_slowdown);
      out << "}   # every worker of a node computing at once\n";
    }
    if (!g.layers.empty()) {
      out << "    layers:   # measured on one worker: [forward_s, backward_s] of one pass\n";
      for (const auto& [key, t] : g.layers)
        out << "      \"" << key << "\": [" << num(t.first) << ", " << num(t.second) << "]\n";
    }
  }
  if (!p.links.empty()) out << "links:\n";
  for (const auto& [name, l] : p.links)
    out << "  " << name << ": {bandwidth_bytes_per_s: " << num(l.bandwidth_bytes_per_s)
        << ", latency_s: " << num(l.latency_s) << "}\n";
  out << "des: {network_model: " << p.network.model << ", tcp_gamma_bytes: " << num(p.network.tcp_gamma_bytes)
      << ", crosstraffic: " << (p.network.crosstraffic ? "true" : "false") << "}\n";
  if (p.validated)
    out << "validated: {mape_pct: " << num(p.validated->mape_pct) << ", pairs: " << p.validated->pairs
        << ", against: \"" << p.validated->against << "\"}   # dpcast compare --predict --profile\n";
  return out.str();
}

Catalogue apply_profile(const Catalogue& catalogue, const Profile& profile) {
  Catalogue out;
  for (const auto& [name, gpu] : catalogue.gpus()) {
    Gpu g = gpu;
    if (const auto it = profile.gpus.find(name); it != profile.gpus.end()) {
      const GpuProfile& p = it->second;
      for (const auto& [precision, peak] : p.peak_flops) g.peak_flops[precision] = peak;
      if (p.vector_flops) g.vector_flops = *p.vector_flops;
      if (p.memory_bandwidth_bytes_per_s) g.memory_bandwidth_bytes_per_s = *p.memory_bandwidth_bytes_per_s;
      if (p.compute_efficiency) g.compute_efficiency = *p.compute_efficiency;
      if (p.memory_efficiency) g.memory_efficiency = *p.memory_efficiency;
      if (p.launch_overhead_s) g.launch_overhead_s = *p.launch_overhead_s;
      for (const auto& [precision, curve] : p.matrix_efficiency) g.matrix_efficiency_curve[precision] = curve;
      if (!p.memory_efficiency_curve.empty()) g.memory_efficiency_curve = p.memory_efficiency_curve;
      for (const auto& [key, t] : p.layers) g.measured_layers[key] = t;
      if (p.colocated_matrix_slowdown) g.colocated_matrix_slowdown = *p.colocated_matrix_slowdown;
      if (p.colocated_streaming_slowdown) g.colocated_streaming_slowdown = *p.colocated_streaming_slowdown;
      g.description += " [profile " + profile.name + "]";
    }
    out.add(g);
  }
  for (const auto& [name, link] : catalogue.links()) {
    const auto it = profile.links.find(name);
    out.add(it != profile.links.end() ? it->second : link);
  }
  for (const auto& [name, node] : catalogue.nodes()) out.add(node);
  return out;
}

}  // namespace dpcast::models
