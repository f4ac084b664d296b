// The skinny A·B kernel of the AVX2 SGEMM (x86/sgemm_axpy.h; the AxpyFn contract in
// gemm/sgemm_blocked.h): up to 3 rows, blocks of 1 row × 6 ymm or 2-3 rows × 3 ymm of columns (at
// most 9 accumulators + 3 loads + 1 broadcast of the 16 registers), the last vector of a row
// through vmaskmovps.
#include "x86/avx2/sgemm_axpy_avx2.h"

#include <immintrin.h>

#include "x86/avx2/vec_avx2.h"
#include "x86/sgemm_axpy.h"

namespace salient::kern::avx2 {
namespace {

// The shared AVX2 traits plus the block shape of this kernel.
struct AxpyAvx2 : Avx2 {
  static constexpr int kAxpyRows = kAxpyMaxRows;
  static constexpr int kAxpyVectors = 6;
  static T zero() { return _mm256_setzero_ps(); }
};

}  // namespace

void sgemm_axpy(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc, const GemmEpilogue* ep) {
  SkinnyAB<AxpyAvx2>::run(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace salient::kern::avx2
