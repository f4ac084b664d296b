// Batch-normalisation affine and backward kernels for the [outer, c, inner = 1] layout (batchnorm1d
// over features, e.g. a GRU's hidden units: rows of c channels), written once over a per-ISA traits
// type V (batchnorm_avx2.cc and batchnorm_avx512.cc instantiate it in their own translation units,
// built with -ffp-contract=off; everything here has internal linkage). The reference walks one
// channel at a time, so each of its passes reads x at a stride of c floats; here W adjacent
// channels of one row are computed at once, row after row, with per-channel double sums kept in a
// stack block of kBlock channels.
//   affine    y = x·scale_k + shift_k                      (float multiply, then float add)
//   backward  t = gy·(x − mean_k)·invstd_k (float);  S1_k += (double) gy, S2_k += (double) t;
//             gβ += (float) S1, gγ += (float) S2;
//             gx += (float)(s·(gy − S1/M − x̂·S2/M)) (training; x̂ = (double)(x − mean_k)·invstd_k)
//             or (float)(s·gy) (inference), s = (double) γ_k·invstd_k
// Every element and every per-channel sum (rows in order) sees the reference's operations in its
// order and precision, so both are bit-identical to ref/batchnorm_ref.cc. The sums are skipped when
// nothing reads them (inference with no gγ or gβ). Other layouts (inner > 1: batchnorm2d, whose
// channels are already contiguous planes) run the reference.
#pragma once

#include <cstdint>

#include "ref/ref_kernels.h"

namespace salient::kern {
namespace {

template <class V>
struct BatchNorm {
  using T = typename V::T;  // W floats
  using D = typename V::D;  // W/2 doubles
  using M = typename V::M;  // lane mask for W floats
  static constexpr int W = V::W;
  static constexpr int kBlock = 256;  // channels whose double sums live on the stack at once

  static int lanes(int c, int k) { return c - k < W ? c - k : W; }

  static void affine(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                     const float* shift, float* y) {
    if (inner != 1) return ref::channel_affine(outer, c, inner, x, scale, shift, y);
    for (int64_t o = 0; o < outer; ++o) {
      const float* xr = x + o * c;
      float* yr = y + o * c;
      for (int k = 0; k < c; k += W) {
        const M m = V::mask(lanes(c, k));
        const T v = V::add(V::mul(V::load_masked(xr + k, m), V::load_masked(scale + k, m)),
                           V::load_masked(shift + k, m));
        V::store_masked(yr + k, m, v);
      }
    }
  }

  // S1 and S2 of channels [k0, k0 + kb) into s1, s2 (zeroed here).
  static void sums(int64_t outer, int c, int k0, int kb, const float* x, const float* gy,
                   const float* mean, const float* invstd, double* s1, double* s2) {
    for (int k = 0; k < kb; ++k) s1[k] = s2[k] = 0.0;
    for (int64_t o = 0; o < outer; ++o)
      for (int k = 0; k < kb; k += W) {
        const int64_t at = o * c + k0 + k;
        const M m = V::mask(lanes(kb, k));
        const T g = V::load_masked(gy + at, m);
        const T d = V::sub(V::load_masked(x + at, m), V::load_masked(mean + k0 + k, m));
        const T t = V::mul(V::mul(g, d), V::load_masked(invstd + k0 + k, m));
        V::store_d(s1 + k, V::add_d(V::load_d(s1 + k), V::lo(g)));
        V::store_d(s1 + k + W / 2, V::add_d(V::load_d(s1 + k + W / 2), V::hi(g)));
        V::store_d(s2 + k, V::add_d(V::load_d(s2 + k), V::lo(t)));
        V::store_d(s2 + k + W / 2, V::add_d(V::load_d(s2 + k + W / 2), V::hi(t)));
      }
  }

  static void backward(int64_t outer, int c, int64_t inner, const float* x, const float* gy,
                       const float* mean, const float* invstd, const float* gamma, bool training,
                       float* gx, float* ggamma, float* gbeta) {
    if (inner != 1)
      return ref::batchnorm_backward(outer, c, inner, x, gy, mean, invstd, gamma, training, gx,
                                     ggamma, gbeta);
    const bool need_sums = ggamma || gbeta || (gx && training);
    const double count = static_cast<double>(outer);
    // Padded to whole vectors: masked-off lanes add zeros to slots nobody reads.
    alignas(64) double s1[kBlock + W], s2[kBlock + W], scale[kBlock + W], m1[kBlock + W],
        m2[kBlock + W];
    for (int k0 = 0; k0 < c; k0 += kBlock) {
      const int kb = c - k0 < kBlock ? c - k0 : kBlock;
      if (need_sums) sums(outer, c, k0, kb, x, gy, mean, invstd, s1, s2);
      for (int k = 0; k < kb; ++k) {
        if (gbeta) gbeta[k0 + k] += static_cast<float>(s1[k]);
        if (ggamma) ggamma[k0 + k] += static_cast<float>(s2[k]);
      }
      if (!gx) continue;
      for (int k = 0; k < kb; ++k) {
        scale[k] = static_cast<double>(gamma[k0 + k]) * invstd[k0 + k];
        if (training) m1[k] = s1[k] / count, m2[k] = s2[k] / count;
      }
      for (int k = kb; k < kb + W; ++k) scale[k] = m1[k] = m2[k] = 0.0;
      for (int64_t o = 0; o < outer; ++o)
        for (int k = 0; k < kb; k += W) {
          const int64_t at = o * c + k0 + k;
          const M m = V::mask(lanes(kb, k));
          const T g = V::load_masked(gy + at, m);
          D lo = V::lo(g), hi = V::hi(g);
          if (training) {
            const T d = V::sub(V::load_masked(x + at, m), V::load_masked(mean + k0 + k, m));
            const T is = V::load_masked(invstd + k0 + k, m);
            const D xhat_lo = V::mul_d(V::lo(d), V::lo(is)),
                    xhat_hi = V::mul_d(V::hi(d), V::hi(is));
            lo = V::sub_d(V::sub_d(lo, V::load_d(m1 + k)), V::mul_d(xhat_lo, V::load_d(m2 + k)));
            hi = V::sub_d(V::sub_d(hi, V::load_d(m1 + k + W / 2)),
                          V::mul_d(xhat_hi, V::load_d(m2 + k + W / 2)));
          }
          lo = V::mul_d(V::load_d(scale + k), lo);
          hi = V::mul_d(V::load_d(scale + k + W / 2), hi);
          V::store_masked(gx + at, m, V::add(V::load_masked(gx + at, m), V::narrow(lo, hi)));
        }
    }
  }
};

}  // namespace
}  // namespace salient::kern
