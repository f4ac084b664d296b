// Max and average pooling, AVX2 (x86/pool.h, x86/pool_pairs.h): 8 outputs at a time, tails through
// vmaskmovps and masked gathers.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx2/vec_avx2.h"
#include "x86/pool.h"

namespace salient::kern {
namespace {

// The shared AVX2 traits plus pooling's index vectors, gathers, permutes and blends.
struct PoolAvx2 : Avx2 {
  using I = __m256i;
  static I load_i(const int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static I set1_i(int32_t v) { return _mm256_set1_epi32(v); }
  static I add_i(I a, I b) { return _mm256_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm256_sub_epi32(a, b); }
  static M equal_i(I a, I b) { return _mm256_cmpeq_epi32(a, b); }
  static T gather(const float* p, I idx, M m) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, idx, _mm256_castsi256_ps(m), 4);
  }
  // Lanes from the 16 floats of v[0..2) at idx (mod 16): a permute of each, then bit 3.
  static constexpr int kWindow = 2;
  static T permute_window(const T* v, I idx) { return permute2(v[0], v[1], idx); }
  // Lanes of v at idx; lanes of a‖b at idx (mod 16); the even and odd floats of a‖b.
  static T permute(T v, I idx) { return _mm256_permutevar8x32_ps(v, idx); }
  static I permute_i(I v, I idx) { return _mm256_permutevar8x32_epi32(v, idx); }
  static T permute2(T a, T b, I idx) {
    const I high = _mm256_slli_epi32(idx, 28);  // bit 3 into the sign bit, which blendv reads
    return _mm256_blendv_ps(permute(a, idx), permute(b, idx), _mm256_castsi256_ps(high));
  }
  static void deinterleave(T a, T b, T& even, T& odd) {
    // Within 128-bit halves: (a0 a2 b0 b2 | a4 a6 b4 b6); then the 64-bit pairs in order 0 2 1 3.
    even = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))),
                              _MM_SHUFFLE(3, 1, 2, 0)));
    odd = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))),
                              _MM_SHUFFLE(3, 1, 2, 0)));
  }
  // x > best, or x is NaN and best is not: best is ordered and not x <= best (true if x is NaN).
  static M better(T x, T best) { return better_than_ordered(x, best, ordered(best)); }
  static M ordered(T x) { return _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_ORD_Q)); }
  static M better_than_ordered(T x, T best, M best_ordered) {
    return and_m(best_ordered, _mm256_castps_si256(_mm256_cmp_ps(x, best, _CMP_NLE_UQ)));
  }
  static M and_m(M a, M b) { return _mm256_and_si256(a, b); }
  static T blend(M take, T keep, T x) {
    return _mm256_blendv_ps(keep, x, _mm256_castsi256_ps(take));
  }
  static I blend_i(M take, I keep, I x) {
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(keep), _mm256_castsi256_ps(x),
                                                _mm256_castsi256_ps(take)));
  }
  static void store_masked_i(int32_t* p, M m, I v) {
    _mm256_maskstore_epi32(reinterpret_cast<int*>(p), m, v);
  }
};

}  // namespace

void maxpool2d_forward__avx2(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
  Pool<PoolAvx2>::max_forward(g, x, y, argmax);
}
void maxpool2d_backward__avx2(const Pool2dGeometry& g, const int32_t* argmax, const float* gy,
                              float* gx) {
  Pool<PoolAvx2>::max_backward(g, argmax, gy, gx);
}
void avgpool2d_forward__avx2(const Pool2dGeometry& g, const float* x, float* y) {
  Pool<PoolAvx2>::avg_forward(g, x, y);
}
void avgpool2d_backward__avx2(const Pool2dGeometry& g, const float* gy, float* gx) {
  Pool<PoolAvx2>::avg_backward(g, gy, gx);
}

}  // namespace salient::kern
