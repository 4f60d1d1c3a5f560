#pragma once
// The CPU kernels: OpenBLAS's cblas_sgemm for matrix products, plain loops the compiler
// vectorises for the rest, and with more than one thread per rank the row loops split over a
// small thread pool (OpenBLAS runs the same number of threads).
#include <memory>

#include "dpcast/real/cpu/thread_pool.hpp"
#include "dpcast/real/kernels.hpp"

namespace dpcast::real::cpu {

class CpuKernels final : public Kernels {
 public:
  /// `threads` compute threads for this rank (sets OpenBLAS's thread count too).
  explicit CpuKernels(int threads = 1);
  [[nodiscard]] std::string name() const override { return "cpu"; }
  [[nodiscard]] int threads() const { return pool_->threads(); }

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
  std::unique_ptr<ThreadPool> pool_;
};

/// Sets OpenBLAS's thread count (process-wide).
void set_blas_threads(int threads);

}  // namespace dpcast::real::cpu
