// AVX2 micro-panel packing: r < rows are scaled source values, rows ≤ r < stride are zero.
// Lanes are handled in groups of 8 (one ymm); the last group of a stride that is not a multiple
// of 8 is written in parts.
#include "x86/avx2/pack_avx2.h"

#include <immintrin.h>

#include <cstdint>

#include "x86/avx2/vec_avx2.h"

namespace salient::kern::avx2 {
namespace {

// Local helpers instead of std::min/std::clamp: an inline library template compiled here would be
// built with AVX flags, and the linker may pick that copy for baseline code too.
int min_int(int a, int b) { return a < b ? a : b; }
int lanes(int n) { return n < 0 ? 0 : min_int(n, 8); }

// Stores lanes [0, width) of v. Plain 16/8/4-byte stores: AVX2 masked stores (vmaskmovps) are
// slow on AMD cores.
void store_lanes(float* dst, int width, __m256 v) {
  if (width == 8) return _mm256_storeu_ps(dst, v);
  __m128 part = _mm256_castps256_ps128(v);
  if (width >= 4) {
    _mm_storeu_ps(dst, part);
    part = _mm256_extractf128_ps(v, 1);
    dst += 4;
    width -= 4;
  }
  if (width >= 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(dst), part);
    part = _mm_movehl_ps(part, part);
    dst += 2;
    width -= 2;
  }
  if (width == 1) _mm_store_ss(dst, part);
}

// In-place 8×8 transpose: v[i][j] ↦ v[j][i].
void transpose8x8(__m256 v[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    v[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

}  // namespace

void pack_transposed(int rows, int depth, const float* src, int ld, float scale, float* dst,
                     int stride) {
  const __m256 s = _mm256_set1_ps(scale);
  for (int r0 = 0; r0 < stride; r0 += 8) {
    const int live = lanes(rows - r0), width = min_int(8, stride - r0);
    const float* row = src + int64_t{r0} * ld;
    int p = 0;
    for (; p + 8 <= depth; p += 8) {
      __m256 v[8];
      for (int q = 0; q < 8; ++q)
        v[q] = q < live ? _mm256_mul_ps(s, _mm256_loadu_ps(row + int64_t{q} * ld + p))
                        : _mm256_setzero_ps();
      transpose8x8(v);
      for (int t = 0; t < 8; ++t) store_lanes(dst + (p + t) * stride + r0, width, v[t]);
    }
    for (; p < depth; ++p)
      for (int q = 0; q < width; ++q)
        dst[p * stride + r0 + q] = q < live ? scale * row[int64_t{q} * ld + p] : 0.0f;
  }
}

void pack_copied(int rows, int depth, const float* src, int ld, float scale, float* dst,
                 int stride) {
  const __m256 s = _mm256_set1_ps(scale);
  if (rows == stride && stride % 8 == 0) {  // a whole panel: plain vector copies
    for (int p = 0; p < depth; ++p)
      for (int r0 = 0; r0 < stride; r0 += 8)
        _mm256_storeu_ps(dst + p * stride + r0,
                         _mm256_mul_ps(s, _mm256_loadu_ps(src + int64_t{p} * ld + r0)));
    return;
  }
  for (int p = 0; p < depth; ++p) {
    const float* row = src + int64_t{p} * ld;
    for (int r0 = 0; r0 < stride; r0 += 8) {
      const int live = lanes(rows - r0), width = min_int(8, stride - r0);
      const __m256 v = live == 8   ? _mm256_loadu_ps(row + r0)
                       : live == 0 ? _mm256_setzero_ps()
                                   : _mm256_maskload_ps(row + r0, Avx2::mask(live));
      store_lanes(dst + p * stride + r0, width, _mm256_mul_ps(s, v));
    }
  }
}

}  // namespace salient::kern::avx2
