// The skinny A·B kernel of the AVX2 SGEMM (x86/sgemm_axpy.h; the AxpyFn contract in
// gemm/sgemm_blocked.h): up to 3 rows, blocks of 1 row × 6 ymm or 2-3 rows × 3 ymm of columns (at
// most 9 accumulators + 3 loads + 1 broadcast of the 16 registers), the last vector of a row
// through vmaskmovps.
#include "x86/avx2/sgemm_axpy_avx2.h"

#include <immintrin.h>

#include "x86/sgemm_axpy.h"

namespace salient::kern::avx2 {
namespace {

struct Avx2 {
  using T = __m256;
  using M = __m256i;
  static constexpr int W = 8;
  static constexpr int kAxpyRows = kAxpyMaxRows;
  static constexpr int kAxpyVectors = 6;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T load_masked(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void store_masked(float* p, M m, T v) { _mm256_maskstore_ps(p, m, v); }
  // Lane l is on (sign bit set) when l < lanes.
  static M mask(int lanes) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
};

}  // namespace

void sgemm_axpy(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc, const GemmEpilogue* ep) {
  SkinnyAB<Avx2>::run(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace salient::kern::avx2
