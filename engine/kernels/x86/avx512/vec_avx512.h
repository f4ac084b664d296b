// AVX-512 vector traits (16-lane zmm, k-masks) shared by the x86/ kernel templates; AVX-512 only.
#pragma once

#include <immintrin.h>

namespace salient::kern {
namespace {  // internal linkage: each translation unit keeps its own copy, compiled with its flags

struct Avx512 {
  using T = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  // The maskz forms with every lane set: gcc 12's unmasked forms start from _mm512_undefined_*,
  // which -Wmaybe-uninitialized flags.
  static constexpr __mmask16 kAll = 0xffff;
  static M mask(int lanes) { return static_cast<M>((1u << lanes) - 1); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static T load_masked(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store_masked(float* p, M m, T v) { _mm512_mask_storeu_ps(p, m, v); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm512_maskz_max_ps(kAll, a, b); }
};

}  // namespace
}  // namespace salient::kern
