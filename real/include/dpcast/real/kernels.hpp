#pragma once
// Kernels: the arithmetic of training, on pointers into device memory. The executor decides
// what runs when and on which buffers; a backend decides how (CPU: OpenBLAS and plain loops;
// CUDA: cuBLAS and its own kernels). Matrices are row-major; `accumulate` means add into the
// destination instead of overwriting it (gradients that several layers, or several
// micro-steps, contribute to).
#include <cstdint>
#include <string>

namespace dpcast::real {

/// One AdamW update's constants (bias corrections for the step being taken).
struct AdamWStep {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0;      // decoupled: param -= lr * weight_decay * param
  float bias_correction1 = 1;  // 1 - beta1^t
  float bias_correction2 = 1;  // 1 - beta2^t
};

class Kernels {
 public:
  virtual ~Kernels() = default;
  [[nodiscard]] virtual std::string name() const = 0;

  // ---- matrix products ----
  /// C = alpha * op(A) * op(B) + beta * C; op(A) is m x k, op(B) is k x n, C is m x n.
  virtual void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                    const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                    std::int64_t ldc) = 0;
  /// y[r][c] += bias[c] for `rows` rows of `cols`.
  virtual void add_bias(float* y, const float* bias, std::int64_t rows, std::int64_t cols) = 0;
  /// dbias = (dbias +) the column sums of dy.
  virtual void bias_grad(float* dbias, const float* dy, std::int64_t rows, std::int64_t cols, bool accumulate) = 0;

  // ---- embeddings ----
  /// out[b][t] = table[ids[b][t]] (or table[t] when ids is null: a position table).
  virtual void embedding_forward(float* out, const float* table, const std::int32_t* ids, std::int64_t batch,
                                 std::int64_t tokens, std::int64_t dim) = 0;
  /// dtable (+)= scatter of dout into the rows read; a table of `table_rows` rows.
  virtual void embedding_backward(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t batch,
                                  std::int64_t tokens, std::int64_t dim, std::int64_t table_rows, bool accumulate) = 0;

  // ---- layer normalisation over the last dimension ----
  /// y = (x - mean) * rstd * gamma (+ beta); keeps each row's mean and 1/std for backward.
  virtual void layernorm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                 const float* beta, std::int64_t rows, std::int64_t cols, float eps) = 0;
  /// dx (accumulate_dx: +=), dgamma and dbeta (accumulate_params: +=); dbeta may be null.
  virtual void layernorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                  const float* mean, const float* rstd, const float* gamma, std::int64_t rows,
                                  std::int64_t cols, bool accumulate_dx, bool accumulate_params) = 0;

  // ---- element-wise ----
  /// GPT-2's GELU (tanh approximation).
  virtual void gelu_forward(float* y, const float* x, std::int64_t n) = 0;
  virtual void gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n, bool accumulate) = 0;
  virtual void relu_forward(float* y, const float* x, std::int64_t n) = 0;
  /// Uses the forward output y (y > 0 exactly where x > 0).
  virtual void relu_backward(float* dx, const float* dy, const float* y, std::int64_t n, bool accumulate) = 0;
  /// y = sum of `count` inputs (`inputs` is a host array of device pointers).
  virtual void add_forward(float* y, const float* const* inputs, int count, std::int64_t n) = 0;
  /// dst = src, or dst += src (the backward of an add).
  virtual void copy(float* dst, const float* src, std::int64_t n, bool accumulate) = 0;
  virtual void fill(float* x, std::int64_t n, float value) = 0;
  virtual void scale(float* x, std::int64_t n, float alpha) = 0;
  /// x *= alpha, and *nonfinite (one device float) = 1 if any x was infinite or NaN (else it
  /// is left as it was): unscaling loss-scaled gradients and finding overflow in one pass.
  virtual void unscale_check(float* x, std::int64_t n, float alpha, float* nonfinite) = 0;

  // ---- causal multi-head self-attention core ----
  /// qkv is [batch][seq][3 * heads * head_dim] (queries, keys, values, each heads x head_dim);
  /// out is [batch][seq][heads * head_dim]; probs keeps the softmax [batch][heads][seq][seq].
  virtual void attention_forward(float* out, float* probs, const float* qkv, std::int64_t batch, std::int64_t seq,
                                 std::int64_t heads, std::int64_t head_dim) = 0;
  /// Floats of scratch attention_backward needs.
  [[nodiscard]] virtual std::int64_t attention_scratch(std::int64_t batch, std::int64_t seq,
                                                       std::int64_t heads) const = 0;
  virtual void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv, const float* probs,
                                  std::int64_t batch, std::int64_t seq, std::int64_t heads, std::int64_t head_dim,
                                  bool accumulate) = 0;

  // ---- softmax + cross-entropy ----
  /// probs = softmax of each row of logits; *loss (one device float) = mean over rows of
  /// -log probs[row][targets[row]].
  virtual void cross_entropy_forward(float* probs, float* loss, const float* logits, const std::int32_t* targets,
                                     std::int64_t rows, std::int64_t classes) = 0;
  /// dlogits (+)= (probs - onehot(targets)) * scale.
  virtual void cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets,
                                      std::int64_t rows, std::int64_t classes, float scale, bool accumulate) = 0;

  // ---- optimizers ----
  /// PyTorch's SGD with momentum: v = momentum * v + g; p -= lr * v.
  virtual void sgd_momentum(float* param, const float* grad, float* velocity, std::int64_t n, float lr,
                            float momentum) = 0;
  /// AdamW (Loshchilov & Hutter): decoupled weight decay, then the Adam update.
  virtual void adamw(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& step) = 0;
};

}  // namespace dpcast::real
