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
