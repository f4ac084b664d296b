// AVX2 + FMA vector traits (8-lane ymm) shared by the x86/ kernel templates; AVX2 sources only.
#pragma once

#include <immintrin.h>

namespace salient::kern {
namespace {  // internal linkage: each translation unit keeps its own copy, compiled with its flags

struct Avx2 {
  using T = __m256;
  using M = __m256i;
  static constexpr int W = 8;
  // Lane l is on (sign bit set) when l < lanes.
  static M mask(int lanes) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static T load_masked(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void store_masked(float* p, M m, T v) { _mm256_maskstore_ps(p, m, v); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
};

}  // namespace
}  // namespace salient::kern
