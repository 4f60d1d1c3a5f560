#include "dpcast/models/hardware.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "dpcast/models/yaml_reader.hpp"
#include "profile_gpu_fields.hpp"

#ifndef DPCAST_SOURCE_DIR
#define DPCAST_SOURCE_DIR "."
#endif

namespace dpcast::models {
namespace fs = std::filesystem;

double bytes_per_element(Precision p) {
  return p == Precision::Bf16 || p == Precision::Fp16 ? 2.0 : 4.0;
}

double Gpu::matrix_peak(Precision p) const {
  const auto it = peak_flops.find(p);
  if (it != peak_flops.end()) return it->second;
  const auto fp32 = peak_flops.find(Precision::Fp32);
  return fp32 != peak_flops.end() ? fp32->second : vector_flops;
}

double EfficiencyCurve::at(double size) const {
  if (points.empty()) return 0;
  if (size <= points.front().first) return points.front().second;
  if (size >= points.back().first) return points.back().second;
  const auto upper = std::upper_bound(points.begin(), points.end(), size,
                                      [](double x, const std::pair<double, double>& p) { return x < p.first; });
  const auto lower = upper - 1;
  const double f = std::log(size / lower->first) / std::log(upper->first / lower->first);
  return lower->second + f * (upper->second - lower->second);
}

namespace {
template <typename Map>
std::vector<std::string> names_of(const Map& map) {
  std::vector<std::string> out;
  for (const auto& [name, _] : map) out.push_back(name);
  return out;
}

template <typename Map>
const auto& lookup(const Map& map, std::string_view name, const char* what) {
  const auto it = map.find(name);
  if (it == map.end())
    throw Error("unknown " + std::string(what) + " '" + std::string(name) + "'" + suggestion(name, names_of(map)));
  return it->second;
}

std::string entry_name(MapReader& r, const fs::path& file) {
  const YamlValue v = r.required("name");
  std::string name = v.as_string();
  if (name != file.stem().string()) v.fail("must match the file name '" + file.stem().string() + "'");
  return name;
}

// The catalogue key of each fused attention kernel's figures.
constexpr std::array<std::pair<AttentionKernel, const char*>, 3> kFlashAttentionKeys{
    {{AttentionKernel::Flash, "flash_attention"},
     {AttentionKernel::Flash1, "flash_attention_v1"},
     {AttentionKernel::FlashTriton, "flash_attention_triton"}}};

// flash_attention: {head_dim_64: [[seq_len, FLOP/s], ...], head_dim_64_causal: ..., ...}
void read_flash_attention(MapReader r, AttentionKernel kernel, std::vector<AttentionThroughput>& out) {
  const std::size_t before = out.size();
  for (const int head_dim : {32, 64, 96, 128, 256})
    for (const bool causal : {false, true})
      if (auto v = r.optional("head_dim_" + std::to_string(head_dim) + (causal ? "_causal" : "")))
        out.push_back({kernel, head_dim, causal, read_curve(*v, 1e18)});
  r.finish();
  if (out.size() == before) r.fail("needs at least one head_dim_<d> or head_dim_<d>_causal curve");
}

Gpu read_gpu(const fs::path& file) {
  MapReader r(file.string(), load_yaml_file(file.string()), "");
  Gpu g;
  g.source = r.where();
  g.source.file = file.string();
  g.name = entry_name(r, file);
  g.description = r.string("description", "");
  MapReader peaks = r.map("peak_flops");
  for (const auto& [p, name] : EnumNames<Precision>::table)
    if (auto v = peaks.optional(name)) g.peak_flops[p] = v->as_positive_number();
  peaks.finish();
  if (g.peak_flops.empty()) peaks.fail("needs at least one precision (fp32, tf32, bf16, fp16)");
  g.vector_flops = r.positive_number("vector_flops");
  g.memory_bytes = r.positive_number("memory_bytes");
  g.memory_bandwidth_bytes_per_s = r.positive_number("memory_bandwidth_bytes_per_s");
  for (auto [key, field] :
       {std::pair{"compute_efficiency", &g.compute_efficiency}, std::pair{"memory_efficiency", &g.memory_efficiency},
        std::pair{"sustained_clock_ratio", &g.sustained_clock_ratio}}) {
    if (auto v = r.optional(key)) {
      *field = v->as_positive_number();
      if (*field > 1) v->fail("expected a fraction in (0, 1], got " + describe(v->node()));
    }
  }
  if (auto v = r.optional("reserved_bytes")) g.reserved_bytes = v->as_number_at_least(0);
  if (auto v = r.optional("launch_overhead_s")) g.launch_overhead_s = v->as_number_at_least(0);
  if (auto v = r.optional("matrix_kernel_fixed_s")) g.matrix_kernel_fixed_s = v->as_number_at_least(0);
  g.communication_uses_compute = r.boolean("communication_uses_compute", false);
  for (const auto& [kernel, key] : kFlashAttentionKeys)
    if (r.has(key)) read_flash_attention(r.map(key), kernel, g.flash_attention);
  if (auto v = r.optional("price_per_hour")) g.price_per_hour = v->as_positive_number();
  if (auto v = r.optional("compute_capability")) {
    // Written as NVIDIA does (8.0, 9.0); kept x10.
    const double cc = v->as_positive_number();
    if (cc < 3 || cc > 20 || std::abs(cc * 10 - std::round(cc * 10)) > 1e-9)
      v->fail("expected a compute capability such as 8.0 or 9.0, got " + describe(v->node()));
    g.compute_capability = static_cast<int>(std::lround(cc * 10));
  }
  if (auto v = r.optional("multiprocessors")) g.multiprocessors = static_cast<int>(v->as_int_in(1, 4096));
  r.finish();
  return g;
}

Link read_link(const fs::path& file) {
  MapReader r(file.string(), load_yaml_file(file.string()), "");
  Link l;
  l.source = SourceLocation{file.string(), 1, 1};
  l.name = entry_name(r, file);
  l.description = r.string("description", "");
  l.bandwidth_bytes_per_s = r.positive_number("bandwidth_bytes_per_s");
  l.latency_s = r.required("latency_s").as_number_at_least(0);
  if (auto v = r.optional("nccl_bandwidth_bytes_per_s")) l.nccl_bandwidth_bytes_per_s = v->as_positive_number();
  if (auto v = r.optional("nccl_achieved_bandwidth_bytes_per_s")) {
    l.nccl_achieved_bandwidth_bytes_per_s = v->as_positive_number();
    if (l.nccl_achieved_bandwidth_bytes_per_s > l.nccl_bandwidth())
      v->fail(
          "above the link's bandwidth as NCCL sees it (nccl_bandwidth_bytes_per_s, else bandwidth_bytes_per_s); "
          "a measured cap is below it");
  }
  r.finish();
  return l;
}

NodePreset read_node(const fs::path& file) {
  MapReader r(file.string(), load_yaml_file(file.string()), "");
  NodePreset n;
  n.source = SourceLocation{file.string(), 1, 1};
  n.name = entry_name(r, file);
  n.description = r.string("description", "");
  for (const char* key : {"gpu", "intra_link", "nic_link", "host_link", "socket_link", "nic_pcie_link"})
    if (auto v = r.optional(key)) n.key_locations[key] = v->where();
  n.gpu = r.string("gpu");
  n.gpus_per_node = static_cast<int>(r.positive_int("gpus_per_node"));
  n.fabric = r.required("fabric").as_enum<IntraFabric>();
  n.intra_link = r.string("intra_link");
  n.nics = static_cast<int>(r.positive_int("nics"));
  n.nic_link = r.string("nic_link");
  if (auto v = r.optional("pcie_switches")) {
    n.pcie_switches = static_cast<int>(v->as_int_in(1, n.gpus_per_node));
    if (n.fabric != IntraFabric::Pcie) v->fail("pcie_switches applies to fabric: pcie only");
    if (n.gpus_per_node % n.pcie_switches != 0)
      v->fail(std::to_string(n.gpus_per_node) + " GPUs do not spread evenly over " + std::to_string(n.pcie_switches) +
              " switches");
  }
  n.host_link = r.string("host_link", n.intra_link);
  if (auto v = r.optional("sockets")) {
    n.sockets = static_cast<int>(v->as_int_in(1, n.pcie_switches));
    if (n.fabric != IntraFabric::Pcie) v->fail("sockets applies to fabric: pcie only");
    if (n.pcie_switches % n.sockets != 0)
      v->fail(std::to_string(n.pcie_switches) + " PCIe switches do not spread evenly over " +
              std::to_string(n.sockets) + " sockets");
    if (n.sockets > 1 && !r.has("socket_link"))
      v->fail("sockets: " + std::to_string(n.sockets) + " needs socket_link (the link between sockets)");
  }
  n.socket_link = r.string("socket_link", "");
  if (auto v = r.optional("cpu_vendor")) n.cpu_vendor = v->as_enum<CpuVendor>();
  n.nic_pcie_link = r.string("nic_pcie_link", "");
  if (auto v = r.optional("nccl_net_devices")) {
    n.nccl_net_devices = static_cast<int>(v->as_int_in(1, n.nics));
    if (n.nics % n.nccl_net_devices != 0)
      v->fail(std::to_string(n.nics) + " NICs do not group evenly into " + std::to_string(n.nccl_net_devices) +
              " devices");
  }
  if (!n.socket_link.empty() && n.sockets == 1) r.required("socket_link").fail("socket_link needs sockets > 1");
  r.finish();
  return n;
}

NcclAchieved read_nccl_achieved(const fs::path& file) {
  MapReader r(file.string(), load_yaml_file(file.string()), "");
  NcclAchieved a;
  a.source = SourceLocation{file.string(), 1, 1};
  a.latency_factor = r.positive_number("latency_factor");
  a.pipeline_factor = r.required("pipeline_factor").as_number_at_least(0);
  if (auto v = r.optional("reference_network_latency_s")) a.reference_network_latency_s = v->as_number_at_least(0);
  r.finish();
  return a;
}

GlooFigures read_gloo(const fs::path& file) {
  MapReader r(file.string(), load_yaml_file(file.string()), "");
  GlooFigures g;
  g.source = SourceLocation{file.string(), 1, 1};
  const YamlValue efficiency = r.required("bandwidth_efficiency");
  g.bandwidth_efficiency = efficiency.as_positive_number();
  if (g.bandwidth_efficiency > 1)
    efficiency.fail("must be at most 1 (a fraction of the link's bandwidth), got " + describe(efficiency.node()));
  g.step_latency_s = r.required("step_latency_s").as_number_at_least(0);
  r.finish();
  return g;
}

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

void Catalogue::add(Gpu gpu) {
  const std::string name = gpu.name;
  if (!gpus_.emplace(name, std::move(gpu)).second)
    throw Error(gpus_.at(name).source, "name", "GPU '" + name + "' is defined twice");
}

void Catalogue::add(Link link) {
  const std::string name = link.name;
  if (!links_.emplace(name, std::move(link)).second)
    throw Error(links_.at(name).source, "name", "link '" + name + "' is defined twice");
}

void Catalogue::add(NodePreset node) {
  if (node.host_link.empty()) node.host_link = node.intra_link;
  auto check = [&](const std::string& key, const std::string& value, bool known, auto names) {
    const auto at = node.key_locations.find(key);
    if (!known)
      throw Error(at != node.key_locations.end() ? at->second : node.source, key,
                  "unknown " + key + " '" + value + "'" + suggestion(value, names));
  };
  check("gpu", node.gpu, find_gpu(node.gpu) != nullptr, names_of(gpus_));
  check("intra_link", node.intra_link, find_link(node.intra_link) != nullptr, names_of(links_));
  check("nic_link", node.nic_link, find_link(node.nic_link) != nullptr, names_of(links_));
  check("host_link", node.host_link, find_link(node.host_link) != nullptr, names_of(links_));
  if (node.sockets > 1)
    check("socket_link", node.socket_link, find_link(node.socket_link) != nullptr, names_of(links_));
  if (!node.nic_pcie_link.empty())
    check("nic_pcie_link", node.nic_pcie_link, find_link(node.nic_pcie_link) != nullptr, names_of(links_));
  const std::string name = node.name;
  if (!nodes_.emplace(name, std::move(node)).second)
    throw Error(nodes_.at(name).source, "name", "node preset '" + name + "' is defined twice");
}

Catalogue Catalogue::load(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error("hardware catalogue not found: " + dir);
  Catalogue c;
  for (const auto& f : yaml_files(fs::path(dir) / "gpus")) c.add(read_gpu(f));
  for (const auto& f : yaml_files(fs::path(dir) / "links")) c.add(read_link(f));
  for (const auto& f : yaml_files(fs::path(dir) / "nodes")) c.add(read_node(f));
  if (const auto nccl = fs::path(dir) / "nccl.yaml"; fs::is_regular_file(nccl))
    c.set_nccl_achieved(read_nccl_achieved(nccl));
  if (const auto gloo = fs::path(dir) / "gloo.yaml"; fs::is_regular_file(gloo)) c.set_gloo(read_gloo(gloo));
  return c;
}

std::string Catalogue::default_dir() {
  if (const char* env = std::getenv("DPCAST_HARDWARE_DIR"); env && *env) return env;
  return std::string(DPCAST_SOURCE_DIR) + "/scenarios/hardware";
}

const Catalogue& Catalogue::builtin() {
  static const Catalogue catalogue = load(default_dir());
  return catalogue;
}

const Gpu& Catalogue::gpu(std::string_view name) const {
  return lookup(gpus_, name, "GPU");
}
const Link& Catalogue::link(std::string_view name) const {
  return lookup(links_, name, "link");
}
const NodePreset& Catalogue::node(std::string_view name) const {
  return lookup(nodes_, name, "node preset");
}

const Gpu* Catalogue::find_gpu(std::string_view name) const {
  const auto it = gpus_.find(name);
  return it == gpus_.end() ? nullptr : &it->second;
}
const Link* Catalogue::find_link(std::string_view name) const {
  const auto it = links_.find(name);
  return it == links_.end() ? nullptr : &it->second;
}
const NodePreset* Catalogue::find_node(std::string_view name) const {
  const auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

}  // namespace dpcast::models
