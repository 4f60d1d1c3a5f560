#include "dpcast/sim/compute_model.hpp"

#include "dpcast/models/error.hpp"
#include "dpcast/models/profile.hpp"
#include "dpcast/sim/memory_model.hpp"

#include <algorithm>
#include <cmath>

namespace dpcast::sim {

ComputeModel::ComputeModel(const models::Gpu& gpu, models::Precision precision, bool colocated,
                           models::MemoryFormat memory_format, const std::set<models::FusedKernel>& fused)
    : matrix_rate_(gpu.matrix_peak(precision) * gpu.compute_efficiency * gpu.sustained_clock_ratio),
      vector_rate_(gpu.vector_flops * gpu.compute_efficiency * gpu.sustained_clock_ratio),
      memory_rate_(gpu.memory_bandwidth_bytes_per_s * gpu.memory_efficiency),
      launch_s_(gpu.launch_overhead_s),
      matrix_fixed_s_(gpu.matrix_kernel_fixed_s),
      matrix_peak_(gpu.matrix_peak(precision) * gpu.sustained_clock_ratio),
      clock_ratio_(gpu.sustained_clock_ratio),
      memory_curve_(gpu.memory_efficiency_curve),
      memory_bandwidth_(gpu.memory_bandwidth_bytes_per_s),
      precision_(precision),
      measured_(&gpu.measured_layers),
      matrix_slowdown_(colocated ? gpu.colocated_matrix_slowdown : 1.0),
      streaming_slowdown_(colocated ? gpu.colocated_streaming_slowdown : 1.0),
      // Matrix units faster than the vector units at this precision: tensor cores.
      nchw_on_tensor_cores_(memory_format == models::MemoryFormat::Nchw &&
                            gpu.matrix_peak(precision) > gpu.vector_flops),
      fused_rmsnorm_(fused.count(models::FusedKernel::RmsNorm) > 0),
      fused_rotary_(fused.count(models::FusedKernel::Rotary) > 0),
      flash_attention_(&gpu.flash_attention) {
  if (const auto it = gpu.matrix_efficiency_curve.find(precision); it != gpu.matrix_efficiency_curve.end())
    matrix_curve_ = it->second;
  // Every time is work / rate: the catalogue reader rejects a zero figure, a GPU built in code must too.
  DPCAST_ASSERT(matrix_rate_ > 0 && vector_rate_ > 0 && memory_rate_ > 0,
                "GPU '" + gpu.name + "' has a zero peak, bandwidth or efficiency");
}

// One matrix kernel: its FLOPs at the large-product rate plus the kernel's fixed time (the
// catalogue's fit to measured per-shape GEMM times); a profile's curve, measured by product
// size, already holds both.
double ComputeModel::matrix_seconds(double flops, double products) const {
  if (flops <= 0) return 0;
  if (matrix_curve_.empty()) return flops / matrix_rate_ + matrix_fixed_s_;
  return flops / (matrix_peak_ * matrix_curve_.at(flops / std::max(1.0, products)));
}

double ComputeModel::memory_seconds(double bytes) const {
  if (bytes <= 0) return 0;
  if (memory_curve_.empty()) return bytes / memory_rate_;
  return bytes / (memory_bandwidth_ * memory_curve_.at(bytes));
}

double ComputeModel::time(double flops, double bytes, bool matrix, double products) const {
  if (flops <= 0 && bytes <= 0) return 0;
  return launch_s_ + std::max(matrix ? matrix_seconds(flops, products) : flops / vector_rate_, memory_seconds(bytes));
}

PassTime ComputeModel::layer(const models::LayerCost& c, const models::Layer& layer, std::int64_t micro_batch,
                             BatchNormFusion fusion) const {
  PassTime t = roofline(c, layer, fusion, micro_batch);
  if (!measured_->empty()) {
    const auto it = measured_->find(models::layer_signature(layer, micro_batch, precision_));
    if (it != measured_->end()) t = {it->second.first, it->second.second};
  }
  const double slowdown = models::is_matrix_layer(layer.kind) ? matrix_slowdown_ : streaming_slowdown_;
  return {t.forward_s * slowdown, t.backward_s * slowdown};
}

PassTime ComputeModel::roofline(const models::LayerCost& c, const models::Layer& layer, BatchNormFusion fusion,
                                std::int64_t micro_batch) const {
  if (layer.kind == models::LayerKind::RmsNorm && !fused_rmsnorm_ && !layer.input_shape.empty())
    return eager_rmsnorm(layer, micro_batch);
  if (layer.kind == models::LayerKind::BatchNorm && !layer.input_shape.empty())
    return batch_norm(c, layer, micro_batch, fusion);
  if (!models::is_matrix_layer(layer.kind))
    return {time(c.forward_flops, c.forward_bytes, false), time(c.backward_flops(), c.backward_bytes, false)};
  if (layer.kind == models::LayerKind::Attention) {
    const PassTime core = attention(c, layer, micro_batch);
    const PassTime rotation = rotary(layer, micro_batch);
    return {core.forward_s + rotation.forward_s, core.backward_s + rotation.backward_s};
  }
  // Linear and convolution: one product forward; backward the input and the weight gradient.
  const double backward = matrix_seconds(c.backward_input_flops, 1) + matrix_seconds(c.backward_weight_flops, 1);
  const double backward_s = c.backward_flops() <= 0 && c.backward_bytes <= 0
                                ? 0
                                : launch_s_ + std::max(backward, memory_seconds(c.backward_bytes));
  const PassTime transposes = layout_transposes(layer, micro_batch);
  return {time(c.forward_flops, c.forward_bytes, true) + transposes.forward_s, backward_s + transposes.backward_s};
}

PassTime ComputeModel::attention(const models::LayerCost& c, const models::Layer& layer,
                                 std::int64_t micro_batch) const {
  if (const auto flash = flash_attention(layer, micro_batch)) return *flash;
  if (!layer.flash() && layer.heads > 0 && layer.head_dim > 0 && !layer.input_shape.empty())
    return eager_attention(layer, micro_batch);
  // Scores and values: two products per head and sample, forward; backward's are twice as many.
  const double products = 2.0 * std::max<std::int64_t>(1, layer.heads) * static_cast<double>(micro_batch);
  return {time(c.forward_flops, c.forward_bytes, true, products),
          time(c.backward_flops(), c.backward_bytes, true, 2 * products)};
}

double ComputeModel::streaming_kernels(std::initializer_list<double> bytes) const {
  double t = 0;
  for (const double b : bytes) t += time(0, b, false);
  return t;
}

// RMSNorm as Llama-family code writes it in Python (Meta's reference model, torchtitan's
// RMSNorm, IBM's fms): output = (x.float() * rsqrt(x.float().pow(2).mean(-1) + eps)).type_as(x)
// * weight. Eager PyTorch runs each operator as its own kernel through memory, in fp32
// (f = 4 bytes) between the casts from and back to the activations' e bytes (no casts when
// they are fp32 already); per element of the input:
//   forward:  cast (e+f), pow (2f), mean (f), x * rsqrt (2f), cast back (f+e), * weight (2e),
//             and rsqrt(mean + eps), two kernels on one value per row;
//   backward: * weight's input gradient (2e) and weight gradient (product 3e, sum over the
//             tokens e), the cast's (e+f), x * rsqrt's two gradients (2f; product 3f, sum over
//             the row f), mean's (f), pow's (3f), the sum of x's two gradients (3f), the first
//             cast's (f+e), and the per-row kernels.
// A fused kernel (training.fused_kernels: [rmsnorm], or compiled) reads and writes once.
namespace {
constexpr double kFp32Bytes = 4;
}  // namespace

double ComputeModel::fp32_cast_bytes(double elements) const {
  const double e = models::bytes_per_element(precision_);
  return e == kFp32Bytes ? 0 : elements * (e + kFp32Bytes);
}

PassTime ComputeModel::eager_rmsnorm(const models::Layer& layer, std::int64_t micro_batch) const {
  const double n = static_cast<double>(models::elements(layer.input_shape)) * static_cast<double>(micro_batch);
  const double e = models::bytes_per_element(precision_);
  const double f = kFp32Bytes;
  const double cast = fp32_cast_bytes(n);
  const double row = time(0, 2 * n / static_cast<double>(layer.input_shape.back()) * f, false);
  const double forward = streaming_kernels({cast, 2 * n * f, n * f, 2 * n * f, cast, 2 * n * e}) + 2 * row;
  const double backward = streaming_kernels({2 * n * e, 3 * n * e, n * e, cast, 2 * n * f, 3 * n * f, n * f, n * f,
                                             3 * n * f, 3 * n * f, cast}) +
                          2 * row;
  return {forward, backward};
}

// BatchNorm in training normalises each channel by its mean and variance over the whole batch
// (and the image), so the statistics must be complete before the first element is normalised:
// one kernel reads the input to reduce it, a second reads it again and writes the output
// (PyTorch's CUDA kernels batch_norm_collect_statistics and batch_norm_transform_input,
// aten/src/ATen/native/cuda/Normalization.cuh). Backward likewise needs the sums of dy and
// dy * x-hat first: batch_norm_backward_reduce reads the input and dy, then
// batch_norm_backward_elemt reads both again and writes dx. Per element of e bytes: 3e
// forward in two kernels, 5e backward in two, where one pass would move 2e and 4e. A
// channel's slice (batch x height x width) is far larger than an SM's memory at training
// batch sizes, so no kernel keeps it on chip between the passes. The arithmetic is split
// evenly between the two kernels (it only matters where the vector rate binds, on CPUs).
// Fused with the ReLU after it, the second forward kernel applies the ReLU as it writes, and
// each backward kernel also reads the output to mask dy (+e each); with the residual add, the
// second forward kernel also reads the residual and the last backward one writes its gradient
// (+e each way). The ReLU and add layers then cost nothing of their own (layer_times).
PassTime ComputeModel::batch_norm(const models::LayerCost& c, const models::Layer& layer, std::int64_t micro_batch,
                                  BatchNormFusion fusion) const {
  const double n = static_cast<double>(models::elements(layer.input_shape)) * static_cast<double>(micro_batch);
  const double e = models::bytes_per_element(precision_);
  const double mask = fusion == BatchNormFusion::None ? 0 : n * e;
  const double residual = fusion == BatchNormFusion::AddRelu ? n * e : 0;
  const double forward = c.forward_flops / 2;
  const double backward = c.backward_flops() / 2;
  return {time(forward, n * e, false) + time(forward, 2 * n * e + residual, false),
          time(backward, 2 * n * e + mask, false) + time(backward, 3 * n * e + mask + residual, false)};
}

// The rotary embedding of queries and keys, inside the attention layer. Eager, as Meta's
// reference Llama and torchtitan write it (apply_rotary_emb): each of Q and K is cast to fp32,
// multiplied as complex numbers by the position's rotation and cast back, three kernels
// (e+f, 2f, f+e bytes per element); backward the same three. Fused (flash-attn's
// apply_rotary, or compiled) it is one kernel reading and writing each tensor.
PassTime ComputeModel::rotary(const models::Layer& layer, std::int64_t micro_batch) const {
  if (!layer.rotary || layer.input_shape.empty()) return {};
  const double tokens = static_cast<double>(layer.input_shape.front()) * static_cast<double>(micro_batch);
  const double e = models::bytes_per_element(precision_);
  double pass = 0;
  for (const auto heads : {layer.heads, layer.kv_heads > 0 ? layer.kv_heads : layer.heads}) {
    const double n = tokens * static_cast<double>(heads * layer.head_dim);
    pass += fused_rotary_ ? time(0, 2 * n * e, false)
                          : streaming_kernels({fp32_cast_bytes(n), 2 * n * kFp32Bytes, fp32_cast_bytes(n)});
  }
  return {pass, pass};
}

namespace {
// FLOP/s of `head_dim` from the curves of one kernel and mask kind: interpolated linearly between the
// nearest head dimensions published, the nearest one beyond them; 0 when there is none.
double attention_rate(const std::vector<models::AttentionThroughput>& table, models::AttentionKernel kernel,
                      std::int64_t head_dim, bool causal, double seq_len) {
  const models::AttentionThroughput* below = nullptr;
  const models::AttentionThroughput* above = nullptr;
  for (const auto& t : table) {
    if (t.kernel != kernel || t.causal != causal) continue;
    if (t.head_dim <= head_dim && (!below || t.head_dim > below->head_dim)) below = &t;
    if (t.head_dim >= head_dim && (!above || t.head_dim < above->head_dim)) above = &t;
  }
  if (!below && !above) return 0;
  if (!below || !above || below == above) return (below ? below : above)->flops_by_seq_len.at(seq_len);
  const double f = static_cast<double>(head_dim - below->head_dim) / (above->head_dim - below->head_dim);
  return (1 - f) * below->flops_by_seq_len.at(seq_len) + f * above->flops_by_seq_len.at(seq_len);
}
}  // namespace

// A FlashAttention kernel at its published throughput: FLOPs counted as its benchmarks count
// them (4 s^2 d h per sample, halved under a causal mask, whose masked half it skips; backward
// 2.5x forward, Q K^T recomputed), over the GPU's figure for this head dimension, sequence
// length and mask, at the clock the GPU sustains in training (the figures are benchmarks').
// None for eager attention, 32-bit precisions or a GPU without figures for the kernel (which
// then runs at the matrix efficiency).
std::optional<PassTime> ComputeModel::flash_attention(const models::Layer& layer, std::int64_t micro_batch) const {
  if (!layer.flash() || flash_attention_->empty() ||
      (precision_ != models::Precision::Bf16 && precision_ != models::Precision::Fp16) || layer.input_shape.empty())
    return std::nullopt;
  const auto s = static_cast<double>(layer.input_shape.front());
  const double rate = attention_rate(*flash_attention_, layer.kernel, layer.head_dim, layer.causal, s) * clock_ratio_;
  if (!(rate > 0)) return std::nullopt;
  const double forward_flops = 4.0 * s * s * static_cast<double>(layer.head_dim * layer.heads) *
                               static_cast<double>(micro_batch) * (layer.causal ? 0.5 : 1.0);
  return PassTime{launch_s_ + forward_flops / rate, launch_s_ + 2.5 * forward_flops / rate};
}

// Eager attention as PyTorch code writes it (Hugging Face's BertSelfAttention and GPT-2
// attention, nanoGPT's and minGPT's non-flash path): one kernel after another, each timed as a
// roofline of its own FLOPs and bytes, so that the s^2 scores cross memory once per kernel.
//   forward:  Q, K and V are views of the projections' (batch, seq, heads, head_dim) output;
//             the batched product wants (batch x heads, seq, head_dim), so torch.matmul
//             copies each (reads and writes it), and the context comes back to (batch, seq,
//             hidden) through one more copy (.transpose(1, 2).contiguous());
//             scores = Q K^T (a batched GEMM per head; writes the scores), the scale 1/sqrt(d)
//             as a kernel of its own (reads, writes), + mask (causal or padding: reads and
//             writes them), softmax (reads, writes), dropout if any (reads, writes, writes a
//             1-byte mask), P V (reads the probabilities);
//   backward: the four copies' gradients (each read and written), dP = dO V^T (writes),
//             dV = P^T dO (reads P), dropout's (reads the gradient and the mask, writes),
//             softmax backward (reads P and dP, writes dS), the scale's (reads, writes),
//             dQ = dS K and dK = dS^T Q (each reads dS); the mask passes the gradient through.
// Each GEMM is one product per head and sample of 2 s^2 d FLOP, with k = d (64-128) or an s^2
// operand: its tiles run a main loop of a few k-steps and then write (or have first read) a
// tile of scores, so compute and the scores' traffic hardly overlap: the GEMM takes the sum
// of the two, not the larger. Against the measured chain (the FlashAttention-2 paper's
// PyTorch bars, test EagerAttentionAgainstThePublishedPytorchBaseline) per-kernel rooflines
// were 42% fast, the sum 27.6%, the copies 21.8% (they weigh d/s against the scores: most at
// short sequences, where the error was largest); the test pins what is left.
PassTime ComputeModel::eager_attention(const models::Layer& layer, std::int64_t micro_batch) const {
  const auto mb = static_cast<double>(micro_batch);
  const auto s = static_cast<double>(layer.input_shape.front());
  const auto heads = static_cast<double>(layer.heads);
  const double e = models::bytes_per_element(precision_);
  const double scores = s * s * heads * mb * e;                                         // one pass over them
  const double head_tensor = s * static_cast<double>(layer.head_dim) * heads * mb * e;  // Q, K, V or O
  const double gemm_flops = 2.0 * s * s * static_cast<double>(layer.head_dim) * heads * mb;
  const double products = heads * mb;
  const double softmax_flops = 5.0 * s * s * heads * mb;
  const bool masked = layer.causal || layer.padding_mask;
  const double copies = 4 * time(0, 2 * head_tensor, false);
  const double pass_over_scores = time(0, 2 * scores, false);  // one element-wise kernel: read, write
  const double scale = pass_over_scores;
  const double mask = masked ? pass_over_scores : 0;
  const double dropout = layer.dropout > 0 ? time(0, 2 * scores + scores / e, false) : 0;
  auto gemm = [&](double bytes) { return launch_s_ + matrix_seconds(gemm_flops, products) + memory_seconds(bytes); };
  const double forward = copies + gemm(2 * head_tensor + scores) + scale + mask +
                         time(softmax_flops, 2 * scores, false) + dropout + gemm(scores + 2 * head_tensor);
  const double backward = copies + gemm(2 * head_tensor + scores) + gemm(scores + 2 * head_tensor) + dropout +
                          time(2 * softmax_flops, 3 * scores, false) + scale + 2 * gemm(scores + 2 * head_tensor);
  return {forward, backward};
}

// Tensor cores convolve in NHWC; given NCHW tensors, cuDNN transposes them there and back
// around each convolution (cuDNN documentation, "Tensor Transformations"; MosaicML Composer's
// Channels Last method card: "Every time a convolution operation is called ..., the cuDNN
// library performs a transpose to convert the tensor into NHWC format"). Forward: the input
// in, the output back; backward: the output gradient in and the input gradient back for the
// data gradient, the input and output gradient again for the weight gradient. Each transpose
// is its own kernel, reading and writing its tensor once.
PassTime ComputeModel::layout_transposes(const models::Layer& layer, std::int64_t micro_batch) const {
  if (!nchw_on_tensor_cores_ || layer.kind != models::LayerKind::Conv2d) return {};
  const double pair = static_cast<double>(models::elements(layer.input_shape) + models::elements(layer.output_shape)) *
                      static_cast<double>(micro_batch) * models::bytes_per_element(precision_);
  const double forward = 2 * launch_s_ + memory_seconds(2 * pair);  // read and write both tensors
  return {forward, 2 * forward};
}

double ComputeModel::streaming(double bytes, double kernels) const {
  return bytes > 0 && kernels > 0 ? kernels * (launch_s_ + memory_seconds(bytes / kernels)) * streaming_slowdown_ : 0;
}

namespace {
// The only consumer of `id`, if it has exactly one.
std::optional<models::LayerId> only_consumer(const models::ModelGraph& graph, models::LayerId id) {
  const auto& g = graph.graph();
  if (boost::out_degree(id, g) != 1) return std::nullopt;
  return boost::target(*boost::out_edges(id, g).first, g);
}

bool is_pointwise(models::LayerKind kind) {
  using K = models::LayerKind;
  return kind == K::Add || kind == K::Multiply || kind == K::Relu || kind == K::Gelu || kind == K::Silu ||
         kind == K::Dropout;
}

// torch.compile (Inductor) fuses a point-wise operator into the one point-wise operator that
// consumes its output: the intermediate tensor is neither written nor read back, in forward
// nor (its gradient) in backward. Takes those bytes from both layers' costs.
void fuse_pointwise_chains(const models::ModelGraph& graph, const models::TrainingSpec& training,
                           std::vector<models::LayerCost>& costs) {
  for (models::LayerId id = 0; id < graph.size(); ++id) {
    if (!is_pointwise(graph.layer(id).kind)) continue;
    const auto consumer = only_consumer(graph, id);
    if (!consumer || !is_pointwise(graph.layer(*consumer).kind)) continue;
    const double tensor = static_cast<double>(models::elements(graph.layer(id).output_shape)) *
                          static_cast<double>(training.micro_batch) * models::bytes_per_element(training.precision);
    for (auto* c : {&costs[id], &costs[*consumer]}) {
      c->forward_bytes = std::max(0.0, c->forward_bytes - tensor);
      c->backward_bytes = std::max(0.0, c->backward_bytes - tensor);
    }
  }
}

// training.fused_kernels: [batchnorm]: each BatchNorm whose only consumer is a ReLU, or an add
// whose only consumer is a ReLU, runs them in its own kernels (cuDNN's fused BN-ReLU and
// BN-add-ReLU); an add takes one BatchNorm (the first), the residual. Returns each layer's
// fusion, and marks the layers folded into a BatchNorm.
std::vector<BatchNormFusion> fuse_batch_norms(const models::ModelGraph& graph, std::vector<bool>& folded) {
  using K = models::LayerKind;
  std::vector<BatchNormFusion> fusion(graph.size(), BatchNormFusion::None);
  for (models::LayerId id = 0; id < graph.size(); ++id) {
    if (graph.layer(id).kind != K::BatchNorm) continue;
    const auto next = only_consumer(graph, id);
    if (!next || folded[*next]) continue;
    if (graph.layer(*next).kind == K::Relu) {
      fusion[id] = BatchNormFusion::Relu;
      folded[*next] = true;
    } else if (graph.layer(*next).kind == K::Add) {
      const auto relu = only_consumer(graph, *next);
      if (!relu || graph.layer(*relu).kind != K::Relu || folded[*relu]) continue;
      fusion[id] = BatchNormFusion::AddRelu;
      folded[*next] = folded[*relu] = true;
    }
  }
  return fusion;
}
}  // namespace

std::vector<PassTime> layer_times(const ComputeModel& compute, const models::ModelGraph& graph,
                                  const models::TrainingSpec& training) {
  const double bytes = models::bytes_per_element(training.precision);
  std::vector<models::LayerCost> costs(graph.size());
  for (models::LayerId id = 0; id < graph.size(); ++id)
    costs[id] = graph.layer(id).cost(training.micro_batch, bytes, bytes);
  if (training.execution == models::Execution::Compiled) fuse_pointwise_chains(graph, training, costs);
  std::vector<bool> folded(graph.size(), false);
  const std::vector<BatchNormFusion> fusion = training.fused().count(models::FusedKernel::BatchNorm) > 0
                                                  ? fuse_batch_norms(graph, folded)
                                                  : std::vector<BatchNormFusion>(graph.size(), BatchNormFusion::None);
  std::vector<PassTime> times(graph.size());
  for (models::LayerId id = 0; id < graph.size(); ++id) {
    const auto& layer = graph.layer(id);
    if (folded[id]) continue;  // run inside a BatchNorm's kernels
    times[id] = compute.layer(costs[id], layer, training.micro_batch, fusion[id]);
    if (training.activation_checkpointing && layer.block >= 0) times[id].backward_s += times[id].forward_s;
  }
  return times;
}

double parameter_tensors(const models::ModelGraph& graph) {
  double tensors = 0;
  for (models::LayerId id = 0; id < graph.size(); ++id)
    if (graph.owned_params(id) > 0) tensors += graph.layer(id).bias ? 2 : 1;
  return tensors;
}

// The optimizer step as PyTorch's torch/optim/adamw.py and sgd.py write it, per fp32 element:
//   AdamW, foreach (_multi_tensor_adamw) or for-loop (_single_tensor_adamw), 8 kernels:
//     p *= 1 - lr wd (8 B), m.lerp_(g, 1 - beta1) (12), v *= beta2 (8), v.addcmul_(g, g) (12),
//     s = sqrt(v) (8), s /= sqrt(bias correction) (8), s += eps (8), p.addcdiv_(m, s) (16): 80 B;
//   SGD with momentum and weight decay, 4 kernels: g += wd p (12), buf *= momentum (8),
//     buf += g (12), p -= lr buf (12): 44 B;
//   fused (fused=True, apex's FusedAdam): one kernel reads p, g and the states and writes p and
//     the states: 28 B (AdamW), 20 B (SGD).
// foreach and fused kernels walk every tensor at once, in launches of at most 320 blocks of
// 65,536 elements (ATen's multi_tensor_apply); a for-loop launches each kernel per tensor.
double optimizer_time(const ComputeModel& compute, double params, double tensors, models::Optimizer optimizer,
                      models::OptimizerImplementation implementation) {
  using Impl = models::OptimizerImplementation;
  constexpr double kElementsPerLaunch = 320.0 * 65536.0;
  const bool adam = optimizer == models::Optimizer::Adam;
  if (implementation == Impl::Fused)
    return compute.streaming(params * (adam ? 28.0 : 20.0), std::ceil(params / kElementsPerLaunch));
  const double bytes = params * (adam ? 80.0 : 44.0);
  const double kernels = adam ? 8 : 4;
  const double launches =
      implementation == Impl::ForLoop ? std::max(1.0, tensors) : std::ceil(params / kElementsPerLaunch);
  return compute.streaming(bytes, kernels * launches);
}

// data_parallel.gradient_copies. per-tensor, PyTorch DDP (torch/csrc/distributed/c10d/
// reducer.cpp): mark_variable_ready_dense copies a ready gradient into its bucket view
// (at::mul_out(bucket_view, grad, 1 / world size): the averaging rides on the copy), and
// finalize_bucket_dense copies the reduced bucket back (copy_bucket_to_grad), a kernel per
// tensor each. batched, Horovod: its fusion buffer is filled and emptied by a batched copy
// kernel of up to 160 tensors (horovod/common/ops/cuda/cuda_kernels.h, BATCHED_D2D_CAPACITY).
// The copy in runs inside the last micro-step's backward and the copy back after the last
// collective; both are charged after the collectives, where dpcast's micro-steps (identical
// but for these) can hold them.
double gradient_copies_time(const ComputeModel& compute, const models::ModelGraph& graph, const models::Scenario& s) {
  constexpr double kTensorsPerBatchedCopy = 160;
  const auto& dp = s.data_parallel;
  if (s.cluster.gpus() == 1 || dp.zero_stage > 0 || dp.gradient_copies == models::GradientCopies::None ||
      dp.collective == models::Collective::ParameterServer)
    return 0;
  const double gradients = static_cast<double>(graph.total_params()) * gradient_bytes_per_param(s.training.precision);
  const double tensors = parameter_tensors(graph);
  const double kernels =
      dp.gradient_copies == models::GradientCopies::Batched ? std::ceil(tensors / kTensorsPerBatchedCopy) : tensors;
  return 2 * compute.streaming(2 * gradients, kernels);
}

}  // namespace dpcast::sim
