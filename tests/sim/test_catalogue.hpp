#pragma once
// A small hardware catalogue with round numbers, so expected times are hand calculations.
#include "dpcast/models/hardware.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::test_support {

// test-gpu: matrix 100 TFLOP/s (bf16) / 10 TFLOP/s (fp32), vector 10 TFLOP/s, 1 TB/s,
// efficiencies 1, no launch overhead, 80 GB, nothing reserved.
// test-node: 4 GPUs on "fast" links (100 GB/s, 1 us), 4 NICs on "nic" (10 GB/s, 5 us).
inline models::Catalogue test_catalogue() {
  models::Catalogue c;
  models::Gpu g;
  g.name = "test-gpu";
  g.peak_flops = {{models::Precision::Fp32, 10e12}, {models::Precision::Bf16, 100e12}};
  g.vector_flops = 10e12;
  g.memory_bytes = 80e9;
  g.memory_bandwidth_bytes_per_s = 1e12;
  g.compute_efficiency = 1;
  g.memory_efficiency = 1;
  g.price_per_hour = 3.6;
  c.add(g);
  c.add(models::Link{"fast", "", 100e9, 1e-6, 0, 0, {}, {}, {}});
  c.add(models::Link{"nic", "", 10e9, 5e-6, 0, 0, {}, {}, {}});
  c.add(models::Link{"slow", "", 1e9, 20e-6, 0, 0, {}, {}, {}});
  c.add(models::Link{"far", "", 100e9, 1e-3, 0, 0, {}, {}, {}});
  c.add(models::Link{"socket", "", 50e9, 0, 0, 0, {}, {}, {}});
  models::NodePreset n;
  n.name = "test-node";
  n.gpu = "test-gpu";
  n.gpus_per_node = 4;
  n.intra_link = "fast";
  n.nics = 4;
  n.nic_link = "nic";
  c.add(n);
  n.name = "test-node-1nic";  // four GPUs behind one NIC
  n.nics = 1;
  c.add(n);
  n.name = "test-pcie";  // eight GPUs, two under each of four PCIe switches with 100 GB/s uplinks
  n.gpus_per_node = 8;
  n.fabric = models::IntraFabric::Pcie;
  n.pcie_switches = 4;
  n.host_link = "fast";
  c.add(n);
  n.name = "test-pcie-2s";  // the same, its four switches on two sockets joined by 50 GB/s
  n.sockets = 2;
  n.socket_link = "socket";
  c.add(n);
  return c;
}

inline models::Scenario scenario(const std::string& yaml) {
  static const models::Catalogue catalogue = test_catalogue();
  return models::parse_scenarios(yaml, "t.yaml", catalogue).front();
}

}  // namespace dpcast::test_support
