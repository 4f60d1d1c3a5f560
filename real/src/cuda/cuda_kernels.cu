// The CUDA kernels. Written to be obviously right rather than fastest: grid-stride loops with
// one thread per element, one warp per row where a row is reduced (LayerNorm, the causal
// softmax of attention), one block per row for the cross-entropy softmax over a vocabulary,
// and column sums in two deterministic passes (partial sums per chunk of rows, then their
// sum). Every launch is checked; every matrix product is cuBLAS.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <string>

#include "check.hpp"
#include "dpcast/real/cuda/cuda_kernels.hpp"

namespace dpcast::real::cuda {
namespace {

// ---- launch shapes ----
constexpr int kBlock = 256;                  // threads of an element-wise block
constexpr int kRowWarps = 8;                 // rows per block for the warp-per-row kernels (256 threads)
constexpr int kSoftmaxBlock = 512;           // threads per row of the cross-entropy softmax
constexpr int kColTile = 32, kRowLanes = 8;  // column sums: 32 columns x 8 row lanes per block

unsigned grid_for(std::int64_t n) {
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(std::min<std::int64_t>(std::max<std::int64_t>(blocks, 1), std::int64_t{1} << 20));
}

unsigned row_grid(std::int64_t rows) {
  const std::int64_t blocks = (rows + kRowWarps - 1) / kRowWarps;
  if (blocks > INT_MAX) throw CudaError("too many rows for one launch: " + std::to_string(rows));
  return static_cast<unsigned>(std::max<std::int64_t>(blocks, 1));
}

#define DPCAST_GRID_STRIDE(i, n)                                                                   \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<std::int64_t>(blockDim.x) * gridDim.x)

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Sum or max over a block (blockDim.x a multiple of 32, at most 1024); every thread gets it.
template <bool kMax>
__device__ float block_reduce(float v) {
  __shared__ float partial[32];
  __shared__ float result;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = kMax ? warp_max(v) : warp_sum(v);
  __syncthreads();  // a previous call's readers of partial and result are done
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / 32;
    float w = lane < warps ? partial[lane] : (kMax ? -INFINITY : 0.0f);
    w = kMax ? warp_max(w) : warp_sum(w);
    if (lane == 0) result = w;
  }
  __syncthreads();
  return result;
}

// ---- element-wise ----
constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

__global__ void gelu_forward_kernel(float* y, const float* x, std::int64_t n) {
  DPCAST_GRID_STRIDE(i, n) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + tanhf(kGeluC * (v + kGeluA * v * v * v)));
  }
}

__global__ void gelu_backward_kernel(float* dx, const float* dy, const float* x, std::int64_t n, bool accumulate) {
  DPCAST_GRID_STRIDE(i, n) {
    const float v = x[i];
    const float t = tanhf(kGeluC * (v + kGeluA * v * v * v));
    const float slope = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluC * (1.0f + 3.0f * kGeluA * v * v);
    const float g = dy[i] * slope;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

__global__ void relu_forward_kernel(float* y, const float* x, std::int64_t n) {
  DPCAST_GRID_STRIDE(i, n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void relu_backward_kernel(float* dx, const float* dy, const float* y, std::int64_t n, bool accumulate) {
  DPCAST_GRID_STRIDE(i, n) {
    const float g = y[i] > 0.0f ? dy[i] : 0.0f;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

constexpr int kAddInputs = 8;
struct AddInputs {
  const float* p[kAddInputs];
};

// y = (y if into) + the sum of `count` inputs.
__global__ void add_kernel(float* y, AddInputs in, int count, bool into, std::int64_t n) {
  DPCAST_GRID_STRIDE(i, n) {
    float s = into ? y[i] : 0.0f;
    for (int k = 0; k < count; ++k) s += in.p[k][i];
    y[i] = s;
  }
}

__global__ void accumulate_kernel(float* dst, const float* src, std::int64_t n) {
  DPCAST_GRID_STRIDE(i, n) dst[i] += src[i];
}

__global__ void fill_kernel(float* x, std::int64_t n, float value) {
  DPCAST_GRID_STRIDE(i, n) x[i] = value;
}

__global__ void scale_kernel(float* x, std::int64_t n, float alpha) {
  DPCAST_GRID_STRIDE(i, n) x[i] *= alpha;
}

__global__ void unscale_check_kernel(float* x, std::int64_t n, float alpha, float* nonfinite) {
  DPCAST_GRID_STRIDE(i, n) {
    const float v = x[i];
    if (!(fabsf(v) <= FLT_MAX)) *nonfinite = 1.0f;  // infinite or NaN; every writer writes the same
    x[i] = v * alpha;
  }
}

__global__ void add_bias_kernel(float* y, const float* bias, std::int64_t n, std::int64_t cols) {
  DPCAST_GRID_STRIDE(i, n) y[i] += bias[i % cols];
}

// ---- column sums (bias gradient; LayerNorm's gamma and beta gradients) ----
// Block (32, 8) sums 32 columns over the rows of chunk blockIdx.y: part_dy[chunk][c] = sum of
// dy, and when x is given part_dyx[chunk][c] = sum of dy * (x - mean) * rstd.
__global__ void column_partials_kernel(float* part_dy, float* part_dyx, const float* dy, const float* x,
                                       const float* mean, const float* rstd, std::int64_t rows, std::int64_t cols,
                                       std::int64_t rows_per_chunk) {
  __shared__ float s_dy[kRowLanes][kColTile + 1];
  __shared__ float s_dyx[kRowLanes][kColTile + 1];
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kColTile + threadIdx.x;
  const std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * rows_per_chunk;
  const std::int64_t r1 = r0 + rows_per_chunk < rows ? r0 + rows_per_chunk : rows;
  float a = 0.0f, b = 0.0f;
  if (c < cols)
    for (std::int64_t r = r0 + threadIdx.y; r < r1; r += kRowLanes) {
      const float g = dy[r * cols + c];
      a += g;
      if (x) b += g * ((x[r * cols + c] - mean[r]) * rstd[r]);
    }
  s_dy[threadIdx.y][threadIdx.x] = a;
  s_dyx[threadIdx.y][threadIdx.x] = b;
  __syncthreads();
  if (threadIdx.y == 0 && c < cols) {
    float ta = 0.0f, tb = 0.0f;
    for (int k = 0; k < kRowLanes; ++k) {
      ta += s_dy[k][threadIdx.x];
      tb += s_dyx[k][threadIdx.x];
    }
    part_dy[blockIdx.y * cols + c] = ta;
    if (part_dyx) part_dyx[blockIdx.y * cols + c] = tb;
  }
}

// out[c] (+)= the sum over chunks of part[chunk][c].
__global__ void column_finish_kernel(float* out, const float* part, std::int64_t chunks, std::int64_t cols,
                                     bool accumulate) {
  DPCAST_GRID_STRIDE(c, cols) {
    float t = 0.0f;
    for (std::int64_t k = 0; k < chunks; ++k) t += part[k * cols + c];
    out[c] = accumulate ? out[c] + t : t;
  }
}

// ---- embeddings ----
__global__ void embedding_forward_kernel(float* out, const float* table, const std::int32_t* ids, std::int64_t n,
                                         std::int64_t tokens, std::int64_t dim) {
  DPCAST_GRID_STRIDE(i, n) {
    const std::int64_t bt = i / dim, c = i - bt * dim;
    const std::int64_t row = ids ? static_cast<std::int64_t>(ids[bt]) : bt % tokens;
    out[i] = table[row * dim + c];
  }
}

// Token ids: rows repeat anywhere in the batch, so additions are atomic (their order varies).
__global__ void embedding_backward_ids_kernel(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t n,
                                              std::int64_t dim) {
  DPCAST_GRID_STRIDE(i, n) {
    const std::int64_t bt = i / dim, c = i - bt * dim;
    atomicAdd(dtable + static_cast<std::int64_t>(ids[bt]) * dim + c, dout[i]);
  }
}

// Positions: row t gets every sample's position t, summed in order (deterministic).
__global__ void embedding_backward_positions_kernel(float* dtable, const float* dout, std::int64_t batch,
                                                    std::int64_t tokens, std::int64_t dim) {
  const std::int64_t n = tokens * dim;
  DPCAST_GRID_STRIDE(i, n) {
    float s = 0.0f;
    for (std::int64_t b = 0; b < batch; ++b) s += dout[b * n + i];
    dtable[i] += s;
  }
}

// ---- LayerNorm: one warp per row ----
__global__ void layernorm_forward_kernel(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                         const float* beta, std::int64_t rows, std::int64_t cols, float eps) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowWarps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;  // the whole warp leaves together
  const float* xr = x + row * cols;
  float* yr = y + row * cols;
  const float n = static_cast<float>(cols);
  float s = 0.0f;
  for (std::int64_t c = lane; c < cols; c += 32) s += xr[c];
  const float mu = warp_sum(s) / n;
  float q = 0.0f;
  for (std::int64_t c = lane; c < cols; c += 32) {
    const float d = xr[c] - mu;
    q += d * d;
  }
  const float rs = 1.0f / sqrtf(warp_sum(q) / n + eps);
  for (std::int64_t c = lane; c < cols; c += 32) {
    const float v = (xr[c] - mu) * rs * gamma[c];
    yr[c] = beta ? v + beta[c] : v;
  }
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy * gamma, xhat = (x - mean) rstd.
__global__ void layernorm_backward_dx_kernel(float* dx, const float* dy, const float* x, const float* mean,
                                             const float* rstd, const float* gamma, std::int64_t rows,
                                             std::int64_t cols, bool accumulate) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowWarps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const float* xr = x + row * cols;
  const float* gr = dy + row * cols;
  float* dr = dx + row * cols;
  const float mu = mean[row], rs = rstd[row], n = static_cast<float>(cols);
  float sum_g = 0.0f, sum_gx = 0.0f;
  for (std::int64_t c = lane; c < cols; c += 32) {
    const float g = gr[c] * gamma[c];
    sum_g += g;
    sum_gx += g * ((xr[c] - mu) * rs);
  }
  const float mean_g = warp_sum(sum_g) / n, mean_gx = warp_sum(sum_gx) / n;
  for (std::int64_t c = lane; c < cols; c += 32) {
    const float v = rs * (gr[c] * gamma[c] - mean_g - (xr[c] - mu) * rs * mean_gx);
    dr[c] = accumulate ? dr[c] + v : v;
  }
}

// ---- attention's causal softmax: one warp per row of scores; row r is query r % seq ----
__global__ void causal_softmax_kernel(float* p, std::int64_t rows, std::int64_t seq) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowWarps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const std::int64_t last = row % seq;  // keys 0..last are visible
  float* pr = p + row * seq;
  float m = -INFINITY;
  for (std::int64_t j = lane; j <= last; j += 32) m = fmaxf(m, pr[j]);
  m = warp_max(m);
  float s = 0.0f;
  for (std::int64_t j = lane; j <= last; j += 32) {
    const float e = expf(pr[j] - m);
    pr[j] = e;
    s += e;
  }
  const float inv = 1.0f / warp_sum(s);
  // Each lane rewrites only its own elements (j = lane mod 32), so no lane reads another's.
  for (std::int64_t j = lane; j < seq; j += 32) pr[j] = j <= last ? pr[j] * inv : 0.0f;
}

// Through the softmax: d = p (d - sum_k p_k d_k) on the visible keys, 0 beyond.
__global__ void causal_softmax_backward_kernel(float* d, const float* p, std::int64_t rows, std::int64_t seq) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kRowWarps + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const std::int64_t last = row % seq;
  float* dr = d + row * seq;
  const float* pr = p + row * seq;
  float dot = 0.0f;
  for (std::int64_t j = lane; j <= last; j += 32) dot += pr[j] * dr[j];
  dot = warp_sum(dot);
  for (std::int64_t j = lane; j < seq; j += 32) dr[j] = j <= last ? pr[j] * (dr[j] - dot) : 0.0f;
}

// ---- softmax + cross-entropy: one block per row of logits ----
__global__ void cross_entropy_forward_kernel(float* probs, float* row_loss, const float* logits,
                                             const std::int32_t* targets, std::int64_t classes) {
  const std::int64_t r = blockIdx.x;
  const float* x = logits + r * classes;
  float* p = probs + r * classes;
  float m = -INFINITY;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) m = fmaxf(m, x[c]);
  m = block_reduce<true>(m);
  float s = 0.0f;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float e = expf(x[c] - m);
    p[c] = e;
    s += e;
  }
  s = block_reduce<false>(s);
  const float inv = 1.0f / s;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) p[c] *= inv;
  if (threadIdx.x == 0) row_loss[r] = m + logf(s) - x[targets[r]];
}

// *loss = the mean of row_loss, summed in double by one block of 1024 threads (deterministic).
__global__ void mean_kernel(float* loss, const float* row_loss, std::int64_t rows) {
  __shared__ double partial[1024];
  double s = 0.0;
  for (std::int64_t r = threadIdx.x; r < rows; r += blockDim.x) s += row_loss[r];
  partial[threadIdx.x] = s;
  __syncthreads();
  for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  if (threadIdx.x == 0) *loss = static_cast<float>(partial[0] / static_cast<double>(rows));
}

__global__ void cross_entropy_backward_kernel(float* d, const float* p, const std::int32_t* targets, std::int64_t n,
                                              std::int64_t classes, float scale, bool accumulate) {
  DPCAST_GRID_STRIDE(i, n) {
    const std::int64_t r = i / classes, c = i - r * classes;
    float v = p[i] * scale;
    if (c == targets[r]) v -= scale;
    d[i] = accumulate ? d[i] + v : v;
  }
}

// ---- optimizers ----
__global__ void sgd_momentum_kernel(float* p, const float* g, float* v, std::int64_t n, float lr, float momentum) {
  DPCAST_GRID_STRIDE(i, n) {
    const float vi = momentum * v[i] + g[i];
    v[i] = vi;
    p[i] -= lr * vi;
  }
}

__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, std::int64_t n, float beta1, float beta2,
                             float eps, float decay, float step, float inv_sqrt_bc2) {
  DPCAST_GRID_STRIDE(i, n) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - step * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}

// ---- cuBLAS ----
void check_cublas(cublasStatus_t status, const char* expression, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw CudaError(detail::call_name(expression) + ": " + cublasGetStatusString(status) + " (" +
                  cublasGetStatusName(status) + ") at " + detail::where(file, line));
}
#define DPCAST_CUBLAS_CHECK(expression) check_cublas((expression), #expression, __FILE__, __LINE__)

cublasComputeType_t compute_type(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::Tf32:
      return CUBLAS_COMPUTE_32F_FAST_TF32;
    case GemmPrecision::Bf16:
      return CUBLAS_COMPUTE_32F_FAST_16BF;
    case GemmPrecision::Fp16:
      return CUBLAS_COMPUTE_32F_FAST_16F;
    case GemmPrecision::Fp32:
      break;
  }
  return CUBLAS_COMPUTE_32F;  // true fp32: no TF32 with the default math mode
}

int blas_int(std::int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX)
    throw CudaError(std::string("matrix ") + what + " " + std::to_string(v) + " exceeds cuBLAS's int range");
  return static_cast<int>(v);
}

cublasOperation_t op(bool transpose) {
  return transpose ? CUBLAS_OP_T : CUBLAS_OP_N;
}

}  // namespace

const char* to_string(GemmPrecision p) {
  switch (p) {
    case GemmPrecision::Tf32:
      return "tf32";
    case GemmPrecision::Bf16:
      return "bf16";
    case GemmPrecision::Fp16:
      return "fp16";
    case GemmPrecision::Fp32:
      break;
  }
  return "fp32";
}

CudaKernels::CudaKernels(CudaDevice& device, GemmPrecision precision) : device_(&device), precision_(precision) {
  DPCAST_CUDA_CHECK(cudaSetDevice(device.ordinal()));
  cublasHandle_t handle = nullptr;
  DPCAST_CUBLAS_CHECK(cublasCreate(&handle));
  handle_ = handle;
  try {
    DPCAST_CUBLAS_CHECK(cublasSetStream(handle, device.stream()));
    DPCAST_CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));
    DPCAST_CUBLAS_CHECK(cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST));
  } catch (...) {
    (void)cublasDestroy(handle);
    throw;
  }
}

CudaKernels::~CudaKernels() {
  if (workspace_) device_->release(workspace_);
  if (handle_) (void)cublasDestroy(handle_);
}

float* CudaKernels::workspace(std::size_t floats) {
  if (floats <= workspace_floats_) return workspace_;
  if (workspace_) {
    device_->synchronize();  // no queued kernel still reads the old one
    device_->release(workspace_);
    workspace_ = nullptr;
    workspace_floats_ = 0;
  }
  const std::size_t grown = std::max(floats, workspace_floats_ * 2);
  workspace_ = static_cast<float*>(device_->allocate(grown * sizeof(float)));
  workspace_floats_ = grown;
  return workspace_;
}

void CudaKernels::gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                       const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                       std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  // Row-major C (m x n) is column-major C^T (n x m) = op(B)^T op(A)^T: swap the operands.
  DPCAST_CUBLAS_CHECK(cublasGemmEx(
      handle_, op(trans_b), op(trans_a), blas_int(n, "dimension"), blas_int(m, "dimension"), blas_int(k, "dimension"),
      &alpha, b, CUDA_R_32F, blas_int(ldb, "leading dimension"), a, CUDA_R_32F, blas_int(lda, "leading dimension"),
      &beta, c, CUDA_R_32F, blas_int(ldc, "leading dimension"), compute_type(precision_), CUBLAS_GEMM_DEFAULT));
}

void CudaKernels::gemm_batched(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                               const float* a, std::int64_t lda, std::int64_t stride_a, const float* b,
                               std::int64_t ldb, std::int64_t stride_b, float beta, float* c, std::int64_t ldc,
                               std::int64_t stride_c, std::int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  DPCAST_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      handle_, op(trans_b), op(trans_a), blas_int(n, "dimension"), blas_int(m, "dimension"), blas_int(k, "dimension"),
      &alpha, b, CUDA_R_32F, blas_int(ldb, "leading dimension"), stride_b, a, CUDA_R_32F,
      blas_int(lda, "leading dimension"), stride_a, &beta, c, CUDA_R_32F, blas_int(ldc, "leading dimension"), stride_c,
      blas_int(batch, "batch"), compute_type(precision_), CUBLAS_GEMM_DEFAULT));
}

void CudaKernels::add_bias(float* y, const float* bias, std::int64_t rows, std::int64_t cols) {
  const std::int64_t n = rows * cols;
  if (n == 0) return;
  add_bias_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(y, bias, n, cols);
  DPCAST_CUDA_LAUNCHED("add_bias_kernel");
}

namespace {
// Chunks of rows for the column sums: enough blocks to fill the GPU, at most 1024 partials.
std::int64_t column_chunks(std::int64_t rows) {
  return std::max<std::int64_t>(1, std::min<std::int64_t>((rows + 63) / 64, 1024));
}
}  // namespace

void CudaKernels::bias_grad(float* dbias, const float* dy, std::int64_t rows, std::int64_t cols, bool accumulate) {
  if (cols == 0) return;
  if (rows == 0) {
    if (!accumulate) fill(dbias, cols, 0.0f);
    return;
  }
  const std::int64_t chunks = column_chunks(rows), per_chunk = (rows + chunks - 1) / chunks;
  float* part = workspace(static_cast<std::size_t>(chunks * cols));
  const dim3 grid(static_cast<unsigned>((cols + kColTile - 1) / kColTile), static_cast<unsigned>(chunks));
  column_partials_kernel<<<grid, dim3(kColTile, kRowLanes), 0, device_->stream()>>>(part, nullptr, dy, nullptr, nullptr,
                                                                                    nullptr, rows, cols, per_chunk);
  DPCAST_CUDA_LAUNCHED("column_partials_kernel");
  column_finish_kernel<<<grid_for(cols), kBlock, 0, device_->stream()>>>(dbias, part, chunks, cols, accumulate);
  DPCAST_CUDA_LAUNCHED("column_finish_kernel");
}

void CudaKernels::embedding_forward(float* out, const float* table, const std::int32_t* ids, std::int64_t batch,
                                    std::int64_t tokens, std::int64_t dim) {
  const std::int64_t n = batch * tokens * dim;
  if (n == 0) return;
  embedding_forward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(out, table, ids, n, tokens, dim);
  DPCAST_CUDA_LAUNCHED("embedding_forward_kernel");
}

void CudaKernels::embedding_backward(float* dtable, const float* dout, const std::int32_t* ids, std::int64_t batch,
                                     std::int64_t tokens, std::int64_t dim, std::int64_t table_rows, bool accumulate) {
  if (!accumulate)
    DPCAST_CUDA_CHECK(
        cudaMemsetAsync(dtable, 0, static_cast<std::size_t>(table_rows * dim) * sizeof(float), device_->stream()));
  const std::int64_t n = batch * tokens * dim;
  if (n == 0) return;
  if (ids) {
    embedding_backward_ids_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(dtable, dout, ids, n, dim);
    DPCAST_CUDA_LAUNCHED("embedding_backward_ids_kernel");
  } else {
    embedding_backward_positions_kernel<<<grid_for(tokens * dim), kBlock, 0, device_->stream()>>>(dtable, dout, batch,
                                                                                                  tokens, dim);
    DPCAST_CUDA_LAUNCHED("embedding_backward_positions_kernel");
  }
}

void CudaKernels::layernorm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                    const float* beta, std::int64_t rows, std::int64_t cols, float eps) {
  if (rows == 0 || cols == 0) return;
  layernorm_forward_kernel<<<row_grid(rows), kRowWarps * 32, 0, device_->stream()>>>(y, mean, rstd, x, gamma, beta,
                                                                                     rows, cols, eps);
  DPCAST_CUDA_LAUNCHED("layernorm_forward_kernel");
}

void CudaKernels::layernorm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                     const float* mean, const float* rstd, const float* gamma, std::int64_t rows,
                                     std::int64_t cols, bool accumulate_dx, bool accumulate_params) {
  if (cols == 0) return;
  if (rows == 0) {
    if (!accumulate_params) {
      fill(dgamma, cols, 0.0f);
      if (dbeta) fill(dbeta, cols, 0.0f);
    }
    return;
  }
  const std::int64_t chunks = column_chunks(rows), per_chunk = (rows + chunks - 1) / chunks;
  float* part_db = workspace(static_cast<std::size_t>(2 * chunks * cols));
  float* part_dg = part_db + chunks * cols;
  const dim3 grid(static_cast<unsigned>((cols + kColTile - 1) / kColTile), static_cast<unsigned>(chunks));
  column_partials_kernel<<<grid, dim3(kColTile, kRowLanes), 0, device_->stream()>>>(part_db, part_dg, dy, x, mean, rstd,
                                                                                    rows, cols, per_chunk);
  DPCAST_CUDA_LAUNCHED("column_partials_kernel");
  column_finish_kernel<<<grid_for(cols), kBlock, 0, device_->stream()>>>(dgamma, part_dg, chunks, cols,
                                                                         accumulate_params);
  DPCAST_CUDA_LAUNCHED("column_finish_kernel");
  if (dbeta) {
    column_finish_kernel<<<grid_for(cols), kBlock, 0, device_->stream()>>>(dbeta, part_db, chunks, cols,
                                                                           accumulate_params);
    DPCAST_CUDA_LAUNCHED("column_finish_kernel");
  }
  if (dx) {
    layernorm_backward_dx_kernel<<<row_grid(rows), kRowWarps * 32, 0, device_->stream()>>>(dx, dy, x, mean, rstd, gamma,
                                                                                           rows, cols, accumulate_dx);
    DPCAST_CUDA_LAUNCHED("layernorm_backward_dx_kernel");
  }
}

void CudaKernels::gelu_forward(float* y, const float* x, std::int64_t n) {
  if (n == 0) return;
  gelu_forward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(y, x, n);
  DPCAST_CUDA_LAUNCHED("gelu_forward_kernel");
}

void CudaKernels::gelu_backward(float* dx, const float* dy, const float* x, std::int64_t n, bool accumulate) {
  if (n == 0) return;
  gelu_backward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(dx, dy, x, n, accumulate);
  DPCAST_CUDA_LAUNCHED("gelu_backward_kernel");
}

void CudaKernels::relu_forward(float* y, const float* x, std::int64_t n) {
  if (n == 0) return;
  relu_forward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(y, x, n);
  DPCAST_CUDA_LAUNCHED("relu_forward_kernel");
}

void CudaKernels::relu_backward(float* dx, const float* dy, const float* y, std::int64_t n, bool accumulate) {
  if (n == 0) return;
  relu_backward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(dx, dy, y, n, accumulate);
  DPCAST_CUDA_LAUNCHED("relu_backward_kernel");
}

void CudaKernels::add_forward(float* y, const float* const* inputs, int count, std::int64_t n) {
  if (n == 0 || count <= 0) return;
  for (int first = 0; first < count; first += kAddInputs) {
    AddInputs in{};
    const int chunk = std::min(kAddInputs, count - first);
    for (int k = 0; k < chunk; ++k) in.p[k] = inputs[first + k];
    add_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(y, in, chunk, first > 0, n);
    DPCAST_CUDA_LAUNCHED("add_kernel");
  }
}

void CudaKernels::copy(float* dst, const float* src, std::int64_t n, bool accumulate) {
  if (n == 0) return;
  if (!accumulate) {
    DPCAST_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice,
                                      device_->stream()));
    return;
  }
  accumulate_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(dst, src, n);
  DPCAST_CUDA_LAUNCHED("accumulate_kernel");
}

void CudaKernels::fill(float* x, std::int64_t n, float value) {
  if (n == 0) return;
  fill_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(x, n, value);
  DPCAST_CUDA_LAUNCHED("fill_kernel");
}

void CudaKernels::scale(float* x, std::int64_t n, float alpha) {
  if (n == 0) return;
  scale_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(x, n, alpha);
  DPCAST_CUDA_LAUNCHED("scale_kernel");
}

void CudaKernels::unscale_check(float* x, std::int64_t n, float alpha, float* nonfinite) {
  if (n == 0) return;
  unscale_check_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(x, n, alpha, nonfinite);
  DPCAST_CUDA_LAUNCHED("unscale_check_kernel");
}

void CudaKernels::attention_forward(float* out, float* probs, const float* qkv, std::int64_t batch, std::int64_t seq,
                                    std::int64_t heads, std::int64_t head_dim) {
  const std::int64_t d = heads * head_dim, ld = 3 * d, ss = seq * seq;
  const float alpha = 1.0f / std::sqrt(static_cast<float>(head_dim));
  // Scores Q K^T / sqrt(head_dim) for every head of each sample, reading Q and K in place.
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* q = qkv + b * seq * ld;
    gemm_batched(false, true, seq, seq, head_dim, alpha, q, ld, head_dim, q + d, ld, head_dim, 0.0f,
                 probs + b * heads * ss, seq, ss, heads);
  }
  const std::int64_t rows = batch * heads * seq;
  if (rows > 0) {
    causal_softmax_kernel<<<row_grid(rows), kRowWarps * 32, 0, device_->stream()>>>(probs, rows, seq);
    DPCAST_CUDA_LAUNCHED("causal_softmax_kernel");
  }
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* v = qkv + b * seq * ld + 2 * d;
    gemm_batched(false, false, seq, head_dim, seq, 1.0f, probs + b * heads * ss, seq, ss, v, ld, head_dim, 0.0f,
                 out + b * seq * d, d, head_dim, heads);
  }
}

std::int64_t CudaKernels::attention_scratch(std::int64_t, std::int64_t seq, std::int64_t heads) const {
  return heads * seq * seq;  // one sample's dP for all heads; samples run one after another
}

void CudaKernels::attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                                     const float* probs, std::int64_t batch, std::int64_t seq, std::int64_t heads,
                                     std::int64_t head_dim, bool accumulate) {
  const std::int64_t d = heads * head_dim, ld = 3 * d, ss = seq * seq;
  const float alpha = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float beta = accumulate ? 1.0f : 0.0f;
  for (std::int64_t b = 0; b < batch; ++b) {
    const float* q = qkv + b * seq * ld;
    const float* k = q + d;
    const float* v = q + 2 * d;
    float* dq = dqkv + b * seq * ld;
    float* dk = dq + d;
    float* dv = dq + 2 * d;
    const float* p = probs + b * heads * ss;
    const float* dO = dout + b * seq * d;
    // dV = P^T dO; dP = dO V^T; through the softmax; dQ = dS K / sqrt(hd); dK = dS^T Q / sqrt(hd).
    gemm_batched(true, false, seq, head_dim, seq, 1.0f, p, seq, ss, dO, d, head_dim, beta, dv, ld, head_dim, heads);
    gemm_batched(false, true, seq, seq, head_dim, 1.0f, dO, d, head_dim, v, ld, head_dim, 0.0f, scratch, seq, ss,
                 heads);
    const std::int64_t rows = heads * seq;
    if (rows > 0) {
      causal_softmax_backward_kernel<<<row_grid(rows), kRowWarps * 32, 0, device_->stream()>>>(scratch, p, rows, seq);
      DPCAST_CUDA_LAUNCHED("causal_softmax_backward_kernel");
    }
    gemm_batched(false, false, seq, head_dim, seq, alpha, scratch, seq, ss, k, ld, head_dim, beta, dq, ld, head_dim,
                 heads);
    gemm_batched(true, false, seq, head_dim, seq, alpha, scratch, seq, ss, q, ld, head_dim, beta, dk, ld, head_dim,
                 heads);
  }
}

void CudaKernels::cross_entropy_forward(float* probs, float* loss, const float* logits, const std::int32_t* targets,
                                        std::int64_t rows, std::int64_t classes) {
  if (rows == 0 || classes == 0) return;
  if (rows > INT_MAX) throw CudaError("cross_entropy_forward: too many rows for one launch");
  float* row_loss = workspace(static_cast<std::size_t>(rows));
  cross_entropy_forward_kernel<<<static_cast<unsigned>(rows), kSoftmaxBlock, 0, device_->stream()>>>(
      probs, row_loss, logits, targets, classes);
  DPCAST_CUDA_LAUNCHED("cross_entropy_forward_kernel");
  mean_kernel<<<1, 1024, 0, device_->stream()>>>(loss, row_loss, rows);
  DPCAST_CUDA_LAUNCHED("mean_kernel");
}

void CudaKernels::cross_entropy_backward(float* dlogits, const float* probs, const std::int32_t* targets,
                                         std::int64_t rows, std::int64_t classes, float scale, bool accumulate) {
  const std::int64_t n = rows * classes;
  if (n == 0) return;
  cross_entropy_backward_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(dlogits, probs, targets, n, classes,
                                                                               scale, accumulate);
  DPCAST_CUDA_LAUNCHED("cross_entropy_backward_kernel");
}

void CudaKernels::sgd_momentum(float* param, const float* grad, float* velocity, std::int64_t n, float lr,
                               float momentum) {
  if (n == 0) return;
  sgd_momentum_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(param, grad, velocity, n, lr, momentum);
  DPCAST_CUDA_LAUNCHED("sgd_momentum_kernel");
}

void CudaKernels::adamw(float* param, const float* grad, float* m, float* v, std::int64_t n, const AdamWStep& s) {
  if (n == 0) return;
  const float decay = 1.0f - s.lr * s.weight_decay;
  const float step = s.lr / s.bias_correction1;
  const float inv_sqrt_bc2 = 1.0f / std::sqrt(s.bias_correction2);
  adamw_kernel<<<grid_for(n), kBlock, 0, device_->stream()>>>(param, grad, m, v, n, s.beta1, s.beta2, s.eps, decay,
                                                              step, inv_sqrt_bc2);
  DPCAST_CUDA_LAUNCHED("adamw_kernel");
}

}  // namespace dpcast::real::cuda
