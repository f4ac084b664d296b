// The skinny A·B kernel of the AVX-512 SGEMM (x86/sgemm_axpy.h; the AxpyFn contract in
// gemm/sgemm_blocked.h): up to 4 rows, blocks of 1 row × 8 zmm or 2-4 rows × 4 zmm of columns, the
// last vector of a row under a k-mask.
#include "x86/avx512/sgemm_axpy_avx512.h"

#include <immintrin.h>

#include "x86/sgemm_axpy.h"

namespace salient::kern::avx512 {
namespace {

struct Avx512 {
  using T = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  static constexpr int kAxpyRows = kAxpyMaxRows;
  static constexpr int kAxpyVectors = 8;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T load_masked(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store_masked(float* p, M m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static M mask(int lanes) { return static_cast<M>((1u << lanes) - 1); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm512_maskz_max_ps(0xFFFF, a, b); }
};

}  // namespace

void sgemm_axpy(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc, const GemmEpilogue* ep) {
  SkinnyAB<Avx512>::run(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
}

}  // namespace salient::kern::avx512
