// Max and average pooling, AVX-512 (x86/pool.h, x86/pool_pairs.h): 16 outputs at a time, k-masked
// tails.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx512/vec_avx512.h"
#include "x86/pool.h"

namespace salient::kern {
namespace {

// The shared AVX-512 traits plus pooling's index vectors, gathers, permutes and blends.
struct PoolAvx512 : Avx512 {
  using I = __m512i;
  static I load_i(const int32_t* p) { return _mm512_loadu_si512(p); }
  static I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
  static I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
  static M equal_i(I a, I b) { return _mm512_cmpeq_epi32_mask(a, b); }
  static T gather(const float* p, I idx, M m) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, p, 4);
  }
  // x > best, or x is NaN and best is not: best is ordered and not x <= best (true if x is NaN).
  static M better(T x, T best) { return better_than_ordered(x, best, ordered(best)); }
  static M ordered(T x) { return _mm512_cmp_ps_mask(x, x, _CMP_ORD_Q); }
  static M better_than_ordered(T x, T best, M best_ordered) {
    return _mm512_mask_cmp_ps_mask(best_ordered, x, best, _CMP_NLE_UQ);
  }
  static M and_m(M a, M b) { return static_cast<M>(a & b); }
  // Lanes of v at idx; lanes of a‖b at idx (mod 32); the even and odd floats of a‖b.
  static T permute(T v, I idx) { return _mm512_maskz_permutexvar_ps(kAll, idx, v); }
  static I permute_i(I v, I idx) { return _mm512_maskz_permutexvar_epi32(kAll, idx, v); }
  static T permute2(T a, T b, I idx) { return _mm512_permutex2var_ps(a, idx, b); }
  static void deinterleave(T a, T b, T& even, T& odd) {
    const I evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    even = _mm512_permutex2var_ps(a, evens, b);
    odd = _mm512_permutex2var_ps(a, _mm512_add_epi32(evens, _mm512_set1_epi32(1)), b);
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
void maxpool2d_backward__avx512(const Pool2dGeometry& g, const int32_t* argmax, const float* gy,
                                float* gx) {
  Pool<PoolAvx512>::max_backward(g, argmax, gy, gx);
}
void avgpool2d_forward__avx512(const Pool2dGeometry& g, const float* x, float* y) {
  Pool<PoolAvx512>::avg_forward(g, x, y);
}
void avgpool2d_backward__avx512(const Pool2dGeometry& g, const float* gy, float* gx) {
  Pool<PoolAvx512>::avg_backward(g, gy, gx);
}

}  // namespace salient::kern
