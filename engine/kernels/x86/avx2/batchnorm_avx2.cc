// Batch-normalisation affine and backward, AVX2 (x86/batchnorm.h): 8 channels of a row at a time,
// tails through vmaskmovps, double arithmetic on two halves of 4.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx2/vec_avx2.h"
#include "x86/batchnorm.h"

namespace salient::kern {
namespace {

// The shared AVX2 traits plus batchnorm's double halves.
struct BnAvx2 : Avx2 {
  using D = __m256d;
  static D lo(T v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static D hi(T v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static T narrow(D lo, D hi) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi),
                                1);
  }
  static D load_d(const double* p) { return _mm256_load_pd(p); }
  static void store_d(double* p, D v) { _mm256_store_pd(p, v); }
  static D add_d(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub_d(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul_d(D a, D b) { return _mm256_mul_pd(a, b); }
};

}  // namespace

void channel_affine__avx2(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                          const float* shift, float* y) {
  BatchNorm<BnAvx2>::affine(outer, c, inner, x, scale, shift, y);
}
void batchnorm_backward__avx2(int64_t outer, int c, int64_t inner, const float* x, const float* gy,
                              const float* mean, const float* invstd, const float* gamma,
                              bool training, float* gx, float* ggamma, float* gbeta) {
  BatchNorm<BnAvx2>::backward(outer, c, inner, x, gy, mean, invstd, gamma, training, gx, ggamma,
                              gbeta);
}

}  // namespace salient::kern
