#pragma once
// Raw micro-benchmarks for calibration (`dpcast calibrate` fits them): the backend's matrix
// products at the shapes the zoo MLP and small GPTs use plus a square grid, each non-matrix
// kernel the executor runs over a range of sizes, and the all-reduce the trainer uses over a
// range of sizes. Every figure is the median of several timed repetitions after a warm-up,
// timed with the device's clock through the same Kernels and Communicator calls the trainer
// makes. Backend-neutral: a CUDA backend measures itself with the same code. Repetitions are
// queued back to back with a mark between each (on a GPU the host runs ahead, as in training,
// so a figure is the kernel's time on the device without the host's launch latency).
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/run_record.hpp"
#include "dpcast/real/communicator.hpp"
#include "dpcast/real/device.hpp"
#include "dpcast/real/kernels.hpp"

namespace dpcast::real {

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  std::string source;  // "mlp fc1 forward", "square 256"
};

/// The matrix products of training `graph` at `micro_batch`: each linear layer's forward
/// (x W^T), input gradient (dy W) and weight gradient (dy^T x), and attention's four
/// per-head products; shapes that repeat appear once.
[[nodiscard]] std::vector<GemmShape> training_gemms(const models::ModelGraph& graph, std::int64_t micro_batch,
                                                    const std::string& label);

struct MicrobenchOptions {
  /// Sizes in bytes of the element-wise operands and the all-reduces; empty: the defaults,
  /// 4 KiB to 64 MiB (element-wise) and 1 KiB to 256 MiB (all-reduce), by powers of 4.
  std::vector<double> sizes;
  /// GEMM shapes to time (besides the square grid 32, 64, ..., 2048 when `square_grid`).
  std::vector<GemmShape> gemms;
  bool square_grid = true;
  int min_repetitions = 5;
  double min_seconds = 0.02;  // keep repeating (up to max_repetitions) until this much time is measured
  int max_repetitions = 50;
  /// Matrix products and element-wise kernels are timed on rank 0 alone, the other ranks idle
  /// (as when one rank trains: "seconds"), then, with several ranks, on every rank at once
  /// ("seconds_together": ranks sharing a machine share its caches and memory bandwidth);
  /// with this, only alone. The all-reduces always run on every rank.
  bool compute_on_lead_only = false;
  /// Time every matrix product once per precision: its name ("fp32", "tf32", "bf16", "fp16")
  /// and what switches the kernels to it; each gemm entry then carries "precision". Empty:
  /// one pass at the kernels' own precision and no "precision" field (the CPU's fp32).
  std::vector<std::pair<std::string, std::function<void()>>> precisions;
};

/// Runs the micro-benchmarks (see MicrobenchOptions; rank 0's figures are kept) and returns,
/// on rank 0, the raw JSON: {"kind": "microbench", "backend", "host", "threads", "ranks",
/// "gemm": [...], "elementwise": [...], "allreduce": [...]}.
[[nodiscard]] models::Json run_microbench(Device& device, Kernels& kernels, Communicator& comm, int threads,
                                          const MicrobenchOptions& options);

/// The all-reduce figures of a raw result as nccl-tests prints them: size, count, type, redop,
/// time (us), algbw = bytes / time and busbw = algbw x 2(n-1)/n (GB/s), one line per size
/// after two header lines; empty when there are none.
[[nodiscard]] std::string allreduce_table(const models::Json& raw);

}  // namespace dpcast::real
