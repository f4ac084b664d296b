// Batch-normalisation affine and backward, AVX-512 (x86/batchnorm.h): 16 channels of a row at a
// time, k-masked tails, double arithmetic on two halves of 8.
#include <immintrin.h>

#include "variants.h"
#include "x86/batchnorm.h"

namespace salient::kern {
namespace {

// The maskz forms with every lane set: gcc 12's unmasked conversions start from
// _mm256_undefined_*, which -Wmaybe-uninitialized flags.
constexpr __mmask8 kAll8 = 0xff;

struct Avx512 {
  using T = __m512;
  using D = __m512d;
  using M = __mmask16;
  static constexpr int W = 16;
  static M mask(int lanes) { return static_cast<M>((1u << lanes) - 1); }
  static T load(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, M m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
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
  BatchNorm<Avx512>::affine(outer, c, inner, x, scale, shift, y);
}
void batchnorm_backward__avx512(int64_t outer, int c, int64_t inner, const float* x,
                                const float* gy, const float* mean, const float* invstd,
                                const float* gamma, bool training, float* gx, float* ggamma,
                                float* gbeta) {
  BatchNorm<Avx512>::backward(outer, c, inner, x, gy, mean, invstd, gamma, training, gx, ggamma,
                              gbeta);
}

}  // namespace salient::kern
