// Reference SGEMM: C = alpha·op(A)·op(B) + beta·C, row-major, triple loop with a float accumulator.
#include "ref/ref_kernels.h"

namespace salient::ref {

void sgemm(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (int p = 0; p < k; ++p) {
        const float aip = ta == Trans::kNo ? a[i * lda + p] : a[p * lda + i];
        const float bpj = tb == Trans::kNo ? b[p * ldb + j] : b[j * ldb + p];
        sum += aip * bpj;
      }
      float& cij = c[i * ldc + j];
      // beta = 0 overwrites (C may hold garbage or NaN), as BLAS specifies.
      cij = beta == 0.0f ? alpha * sum : alpha * sum + beta * cij;
    }
  }
}

// sgemm, then C[i,j] = act(C[i,j] + row_bias[i] + col_bias[j]) with act = ReLU or identity.
void sgemm_fused(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc, const GemmEpilogue& ep) {
  sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float& cij = c[i * ldc + j];
      if (ep.row_bias) cij += ep.row_bias[i];
      if (ep.col_bias) cij += ep.col_bias[j];
      if (ep.relu) cij = cij > 0.0f ? cij : 0.0f;
    }
}

// y[r, j] += b[j]
void add_row_vector(int64_t rows, int cols, const float* b, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) y[r * cols + j] += b[j];
}

// gb[j] += Σ_r gy[r, j]
void sum_rows_accumulate(int64_t rows, int cols, const float* gy, float* gb) {
  for (int64_t r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) gb[j] += gy[r * cols + j];
}

}  // namespace salient::ref
