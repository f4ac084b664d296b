// Max and average pooling, AVX2 (x86/pool.h): 8 outputs of a row at a time, tails through
// vmaskmovps and masked gathers.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx2/vec_avx2.h"
#include "x86/pool.h"

namespace salient::kern {
namespace {

// The shared AVX2 traits plus pooling's index vectors, gathers and blends.
struct PoolAvx2 : Avx2 {
  using I = __m256i;
  static I load_i(const int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  static I set1_i(int32_t v) { return _mm256_set1_epi32(v); }
  static I add_i(I a, I b) { return _mm256_add_epi32(a, b); }
  static T gather(const float* p, I idx, M m) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, idx, _mm256_castsi256_ps(m), 4);
  }
  // Lanes from the 16 floats of v[0..2) at idx (mod 16): a permute of each, then bit 3.
  static constexpr int kWindow = 2;
  static T permute_window(const T* v, I idx) {
    const I high = _mm256_slli_epi32(idx, 28);  // bit 3 into the sign bit, which blendv reads
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(v[0], idx), _mm256_permutevar8x32_ps(v[1], idx),
                            _mm256_castsi256_ps(high));
  }
  // x > best, or x is NaN and best is not.
  static M better(T x, T best) {
    const T gt = _mm256_cmp_ps(x, best, _CMP_GT_OQ);
    const T x_nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const T best_nan = _mm256_cmp_ps(best, best, _CMP_UNORD_Q);
    return _mm256_castps_si256(_mm256_or_ps(gt, _mm256_andnot_ps(best_nan, x_nan)));
  }
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
void avgpool2d_forward__avx2(const Pool2dGeometry& g, const float* x, float* y) {
  Pool<PoolAvx2>::avg_forward(g, x, y);
}

}  // namespace salient::kern
