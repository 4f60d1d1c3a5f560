#pragma once
// The CUDA kernels, queued on the device's compute stream: cuBLAS for every matrix product
// (row-major products written as the column-major call on the transposes: C^T = op(B)^T
// op(A)^T), and plain CUDA kernels for the rest -- one thread per element for element-wise
// work, one warp per row for LayerNorm and softmax rows, one block per row for the
// cross-entropy softmax, two deterministic passes for column sums (bias and LayerNorm
// parameter gradients).
//
// Tensors are fp32 in memory. The precision of matrix products is cuBLAS's compute type on
// that fp32 storage: fp32 CUBLAS_COMPUTE_32F (no TF32), tf32 CUBLAS_COMPUTE_32F_FAST_TF32,
// bf16 CUBLAS_COMPUTE_32F_FAST_16BF, fp16 CUBLAS_COMPUTE_32F_FAST_16F -- inputs rounded to
// the narrower type inside cuBLAS, products on tensor cores, fp32 accumulation and output
// (cuBLAS may choose a more precise type than the one allowed). Weights stay fp32 masters.
//
// Attention is eager, as on the CPU: per sample, strided-batched products over the heads
// read Q, K and V in place through the leading dimension 3 x d; a causal softmax kernel in
// between; probabilities kept for backward.
//
// Not bit-identical to the CPU: the embedding gradient of token ids adds with atomics (the
// order of additions varies run to run), exp and tanh are CUDA's, and cuBLAS chooses its own
// summation order.
#include <cstddef>

#include "dpcast/real/cuda/cuda_device.hpp"
#include "dpcast/real/kernels.hpp"

struct cublasContext;  // cublasHandle_t

namespace dpcast::real::cuda {

/// The precision of matrix products (the scenario's training.precision).
enum class GemmPrecision { Fp32, Tf32, Bf16, Fp16 };
[[nodiscard]] const char* to_string(GemmPrecision p);

class CudaKernels final : public Kernels {
 public:
  explicit CudaKernels(CudaDevice& device, GemmPrecision precision = GemmPrecision::Fp32);
  ~CudaKernels() override;
  CudaKernels(const CudaKernels&) = delete;
  CudaKernels& operator=(const CudaKernels&) = delete;

  [[nodiscard]] std::string name() const override { return "cuda"; }
  void set_precision(GemmPrecision precision) { precision_ = precision; }
  [[nodiscard]] GemmPrecision precision() const { return precision_; }

  void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
            std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) override;
  void add_bias(float* y, const float* bias, std::int64_t rows, std::int64_t cols) override;
  void bias_grad(float* dbias, const float* dy, std::int64_t rows, std::int64_t cols, bool accumulate) override;
  void embedding_forward(float* out, const float* table, const std::int32_t* ids, std::int64_t batch,
                         std::int64_t tokens, std::int64_t dim) override;
  void embedding_backward(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t batch,
                          std::int64_t tokens, std::int64_t dim, std::int64_t table_rows, bool accumulate) override;
  void layernorm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma, const float* beta,
                         std::int64_t rows, std::int64_t cols, float eps) override;
  void layernorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                          const float* rstd, const float* gamma, std::int64_t rows, std::int64_t cols,
                          bool accumulate_dx, bool accumulate_params) override;
  void gelu_forward(float* y, const float* x, std::int64_t n) override;
  void gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n, bool accumulate) override;
  void relu_forward(float* y, const float* x, std::int64_t n) override;
  void relu_backward(float* dx, const float* dy, const float* y, std::int64_t n, bool accumulate) override;
  void add_forward(float* y, const float* const* inputs, int count, std::int64_t n) override;
  void copy(float* dst, const float* src, std::int64_t n, bool accumulate) override;
  void fill(float* x, std::int64_t n, float value) override;
  void scale(float* x, std::int64_t n, float alpha) override;
  void unscale_check(float* x, std::int64_t n, float alpha, float* nonfinite) override;
  void attention_forward(float* out, float* probs, const float* qkv, std::int64_t batch, std::int64_t seq,
                         std::int64_t heads, std::int64_t head_dim) override;
  [[nodiscard]] std::int64_t attention_scratch(std::int64_t batch, std::int64_t seq, std::int64_t heads) const override;
  void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* probs,
                          std::int64_t batch, std::int64_t seq, std::int64_t heads, std::int64_t head_dim,
                          bool accumulate) override;
  void cross_entropy_forward(float* probs, float* loss, const float* logits, const std::int32_t* targets,
                             std::int64_t rows, std::int64_t classes) override;
  void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets, std::int64_t rows,
                              std::int64_t classes, float scale, bool accumulate) override;
  void sgd_momentum(float* param, const float* grad, float* velocity, std::int64_t n, float lr,
                    float momentum) override;
  void adamw(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& step) override;

 private:
  /// Row-major C = alpha op(A) op(B) + beta C for `batch` matrices `stride_*` floats apart.
  void gemm_batched(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                    const float* a, std::int64_t lda, std::int64_t stride_a, const float* b, std::int64_t ldb,
                    std::int64_t stride_b, float beta, float* c, std::int64_t ldc, std::int64_t stride_c,
                    std::int64_t batch);
  /// Device scratch of at least `floats` floats, kept between calls (partial sums).
  float* workspace(std::size_t floats);

  CudaDevice* device_;
  GemmPrecision precision_;
  cublasContext* handle_ = nullptr;
  float* workspace_ = nullptr;
  std::size_t workspace_floats_ = 0;
};

}  // namespace dpcast::real::cuda
