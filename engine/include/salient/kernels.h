// KernelTable: every op computes through these function pointers. The scalar reference kernels
// (engine/kernels/ref) fill the table and are the oracle in tests; faster per-ISA variants plug
// into the same slots later. Conventions: row-major float32; "accumulate" kernels add into their
// output (gx += ...), which is how backward sums the gradients of values used more than once.
#pragma once

#include <cstdint>

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

struct KernelTable {
  const char* isa;  // "scalar", "avx2", "avx512", ...

  // C[m×n] = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n; lda/ldb/ldc are row strides.
  void (*sgemm)(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc);
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
  // gx[index[k]] += gy[k] for k < n (max-pool backward through the saved argmax).
  void (*scatter_add)(int64_t n, const int32_t* index, const float* gy, float* gx);

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
};

/// The table the engine uses (today the scalar reference; later the best ISA the CPU supports).
const KernelTable& kernels();
/// The scalar reference table: the oracle for every kernel test.
const KernelTable& reference_kernels();

}  // namespace salient
