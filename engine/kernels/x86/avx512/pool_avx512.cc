// Max and average pooling, AVX-512 (x86/pool.h): 16 outputs of a row at a time, k-masked tails.
#include <immintrin.h>

#include "variants.h"
#include "x86/pool.h"

namespace salient::kern {
namespace {

struct Avx512 {
  using T = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int W = 16;
  static M mask(int lanes) { return static_cast<M>((1u << lanes) - 1); }
  static I load_i(const int32_t* p) { return _mm512_loadu_si512(p); }
  static I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
  static I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T load_masked(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static T gather(const float* p, I idx, M m) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, p, 4);
  }
  // x > best, or x is NaN and best is not.
  static M better(T x, T best) {
    const M x_nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const M best_nan = _mm512_cmp_ps_mask(best, best, _CMP_UNORD_Q);
    return static_cast<M>(_mm512_cmp_ps_mask(x, best, _CMP_GT_OQ) | (x_nan & ~best_nan));
  }
  static T blend(M take, T keep, T x) { return _mm512_mask_blend_ps(take, keep, x); }
  static I blend_i(M take, I keep, I x) { return _mm512_mask_blend_epi32(take, keep, x); }
  static void store_masked(float* p, M m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static void store_masked_i(int32_t* p, M m, I v) { _mm512_mask_storeu_epi32(p, m, v); }
};

}  // namespace

void maxpool2d_forward__avx512(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
  Pool<Avx512>::max_forward(g, x, y, argmax);
}
void avgpool2d_forward__avx512(const Pool2dGeometry& g, const float* x, float* y) {
  Pool<Avx512>::avg_forward(g, x, y);
}

}  // namespace salient::kern
