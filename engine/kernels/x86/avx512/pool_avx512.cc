// Max and average pooling, AVX-512 (x86/pool.h): 16 outputs of a row at a time, k-masked tails.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx512/vec_avx512.h"
#include "x86/pool.h"

namespace salient::kern {
namespace {

// The shared AVX-512 traits plus pooling's index vectors, gathers and blends.
struct PoolAvx512 : Avx512 {
  using I = __m512i;
  static I load_i(const int32_t* p) { return _mm512_loadu_si512(p); }
  static I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
  static I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
  static T gather(const float* p, I idx, M m) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, p, 4);
  }
  // x > best, or x is NaN and best is not.
  static M better(T x, T best) {
    const M x_nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const M best_nan = _mm512_cmp_ps_mask(best, best, _CMP_UNORD_Q);
    return static_cast<M>(_mm512_cmp_ps_mask(x, best, _CMP_GT_OQ) | (x_nan & ~best_nan));
  }
  // Lanes from the 64 floats of v[0..4) at idx (mod 64): two two-vector permutes, then bit 5.
  static constexpr int kWindow = 4;
  static T permute_window(const T* v, I idx) {
    const T low = _mm512_permutex2var_ps(v[0], idx, v[1]);
    const T high = _mm512_permutex2var_ps(v[2], idx, v[3]);
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(32)), low, high);
  }
  static T blend(M take, T keep, T x) { return _mm512_mask_blend_ps(take, keep, x); }
  static I blend_i(M take, I keep, I x) { return _mm512_mask_blend_epi32(take, keep, x); }
  static void store_masked_i(int32_t* p, M m, I v) { _mm512_mask_storeu_epi32(p, m, v); }
};

}  // namespace

void maxpool2d_forward__avx512(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
  Pool<PoolAvx512>::max_forward(g, x, y, argmax);
}
void avgpool2d_forward__avx512(const Pool2dGeometry& g, const float* x, float* y) {
  Pool<PoolAvx512>::avg_forward(g, x, y);
}

}  // namespace salient::kern
