#pragma once
// The hardware catalogue: GPUs, links and node presets, read from scenarios/hardware/
// (one YAML file per entry; adding a GPU is adding a file). All figures in SI units.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/attention_kernel.hpp"
#include "dpcast/models/enum_names.hpp"
#include "dpcast/models/error.hpp"

namespace dpcast::models {

enum class Precision { Fp32, Tf32, Bf16, Fp16 };
template <>
struct EnumNames<Precision> {
  static constexpr std::array<EnumName<Precision>, 4> table{
      {{Precision::Fp32, "fp32"}, {Precision::Tf32, "tf32"}, {Precision::Bf16, "bf16"}, {Precision::Fp16, "fp16"}}};
};
/// Bytes of one activation / 16-bit or 32-bit model weight at this precision.
[[nodiscard]] double bytes_per_element(Precision p);

/// A measured efficiency against a size (FLOP of one matrix product, or bytes one kernel
/// streams), interpolated linearly in log(size) between points and flat beyond the ends.
/// Calibrated profiles carry them (profile.hpp); the catalogue's GPUs have none.
struct EfficiencyCurve {
  std::vector<std::pair<double, double>> points;  // (size, efficiency), sizes increasing
  [[nodiscard]] bool empty() const { return points.empty(); }
  [[nodiscard]] double at(double size) const;
};

/// A FlashAttention kernel's published forward + backward throughput on one GPU (fp16/bf16),
/// by sequence length, for one head dimension with or without a causal mask. FLOP/s counted
/// as FlashAttention's benchmarks count them: 4 s^2 d h per sample forward, halved when
/// causal, backward 2.5x forward (Dao 2023, section 4.1).
struct AttentionThroughput {
  AttentionKernel kernel = AttentionKernel::Flash;
  int head_dim = 0;
  bool causal = false;
  EfficiencyCurve flops_by_seq_len;  // [sequence length, FLOP/s]
};

struct Gpu {
  std::string name;
  std::string description;
  std::map<Precision, double> peak_flops;  // dense matrix FLOP/s per precision
  double vector_flops = 0;                 // non-matrix (element-wise) FLOP/s
  double memory_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;
  double compute_efficiency = 0.6;  // fraction of peak a well-shaped matrix product reaches
  double memory_efficiency = 0.8;   // fraction of memory bandwidth a streaming kernel reaches
  // The SM clock the GPU holds under sustained training load, as a fraction of the clock its
  // matrix figures (compute_efficiency, a profile's curves, the FlashAttention tables) were
  // measured at: short benchmarks run at boost clock, hours of dense products hold the part
  // at its power limit. Slows matrix and vector work alike; memory bandwidth keeps its clock.
  double sustained_clock_ratio = 1.0;
  double reserved_bytes = 0;     // runtime context and allocator overhead
  double launch_overhead_s = 0;  // fixed cost of one kernel (launch + framework dispatch)
  // Time each matrix-product kernel takes beyond its FLOPs at compute_efficiency: filling and
  // draining its pipeline and its last partial wave. With it a small product runs at a lower
  // share of peak than a large one (time = FLOP / (peak x efficiency) + this).
  double matrix_kernel_fixed_s = 0;
  // The device moves and reduces gradient data itself (a CPU worker: MPI copies on its own
  // core), so communication time-shares with computation instead of overlapping it.
  bool communication_uses_compute = false;
  // From a calibrated profile: efficiency of one matrix product by its FLOP, per precision
  // (replaces compute_efficiency for matrix layers), and of one streaming kernel by its bytes
  // (replaces memory_efficiency; may exceed 1 where data fits in cache).
  std::map<Precision, EfficiencyCurve> matrix_efficiency_curve;
  EfficiencyCurve memory_efficiency_curve;
  // From a calibrated profile: layers measured on one worker, by layer_signature()
  // (forward and backward seconds of one pass), which replace the roofline for those layers;
  // and how much slower matrix and streaming work runs when every worker of a node computes
  // at once (CPU cores share caches and memory bandwidth; 1 for devices that share nothing).
  std::map<std::string, std::pair<double, double>> measured_layers;
  double colocated_matrix_slowdown = 1;
  double colocated_streaming_slowdown = 1;
  // Every fused kernel's figures; a kernel without any runs at the matrix efficiency.
  std::vector<AttentionThroughput> flash_attention;
  std::optional<double> price_per_hour;  // one GPU, on demand
  // NVIDIA compute capability x10 (70 V100, 80 A100, 89 L4/L40S, 90 H100/H200): what NCCL's
  // tuning tables are indexed by. 0: not an NVIDIA GPU, so no NCCL (collectives.hpp).
  int compute_capability = 0;
  // Streaming multiprocessors (NVIDIA SMs; 0: not given). A running NCCL collective holds one
  // SM per channel, which matrix kernels overlapping it cannot use (interference.hpp).
  int multiprocessors = 0;
  SourceLocation source;

  /// Matrix peak at `p`; fp32 when the GPU lacks `p` (scenarios reject that case).
  [[nodiscard]] double matrix_peak(Precision p) const;
};

struct Link {
  std::string name;
  std::string description;
  double bandwidth_bytes_per_s = 0;  // per direction
  double latency_s = 0;              // one message, end to end
  // The bandwidth NCCL's topology detection gives this link (NCCL src/graph/topo.h, topo.cc):
  // NVLink links x NCCL's per-link figure of the GPU generation, PCIe width x rate / 80, a
  // NIC's speed / 8. 0: the nominal bandwidth.
  double nccl_bandwidth_bytes_per_s = 0;
  // The bus bandwidth NCCL is measured to reach per such NIC on a large all-reduce across
  // nodes, where that is below what NCCL's model expects of the link (a transport or plugin
  // that does not reach line rate). It caps what NCCL moves through a node's NICs in the
  // achieved costs (sim::nccl_achieved); NCCL's own choice still sees nccl_bandwidth().
  // 0: no cap.
  double nccl_achieved_bandwidth_bytes_per_s = 0;
  // A calibrated profile's (dpcast calibrate --nccl-tests): measured nccl-tests time over
  // dpcast's NCCL time, by message size (bytes). Collectives NCCL runs over this link (the
  // intra-node link on one node, the NIC link across nodes) take their time times it. Empty
  // in the catalogue.
  EfficiencyCurve nccl_time_ratio;
  // The same for the α-β collectives (MPI, Gloo, named algorithms): measured all-reduce time
  // over the α-β ring's with this link's α and β, by size (dpcast calibrate --backend cpu, from
  // the micro-benchmarks' MPI all-reduce). Empty in the catalogue.
  EfficiencyCurve alpha_beta_time_ratio;
  SourceLocation source;

  [[nodiscard]] double nccl_bandwidth() const {
    return nccl_bandwidth_bytes_per_s > 0 ? nccl_bandwidth_bytes_per_s : bandwidth_bytes_per_s;
  }
};

// The host CPU's maker: NCCL's tuning takes its multi-node LL ceiling and its network
// overhead per step from it (tuning.cc: llMaxBws, getNetOverhead).
enum class CpuVendor { Intel, Amd, Arm };
template <>
struct EnumNames<CpuVendor> {
  static constexpr std::array<EnumName<CpuVendor>, 3> table{
      {{CpuVendor::Intel, "intel"}, {CpuVendor::Amd, "amd"}, {CpuVendor::Arm, "arm"}}};
};

enum class IntraFabric { NvSwitch, Pcie, SharedMemory };
template <>
struct EnumNames<IntraFabric> {
  static constexpr std::array<EnumName<IntraFabric>, 3> table{
      {{IntraFabric::NvSwitch, "nvswitch"}, {IntraFabric::Pcie, "pcie"}, {IntraFabric::SharedMemory, "shared-memory"}}};
};

struct NodePreset {
  std::string name;
  std::string description;
  std::string gpu;  // Gpu name
  int gpus_per_node = 1;
  IntraFabric fabric = IntraFabric::NvSwitch;
  std::string intra_link;  // per-GPU link into the intra-node fabric
  int nics = 1;            // network cards per node
  std::string nic_link;    // each NIC's link into the inter-node network
  // PCIe fabric: GPUs (and NICs) spread evenly over PCIe switches; traffic between switches
  // goes up one switch's link to the host (CPU root complex) and down another's.
  int pcie_switches = 1;
  std::string host_link;  // each PCIe switch's uplink to the host (default: intra_link)
  // PCIe fabric: the switches spread evenly over CPU sockets; traffic between switches of
  // different sockets also crosses the inter-socket link (UPI, Infinity Fabric) of that pair.
  int sockets = 1;
  std::string socket_link;  // required with sockets > 1
  CpuVendor cpu_vendor = CpuVendor::Intel;
  // The PCIe link between a GPU (or its switch) and its NIC, which caps what NCCL sends
  // through a NIC (GPU Direct RDMA). Empty: the GPU generation's (PCIe 3 before Ampere, 4 on
  // Ampere and Ada, 5 on Hopper).
  std::string nic_pcie_link;
  // The network devices NCCL sees. A network plugin may group NICs: aws-ofi-nccl's multi-rail
  // (RDMA protocol) exposes one "leader NIC" per GPU whose traffic it spreads over the NICs of
  // its group, so NCCL sees nics / nccl_net_devices NICs as one device of their summed speed.
  // 0: every NIC is its own device.
  int nccl_net_devices = 0;
  SourceLocation source;
  std::map<std::string, SourceLocation> key_locations;  // where gpu and the links were written
};

// What NCCL achieves against its own cost model (scenarios/hardware/nccl.yaml): NCCL's
// tuning model picks algorithms, it does not predict times. Measured nccl-tests tables are
// slower than it at small sizes (more latency) and ramp to their peak bandwidth later (a
// pipeline-fill cost that grows with the square root of the transfer time). Fitted to the
// validation corpus by sim's NcclAchievedFit; without the file, NCCL's model as it is.
struct NcclAchieved {
  double latency_factor = 1.0;   // x NCCL's latency
  double pipeline_factor = 0.0;  // x sqrt(NCCL's latency x transfer time)
  // The network link latency NCCL's per-hop network latencies were tuned on (InfiniBand): a
  // NIC link whose latency is higher adds the difference to every network hop. Unset: none.
  std::optional<double> reference_network_latency_s;
  SourceLocation source;
};

// What Gloo reaches on a link (scenarios/hardware/gloo.yaml): its TCP transport moves data
// through the kernel's sockets and a CPU thread per pair, so it reaches a fraction of the link's
// bandwidth and pays a software cost on every step of its ring on top of the link's latency.
// Measured on Gloo's own benchmark (the file cites the table). MPI takes the links' own
// figures: their latencies and bandwidths are MPI point-to-point ones (OSU). Without the file,
// Gloo costs what MPI does.
struct GlooFigures {
  double bandwidth_efficiency = 1.0;  // x the link's bandwidth
  double step_latency_s = 0.0;        // + the link's latency, per step of an α-β collective
  SourceLocation source;
};

class Catalogue {
 public:
  /// Reads every *.yaml under dir/gpus, dir/links and dir/nodes; throws dpcast::Error
  /// naming the file, line and key of the first problem.
  [[nodiscard]] static Catalogue load(const std::string& dir);
  /// The catalogue shipped in scenarios/hardware (DPCAST_HARDWARE_DIR overrides).
  [[nodiscard]] static const Catalogue& builtin();
  /// Where the built-in catalogue is read from.
  [[nodiscard]] static std::string default_dir();

  [[nodiscard]] const Gpu& gpu(std::string_view name) const;  // throws with a did-you-mean
  [[nodiscard]] const Link& link(std::string_view name) const;
  [[nodiscard]] const NodePreset& node(std::string_view name) const;
  [[nodiscard]] const Gpu* find_gpu(std::string_view name) const;
  [[nodiscard]] const Link* find_link(std::string_view name) const;
  [[nodiscard]] const NodePreset* find_node(std::string_view name) const;

  [[nodiscard]] const std::map<std::string, Gpu, std::less<>>& gpus() const { return gpus_; }
  [[nodiscard]] const std::map<std::string, Link, std::less<>>& links() const { return links_; }
  [[nodiscard]] const std::map<std::string, NodePreset, std::less<>>& nodes() const { return nodes_; }

  void add(Gpu gpu);
  void add(Link link);
  void add(NodePreset node);  // checks its gpu and links exist

  [[nodiscard]] const NcclAchieved& nccl_achieved() const { return nccl_achieved_; }
  void set_nccl_achieved(NcclAchieved figures) { nccl_achieved_ = std::move(figures); }
  [[nodiscard]] const GlooFigures& gloo() const { return gloo_; }
  void set_gloo(GlooFigures figures) { gloo_ = std::move(figures); }

 private:
  std::map<std::string, Gpu, std::less<>> gpus_;
  std::map<std::string, Link, std::less<>> links_;
  std::map<std::string, NodePreset, std::less<>> nodes_;
  NcclAchieved nccl_achieved_;
  GlooFigures gloo_;
};

}  // namespace dpcast::models
