// Skinny C = alpha·A·Bᵀ + beta·C, AVX2 + FMA, for at most 3 rows (a batch-1 linear layer, a GRU
// step):
//   C[i, j] = beta·C[i, j] + alpha·Σ_p a[i·lda + p]·b[j·ldb + p]      (then the epilogue)
// Every element is a dot product of two contiguous rows, so both operands are read in place, B
// exactly once; packing (a transpose of all of B) would cost more than the product. Blocks of up
// to 3 rows × 4 columns keep 4 to 12 ymm accumulators over 8 values of p at a time (the last,
// partial vector of p through masked loads); each accumulator is then summed across its lanes.
#include "x86/avx2/sgemm_dot_avx2.h"

#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "x86/avx2/vec_avx2.h"

namespace salient::kern::avx2 {
namespace {

constexpr int kCols = 4;

// acc[i][j] += a[i, p:p+8]·b[j, p:p+8], lane by lane; with kTail only the lanes in `tail` are read.
template <int kR, int kC, bool kTail>
[[gnu::always_inline]] inline void step(__m256 (&acc)[kR][kC], const float* a, int lda,
                                        const float* b, int ldb, int p, __m256i tail) {
  __m256 bv[kC];
#pragma GCC unroll 4
  for (int j = 0; j < kC; ++j) {
    const float* bj = b + int64_t{j} * ldb + p;
    bv[j] = kTail ? _mm256_maskload_ps(bj, tail) : _mm256_loadu_ps(bj);
  }
#pragma GCC unroll 4
  for (int i = 0; i < kR; ++i) {
    const float* ai = a + int64_t{i} * lda + p;
    const __m256 av = kTail ? _mm256_maskload_ps(ai, tail) : _mm256_loadu_ps(ai);
#pragma GCC unroll 4
    for (int j = 0; j < kC; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
  }
}

float sum_lanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

template <int kR, int kC>
void dot_block(int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
               float* c, int ldc, const GemmEpilogue* ep) {
  __m256 acc[kR][kC];
#pragma GCC unroll 4
  for (int i = 0; i < kR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < kC; ++j) acc[i][j] = _mm256_setzero_ps();
  const __m256i tail = Avx2::mask(k % 8);
  int p = 0;
  for (; p + 8 <= k; p += 8) step<kR, kC, false>(acc, a, lda, b, ldb, p, tail);
  if (p < k) step<kR, kC, true>(acc, a, lda, b, ldb, p, tail);
  for (int i = 0; i < kR; ++i)
    for (int j = 0; j < kC; ++j) {
      float& cij = c[int64_t{i} * ldc + j];
      float x = alpha * sum_lanes(acc[i][j]);
      if (beta != 0.0f) x += beta * cij;
      if (ep) {
        if (ep->row_bias) x += ep->row_bias[i];
        if (ep->col_bias) x += ep->col_bias[j];
        if (ep->relu) x = x > 0.0f ? x : 0.0f;
      }
      cij = x;
    }
}

// kBlocks.at[r][c] computes r + 1 rows and c + 1 columns.
using Block = void (*)(int, float, const float*, int, const float*, int, float, float*, int,
                       const GemmEpilogue*);
struct Blocks {
  Block at[kDotRows][kCols];
};
template <int kR, int... kC>
constexpr void fill_row(Blocks& blocks, std::integer_sequence<int, kC...>) {
  ((blocks.at[kR][kC] = &dot_block<kR + 1, kC + 1>), ...);
}
template <int... kR>
constexpr Blocks make_blocks(std::integer_sequence<int, kR...>) {
  Blocks blocks{};
  (fill_row<kR>(blocks, std::make_integer_sequence<int, kCols>{}), ...);
  return blocks;
}
constexpr Blocks kBlocks = make_blocks(std::make_integer_sequence<int, kDotRows>{});

}  // namespace

void sgemm_dot(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
               float beta, float* c, int ldc, const GemmEpilogue* ep) {
  for (int j = 0; j < n; j += kCols) {
    GemmEpilogue block_ep;
    if (ep) {
      block_ep = *ep;
      if (block_ep.col_bias) block_ep.col_bias += j;
    }
    const int cols = n - j < kCols ? n - j : kCols;
    kBlocks.at[m - 1][cols - 1](k, alpha, a, lda, b + int64_t{j} * ldb, ldb, beta, c + j, ldc,
                                ep ? &block_ep : nullptr);
  }
}

}  // namespace salient::kern::avx2
