// SGEMM, AVX2 + FMA: a 6×16 register tile (12 ymm accumulators, 2 for B, 1 broadcast of A),
// enough independent FMAs to cover the 4-cycle FMA latency on two FMA pipes.
//   C[i, j] = beta·C[i, j] + Σ_p ã[p·6 + i]·b̃[p·16 + j]      (i < 6, j < 16, then the epilogue)
// Edge tiles run the same loop on fewer rows (a template per row count) and one or two vectors
// of columns; a last partial vector of columns is loaded and stored with a mask.
#include <immintrin.h>

#include <utility>

#include "gemm/pack_buffer.h"
#include "gemm/sgemm_blocked.h"
#include "variants.h"
#include "x86/avx2/pack_avx2.h"
#include "x86/avx2/sgemm_axpy_avx2.h"
#include "x86/avx2/sgemm_dot_avx2.h"
#include "x86/avx2/vec_avx2.h"

namespace salient::kern {
namespace avx2 {
namespace {

constexpr int kMr = 6, kVectors = 2, kNr = 8 * kVectors;

// A is a packed micro-panel (kAInPlace false: a[p·6 + i]) or op(A) read in place at the tile's
// first row (a[i·lda + p]); the same products in the same order either way.
template <int kRows, int kCols, bool kAInPlace>
void tile(int cols, int depth, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc, const GemmEpilogue* ep) {
  __m256 acc[kRows][kCols];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v) acc[i][v] = _mm256_setzero_ps();
  for (int p = 0; p < depth; ++p, a += kAInPlace ? 1 : kMr, b += ldb) {
    __m256 bv[kCols];
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const __m256 ai = _mm256_broadcast_ss(kAInPlace ? a + int64_t{i} * lda : a + i);
#pragma GCC unroll 4
      for (int v = 0; v < kCols; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  // Store: vectors before the last are whole; the last holds cols − 8·(kCols − 1) columns.
  const bool last_whole = cols == 8 * kCols;
  const __m256i tail = Avx2::mask(cols - 8 * (kCols - 1));
  const __m256 zero = _mm256_setzero_ps(), vbeta = _mm256_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v) {
      const bool whole = v < kCols - 1 || last_whole;
      __m256 x = acc[i][v];
      if (beta != 0.0f)
        x = _mm256_fmadd_ps(
            vbeta, whole ? _mm256_loadu_ps(ci + 8 * v) : _mm256_maskload_ps(ci + 8 * v, tail), x);
      if (ep) {
        if (ep->row_bias) x = _mm256_add_ps(x, _mm256_broadcast_ss(ep->row_bias + i));
        if (ep->col_bias)
          x = _mm256_add_ps(x, whole ? _mm256_loadu_ps(ep->col_bias + 8 * v)
                                     : _mm256_maskload_ps(ep->col_bias + 8 * v, tail));
        if (ep->relu) x = _mm256_max_ps(x, zero);
      }
      if (whole)
        _mm256_storeu_ps(ci + 8 * v, x);
      else
        _mm256_maskstore_ps(ci + 8 * v, tail, x);
    }
  }
}

// Tiles<kAInPlace>::at[v][r] computes r + 1 rows and v + 1 vectors of columns.
using Tile = void (*)(int, int, const float*, int, const float*, int, float, float*, int,
                      const GemmEpilogue*);
struct Tiles {
  Tile at[kVectors][kMr];
};
template <bool kAInPlace, int... kRows>
constexpr Tiles make_tiles(std::integer_sequence<int, kRows...>) {
  return {{{&tile<kRows + 1, 1, kAInPlace>...}, {&tile<kRows + 1, 2, kAInPlace>...}}};
}
constexpr Tiles kPackedTiles = make_tiles<false>(std::make_integer_sequence<int, kMr>{});
constexpr Tiles kInPlaceTiles = make_tiles<true>(std::make_integer_sequence<int, kMr>{});

void any_tile(int rows, int cols, int depth, const float* a, const float* b, int ldb, float beta,
              float* c, int ldc, const GemmEpilogue* ep) {
  kPackedTiles.at[(cols - 1) / 8][rows - 1](cols, depth, a, 0, b, ldb, beta, c, ldc, ep);
}

void any_tile_a_in_place(int rows, int cols, int depth, const float* a, int lda, const float* b,
                         int ldb, float beta, float* c, int ldc, const GemmEpilogue* ep) {
  kInPlaceTiles.at[(cols - 1) / 8][rows - 1](cols, depth, a, lda, b, ldb, beta, c, ldc, ep);
}

// Blocks (KC, MC, NC) = (256, 144, 512): a KC×16 B micro-panel is 16 KiB (L1), a 144×256 A block
// 144 KiB and a 256×512 B panel 512 KiB (L2).
constexpr SgemmMicroArch kArch{
    kMr,      kNr,      256,       144,          512,        pack_transposed,    pack_copied,
    any_tile, kDotRows, sgemm_dot, kAxpyMaxRows, sgemm_axpy, any_tile_a_in_place};

static_assert(size_t(kArch.mc) * kArch.kc + size_t(kArch.kc) * kArch.nc <= kStaticPackFloats);
static_assert(kArch.mc % kMr == 0 && kArch.nc % kNr == 0);

}  // namespace
}  // namespace avx2

void sgemm__avx2_6x16(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc) {
  sgemm_blocked(avx2::kArch, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr);
}

void sgemm_fused__avx2_6x16(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc,
                            const GemmEpilogue& ep) {
  sgemm_blocked(avx2::kArch, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, &ep);
}

}  // namespace salient::kern
