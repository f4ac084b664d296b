// Batch-normalisation affine and backward, AVX-512 (x86/batchnorm.h): 16 channels of a row at a
// time, k-masked tails, double arithmetic on two halves of 8.
#include <immintrin.h>

#include "variants.h"
#include "x86/avx512/vec_avx512.h"
#include "x86/batchnorm.h"

namespace salient::kern {
namespace {

// The maskz forms with every lane set: gcc 12's unmasked conversions start from
// _mm256_undefined_*, which -Wmaybe-uninitialized flags.
constexpr __mmask8 kAll8 = 0xff;

// The shared AVX-512 traits plus batchnorm's double halves.
struct BnAvx512 : Avx512 {
  using D = __m512d;
  static D lo(T v) {
    return _mm512_maskz_cvtps_pd(kAll8, _mm512_maskz_extractf32x8_ps(kAll8, v, 0));
  }
  static D hi(T v) {
    return _mm512_maskz_cvtps_pd(kAll8, _mm512_maskz_extractf32x8_ps(kAll8, v, 1));
  }
  static T narrow(D lo, D hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_maskz_cvtpd_ps(kAll8, lo)),
                              _mm512_maskz_cvtpd_ps(kAll8, hi), 1);
  }
  static D load_d(const double* p) { return _mm512_load_pd(p); }
  static void store_d(double* p, D v) { _mm512_store_pd(p, v); }
  static D add_d(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub_d(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul_d(D a, D b) { return _mm512_mul_pd(a, b); }
};

}  // namespace

void channel_affine__avx512(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                            const float* shift, float* y) {
  BatchNorm<BnAvx512>::affine(outer, c, inner, x, scale, shift, y);
}
void batchnorm_backward__avx512(int64_t outer, int c, int64_t inner, const float* x,
                                const float* gy, const float* mean, const float* invstd,
                                const float* gamma, bool training, float* gx, float* ggamma,
                                float* gbeta) {
  BatchNorm<BnAvx512>::backward(outer, c, inner, x, gy, mean, invstd, gamma, training, gx, ggamma,
                                gbeta);
}

}  // namespace salient::kern
