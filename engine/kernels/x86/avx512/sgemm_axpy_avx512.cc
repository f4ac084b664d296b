// The skinny A·B kernel of the AVX-512 SGEMM (x86/sgemm_axpy.h; the AxpyFn contract in
// gemm/sgemm_blocked.h): up to 4 rows, blocks of 1 row × 8 zmm or 2-4 rows × 4 zmm of columns, the
// last vector of a row under a k-mask.
#include "x86/avx512/sgemm_axpy_avx512.h"

#include <immintrin.h>

#include "x86/avx512/vec_avx512.h"
#include "x86/sgemm_axpy.h"

namespace salient::kern::avx512 {
namespace {

// The shared AVX-512 traits plus the block shape of this kernel.
struct AxpyAvx512 : Avx512 {
  static constexpr int kAxpyRows = kAxpyMaxRows;
  static constexpr int kAxpyVectors = 8;
  static T zero() { return _mm512_setzero_ps(); }
};

}  // namespace

void sgemm_axpy(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc, const GemmEpilogue* ep) {
  SkinnyAB<AxpyAvx512>::run(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace salient::kern::avx512
