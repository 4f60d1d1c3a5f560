#pragma once
// Time of one layer pass on one GPU: a roofline with efficiencies.
//   time = launch overhead + max(Σ matrix products' FLOP / (peak x efficiency) + fixed time,
//                                bytes / (memory bandwidth x memory efficiency))
// Each matrix kernel takes a fixed time beyond its FLOPs (matrix_kernel_fixed_s: pipeline fill
// and drain, the last partial wave), so small products reach a lower share of peak.
// Matrix layers use the precision's matrix peak (tensor cores); element-wise layers the
// vector peak. Efficiencies come from the hardware entry, or from a calibrated profile's
// curves: a matrix product's efficiency by its own FLOP (a Linear's backward is two products,
// input and weight gradient, each at its size; attention is two batched products per head
// and sample), a streaming kernel's by the bytes it moves; and a layer the profile measured
// (same kind, shapes, micro-batch and precision) takes its measured time. Workers sharing a
// node (CPU cores) run slower by the profile's colocated slowdowns when all compute at once.
// Flash attention runs at the GPU's published FlashAttention throughput where the catalogue
// has it (by head dimension, sequence length and causal mask; fp16/bf16). Eager attention
// runs as PyTorch runs it, one kernel after another (eager_attention).
// Convolutions in NCHW on tensor cores also pay cuDNN's transposes to NHWC and back
// (layout_transposes; none with training.memory_format: channels_last, nor on CUDA cores).
// RMSNorm and the rotary embedding run as eager PyTorch runs the Python that Llama-family
// code writes for them, a chain of kernels in fp32, unless fused (training.fused_kernels or
// training.execution: compiled): eager_rmsnorm, rotary.
// BatchNorm in training is two kernels each way, as a batch statistic must be complete before
// any element is normalised: batch_norm.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/layer.hpp"
#include "dpcast/models/model_graph.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::sim {

struct PassTime {
  double forward_s = 0;
  double backward_s = 0;
};

/// What a BatchNorm's kernels also do (training.fused_kernels: [batchnorm]): apply the ReLU
/// after it, or add the residual and apply the ReLU (cuDNN's fused BN-ReLU, BN-add-ReLU).
enum class BatchNormFusion { None, Relu, AddRelu };

class ComputeModel {
 public:
  /// `colocated`: every worker of a node computes at once (more than one per node); a
  /// calibrated profile's colocated slowdowns then apply (CPU cores sharing memory).
  /// `memory_format`: how convolution activations are laid out (training.memory_format).
  /// `fused`: the composite operators that run as one kernel (TrainingSpec::fused()); the
  /// others run as eager PyTorch runs them, one kernel per operator.
  ComputeModel(const models::Gpu& gpu, models::Precision precision, bool colocated = false,
               models::MemoryFormat memory_format = models::MemoryFormat::Nchw,
               const std::set<models::FusedKernel>& fused = {});

  /// Roofline time of `flops` and `bytes` on the matrix or vector units, plus the launch
  /// overhead; matrix work is `products` equal matrix products.
  [[nodiscard]] double time(double flops, double bytes, bool matrix, double products = 1) const;
  /// One layer's forward and backward for a micro-batch of `micro_batch` samples.
  [[nodiscard]] PassTime layer(const models::LayerCost& cost, const models::Layer& layer, std::int64_t micro_batch,
                               BatchNormFusion fusion = BatchNormFusion::None) const;
  /// Time for `kernels` equal kernels that together stream `bytes` through memory (optimizer steps).
  [[nodiscard]] double streaming(double bytes, double kernels = 1) const;

  [[nodiscard]] double matrix_peak() const { return matrix_peak_; }

 private:
  [[nodiscard]] PassTime roofline(const models::LayerCost& cost, const models::Layer& layer, BatchNormFusion fusion,
                                  std::int64_t micro_batch) const;
  [[nodiscard]] PassTime layout_transposes(const models::Layer& layer, std::int64_t micro_batch) const;
  [[nodiscard]] std::optional<PassTime> flash_attention(const models::Layer& layer, std::int64_t micro_batch) const;
  [[nodiscard]] PassTime eager_attention(const models::Layer& layer, std::int64_t micro_batch) const;
  [[nodiscard]] PassTime attention(const models::LayerCost& cost, const models::Layer& layer,
                                   std::int64_t micro_batch) const;
  [[nodiscard]] PassTime eager_rmsnorm(const models::Layer& layer, std::int64_t micro_batch) const;
  [[nodiscard]] PassTime rotary(const models::Layer& layer, std::int64_t micro_batch) const;
  [[nodiscard]] PassTime batch_norm(const models::LayerCost& cost, const models::Layer& layer, std::int64_t micro_batch,
                                    BatchNormFusion fusion) const;
  // Bytes a cast of `elements` activations to fp32 (or back) moves; 0 when they are fp32.
  [[nodiscard]] double fp32_cast_bytes(double elements) const;
  // Kernels that only stream memory, `bytes` each: their launches and traffic.
  [[nodiscard]] double streaming_kernels(std::initializer_list<double> bytes) const;
  // Seconds of `flops` of matrix work in `products` equal products; of `bytes` streamed.
  [[nodiscard]] double matrix_seconds(double flops, double products) const;
  [[nodiscard]] double memory_seconds(double bytes) const;

  double matrix_rate_;  // achievable FLOP/s
  double vector_rate_;
  double memory_rate_;  // achievable bytes/s
  double launch_s_;
  double matrix_fixed_s_;                 // each matrix kernel's fixed time (catalogue matrix_kernel_fixed_s)
  double matrix_peak_;                    // at the sustained clock
  double clock_ratio_;                    // the catalogue's sustained_clock_ratio
  models::EfficiencyCurve matrix_curve_;  // from a profile: by one product's FLOP
  models::EfficiencyCurve memory_curve_;  // from a profile: by one kernel's bytes
  double memory_bandwidth_;
  models::Precision precision_;
  const std::map<std::string, std::pair<double, double>>* measured_;  // from a profile, by layer_signature
  double matrix_slowdown_ = 1;                                        // colocated workers (from a profile)
  double streaming_slowdown_ = 1;
  bool nchw_on_tensor_cores_ = false;                                // convolutions transpose to NHWC and back
  bool fused_rmsnorm_ = false;                                       // RMSNorm is one kernel each way
  bool fused_rotary_ = false;                                        // the rotary embedding is one kernel
  const std::vector<models::AttentionThroughput>* flash_attention_;  // the GPU's published FlashAttention figures
};

/// Forward and backward time of every layer of `graph` (indexed by LayerId) for the
/// scenario's micro-batch and precision; with activation checkpointing a block's backward
/// also runs its forward again. Both engines time compute with this.
[[nodiscard]] std::vector<PassTime> layer_times(const ComputeModel& compute, const models::ModelGraph& graph,
                                                const models::TrainingSpec& training);

/// Parameter tensors of `graph` that an optimizer updates: each layer's weight, and its bias
/// or shift where it has one; a tied weight once.
[[nodiscard]] double parameter_tensors(const models::ModelGraph& graph);

/// One optimizer step over `params` parameters held in `tensors` tensors, as PyTorch runs it
/// (training.optimizer_implementation): the bytes it streams through memory and its kernel
/// launches. Fused, Adam reads gradient, weights, m and v and writes weights, m and v (28 B per
/// parameter in fp32; in mixed precision the 16-bit gradient read and 16-bit weight copy
/// replace fp32 ones, also 28 B); SGD with momentum 20 B. foreach and for-loop take 80 B in 8
/// kernels (AdamW) and 44 B in 4 (SGD); the for-loop launches each kernel once per tensor.
[[nodiscard]] double optimizer_time(const ComputeModel& compute, double params, double tensors,
                                    models::Optimizer optimizer, models::OptimizerImplementation implementation);

/// Data parallelism's two gradient copies (data_parallel.gradient_copies): into the buckets
/// during the syncing backward and, after the last collective, the reduced buckets back into
/// the gradients, before the optimizer. Each reads and writes every gradient once: PyTorch DDP
/// (per-tensor) in a kernel per parameter tensor, Horovod (batched) in a kernel per 160.
/// 0 on one GPU, under ZeRO, with a parameter server or with none (gradient_as_bucket_view).
[[nodiscard]] double gradient_copies_time(const ComputeModel& compute, const models::ModelGraph& graph,
                                          const models::Scenario& s);

}  // namespace dpcast::sim
