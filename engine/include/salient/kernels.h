// KernelTable: every op computes through these function pointers. The scalar reference kernels
// (engine/kernels/ref) are the oracle in tests and the last choice in dispatch; the per-ISA
// variants (engine/kernels/x86, listed in engine/kernels/list) fill the same slots, chosen once
// from cpuid and capped by SALIENT_MAX_ISA / set_max_isa (isa.h). Conventions: row-major float32;
// "accumulate" kernels add into their output (gx += ...), which is how backward sums the gradients
// of values used more than once.
#pragma once

#include <cstdint>

#include "salient/isa.h"

namespace salient {

enum class Trans : unsigned char { kNo, kYes };

/// Geometry of a 2-D convolution over N×C×H×W (conv1d is the case H = 1, kh = 1).
/// oh = (h + 2·ph − kh)/sh + 1, ow likewise. Weights are [c_out, c_in, kh, kw].
struct Conv2dGeometry {
  int n, c_in, h, w;
  int c_out, kh, kw;
  int sh, sw, ph, pw;
  int oh, ow;
};

/// Geometry of a 2-D pooling window over N×C×H×W without padding (1-D pools use H = 1, kh = 1).
struct Pool2dGeometry {
  int n, c, h, w;
  int kh, kw, sh, sw;
  int oh, ow;
};

/// What sgemm_fused applies to each finished element of C, in this order:
/// C[i,j] += row_bias[i] + col_bias[j] (a null bias is skipped); then C[i,j] = max(C[i,j], 0) when
/// relu is set.
struct GemmEpilogue {
  const float* row_bias = nullptr;  // m values (a convolution's per-channel bias), or null
  const float* col_bias = nullptr;  // n values (a linear layer's bias), or null
  bool relu = false;
};

struct KernelTable {
  const char* isa;  // "scalar", "avx2", "avx512", ...

  // C[m×n] = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n; lda/ldb/ldc are row strides.
  void (*sgemm)(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc);
  // sgemm, then the epilogue ep on every element of C (see GemmEpilogue).
  void (*sgemm_fused)(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc,
                      const GemmEpilogue& ep);
  // y[r, j] += b[j] for every row r.
  void (*add_row_vector)(int64_t rows, int cols, const float* b, float* y);
  // gb[j] += Σ_r gy[r, j].
  void (*sum_rows_accumulate)(int64_t rows, int cols, const float* gy, float* gb);

  // y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i·sh+u−ph, j·sw+v−pw] (zero outside); b may be null.
  void (*conv2d_forward)(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                         float* y);
  // gx[n,c,i·sh+u−ph, j·sw+v−pw] += Σ_o w[o,c,u,v]·gy[n,o,i,j]   (the transposed convolution).
  void (*conv2d_backward_data)(const Conv2dGeometry& g, const float* gy, const float* w, float* gx);
  // gw[o,c,u,v] += Σ_{n,i,j} gy[n,o,i,j]·x[n,c,i·sh+u−ph, j·sw+v−pw];  gb[o] += Σ gy[n,o,·,·] (either may be null).
  void (*conv2d_backward_weights)(const Conv2dGeometry& g, const float* x, const float* gy,
                                  float* gw, float* gb);

  // y = max over each window; argmax[k] = flat input index of the first maximum in window k.
  void (*maxpool2d_forward)(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax);
  // y = mean over each window (divisor kh·kw).
  void (*avgpool2d_forward)(const Pool2dGeometry& g, const float* x, float* y);
  // gx[window k] += gy[k] / (kh·kw).
  void (*avgpool2d_backward)(const Pool2dGeometry& g, const float* gy, float* gx);
  // gx[argmax[k]] += gy[k] for every output k, in order (the max-pool backward through the argmax
  // that maxpool2d_forward wrote for g: each index lies in its window k).
  void (*maxpool2d_backward)(const Pool2dGeometry& g, const int32_t* argmax, const float* gy,
                             float* gx);

  // Elementwise forward: y = f(x).
  void (*relu)(int64_t n, const float* x, float* y);          // max(x, 0)
  void (*tanh)(int64_t n, const float* x, float* y);          // tanh(x)
  void (*sigmoid)(int64_t n, const float* x, float* y);       // 1/(1+e^−x)
  // Elementwise exact backward, accumulating.
  void (*relu_backward)(int64_t n, const float* x, const float* gy, float* gx);     // gx += gy·[x>0]
  void (*tanh_backward)(int64_t n, const float* y, const float* gy, float* gx);    // gx += gy·(1−y²)
  void (*sigmoid_backward)(int64_t n, const float* y, const float* gy, float* gx); // gx += gy·y(1−y)

  // Row-wise over the last dimension (cols), numerically stable (max subtracted).
  void (*softmax_rows)(int64_t rows, int cols, const float* x, float* y);      // e^x / Σ e^x
  void (*log_softmax_rows)(int64_t rows, int cols, const float* x, float* y);  // x − log Σ e^x
  // gx += y ⊙ (gy − Σ_j gy_j·y_j)       (y = softmax output)
  void (*softmax_rows_backward)(int64_t rows, int cols, const float* y, const float* gy, float* gx);
  // gx += gy − e^y · Σ_j gy_j            (y = log-softmax output)
  void (*log_softmax_rows_backward)(int64_t rows, int cols, const float* y, const float* gy,
                                    float* gx);

  void (*add)(int64_t n, const float* a, const float* b, float* y);  // y = a + b
  void (*mul)(int64_t n, const float* a, const float* b, float* y);  // y = a ⊙ b
  void (*accumulate)(int64_t n, const float* x, float* y);           // y += x
  void (*mul_accumulate)(int64_t n, const float* a, const float* b, float* y);  // y += a ⊙ b

  // GRU step over a batch of n rows, hidden size h (PyTorch's equations). gi = x_t·W_ihᵀ + b_ih and
  // gh = h_prev·W_hhᵀ + b_hh are [n, 3h] in gate blocks (r, z, n):
  //   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h_prev.
  // Writes h' [n, h] and the gate workspace ws [n, 4h] = (r, z, n, gh_n).
  void (*gru_gates_forward)(int n, int h, const float* gi, const float* gh, const float* h_prev,
                            float* h_out, float* ws);
  // The exact backward of one step from dh = ∂/∂h' (overwrites its outputs):
  //   dn̂ = dh ⊙ (1 − z) ⊙ (1 − n²)   (n̂ = tanh's argument), dz = dh ⊙ (h_prev − n), dr = dn̂ ⊙ gh_n,
  //   d_gi = (dr·r(1 − r), dz·z(1 − z), dn̂),  d_gh = (dr·r(1 − r), dz·z(1 − z), dn̂ ⊙ r),
  //   dh_prev = dh ⊙ z   (the W_hh path is added by the caller's GEMM).
  void (*gru_gates_backward)(int n, int h, const float* dh, const float* h_prev, const float* ws,
                             float* d_gi, float* d_gh, float* dh_prev);

  // Batch normalisation over a [outer, c, inner] layout (channel k = middle index).
  // mean_k and biased var_k of x over its outer·inner entries.
  void (*channel_mean_var)(int64_t outer, int c, int64_t inner, const float* x, float* mean,
                           float* var);
  // y[o, k, i] = x[o, k, i]·scale[k] + shift[k]
  void (*channel_affine)(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                         const float* shift, float* y);
  // With x̂ = (x − mean_k)·invstd_k, M = outer·inner, S1_k = Σ gy, S2_k = Σ gy·x̂ (accumulating;
  // each output may be null):  gβ_k += S1_k;  gγ_k += S2_k;  and
  //   training (batch statistics): gx += γ_k·invstd_k·(gy − S1_k/M − x̂·S2_k/M)
  //   inference (fixed statistics): gx += γ_k·invstd_k·gy
  void (*batchnorm_backward)(int64_t outer, int c, int64_t inner, const float* x, const float* gy,
                             const float* mean, const float* invstd, const float* gamma,
                             bool training, float* gx, float* ggamma, float* gbeta);

  // Losses, per row or element (the op takes the mean):
  // cross-entropy of logits [rows, cols] with class ids: loss_r = log Σ_j e^{x_rj} − x_r,label_r
  void (*cross_entropy_rows)(int64_t rows, int cols, const float* x, const float* labels,
                             float* loss);
  // gx_r += scale·(softmax(x_r) − onehot(label_r))
  void (*cross_entropy_rows_backward)(int64_t rows, int cols, const float* x, const float* labels,
                                      float scale, float* gx);
  // binary cross-entropy with logits: loss = max(x, 0) − x·y + log(1 + e^{−|x|})
  void (*bce_with_logits)(int64_t n, const float* x, const float* y, float* loss);
  // gx += scale·(σ(x) − y)
  void (*bce_with_logits_backward)(int64_t n, const float* x, const float* y, float scale, float* gx);
  // loss = (a − b)²
  void (*squared_difference)(int64_t n, const float* a, const float* b, float* loss);
  // g += scale·(a − b)
  void (*scaled_difference_accumulate)(int64_t n, float scale, const float* a, const float* b,
                                       float* g);
};

/// The table the engine uses: for each kernel, the best variant at or below active_isa() (isa.h).
const KernelTable& kernels();
/// The scalar reference table: the oracle for every kernel test (same as kernels_for(kScalar)).
const KernelTable& reference_kernels();
/// The table kernels() would serve under the cap `isa`: the best variant of each kernel at or below
/// it. Null when this CPU or build cannot run `isa`. Tests and benchmarks use it to reach every
/// variant.
const KernelTable* kernels_for(Isa isa);

}  // namespace salient
