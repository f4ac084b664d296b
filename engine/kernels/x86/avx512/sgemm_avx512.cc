// SGEMM, AVX-512: a 14×32 register tile (28 zmm accumulators, 2 for B; A is broadcast from memory
// into each FMA). 28 independent FMAs per depth step keep two 512-bit FMA pipes busy through the
// 4-cycle latency, and 14 broadcasts + 2 loads per 28 FMAs stay under two loads per cycle.
//   C[i, j] = beta·C[i, j] + Σ_p ã[p·14 + i]·b̃[p·32 + j]      (i < 14, j < 32, then the epilogue)
// Edge tiles run the same loop on fewer rows (a template per row count) and one or two vectors
// of columns; the last vector is loaded and stored under a lane mask.
#include <immintrin.h>

#include <utility>

#include "gemm/pack_buffer.h"
#include "gemm/sgemm_blocked.h"
#include "variants.h"
#include "x86/avx2/pack_avx2.h"
#include "x86/avx512/sgemm_axpy_avx512.h"
#include "x86/avx512/sgemm_dot_avx512.h"
#include "x86/avx512/vec_avx512.h"

namespace salient::kern {
namespace avx512 {
namespace {

constexpr int kMr = 14, kVectors = 2, kNr = 16 * kVectors;

// A is a packed micro-panel (kAInPlace false: a[p·14 + i]) or op(A) read in place at the tile's
// first row (a[i·lda + p]); the same products in the same order either way.
template <int kRows, int kCols, bool kAInPlace>
void tile(int cols, int depth, const float* a, int lda, const float* b, int ldb, float beta,
          float* c, int ldc, const GemmEpilogue* ep) {
  __m512 acc[kRows][kCols];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v) acc[i][v] = _mm512_setzero_ps();
  // The last vector of columns holds cols − 16·(kCols − 1) of them: B's is loaded under that
  // mask (so a partial panel of B can be read in place, nothing past column cols is read), C's
  // stored under it.
  const int tail_lanes = cols - 16 * (kCols - 1);
  const __mmask16 tail = Avx512::mask(tail_lanes);
  for (int p = 0; p < depth; ++p, a += kAInPlace ? 1 : kMr, b += ldb) {
    __m512 bv[kCols];
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v)
      bv[v] = v < kCols - 1 ? _mm512_loadu_ps(b + 16 * v) : _mm512_maskz_loadu_ps(tail, b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const __m512 ai = _mm512_set1_ps(kAInPlace ? a[int64_t{i} * lda] : a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < kCols; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  const __m512 zero = _mm512_setzero_ps(), vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < kCols; ++v) {
      const __mmask16 m = v < kCols - 1 ? __mmask16(0xFFFF) : tail;
      __m512 x = acc[i][v];
      if (beta != 0.0f) x = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m, ci + 16 * v), x);
      if (ep) {
        if (ep->row_bias) x = _mm512_add_ps(x, _mm512_set1_ps(ep->row_bias[i]));
        if (ep->col_bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, ep->col_bias + 16 * v));
        // maskz form: GCC 12 warns on _mm512_max_ps's undefined pass-through vector.
        if (ep->relu) x = _mm512_maskz_max_ps(0xFFFF, x, zero);
      }
      _mm512_mask_storeu_ps(ci + 16 * v, m, x);
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
  kPackedTiles.at[(cols - 1) / 16][rows - 1](cols, depth, a, 0, b, ldb, beta, c, ldc, ep);
}

void any_tile_a_in_place(int rows, int cols, int depth, const float* a, int lda, const float* b,
                         int ldb, float beta, float* c, int ldc, const GemmEpilogue* ep) {
  kInPlaceTiles.at[(cols - 1) / 16][rows - 1](cols, depth, a, lda, b, ldb, beta, c, ldc, ep);
}

// Blocks (KC, MC, NC) = (256, 168, 512): a KC×32 B micro-panel is 32 KiB (L1 is 48 KiB on Zen 4/5),
// a 168×256 A block 168 KiB and a 256×512 B panel 512 KiB (L2 is 1 MiB). Tuned on Zen 5: KC
// 192-512, MC 112-280 and NC 256-1024 all land within ±3 % at n = 512-1024.
constexpr SgemmMicroArch kArch{kMr,
                               kNr,
                               256,
                               168,
                               512,
                               avx2::pack_transposed,
                               avx2::pack_copied,
                               any_tile,
                               kDotRows,
                               sgemm_dot,
                               kAxpyMaxRows,
                               sgemm_axpy,
                               any_tile_a_in_place,
                               /*b_tail_in_place=*/true};

static_assert(size_t(kArch.mc) * kArch.kc + size_t(kArch.kc) * kArch.nc <= kStaticPackFloats);
static_assert(kArch.mc % kMr == 0 && kArch.nc % kNr == 0);

}  // namespace
}  // namespace avx512

void sgemm__avx512_14x32(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a,
                         int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  sgemm_blocked(avx512::kArch, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nullptr);
}

void sgemm_fused__avx512_14x32(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a,
                               int lda, const float* b, int ldb, float beta, float* c, int ldc,
                               const GemmEpilogue& ep) {
  sgemm_blocked(avx512::kArch, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, &ep);
}

}  // namespace salient::kern
