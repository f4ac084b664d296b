// The AVX-512 Winograd convolution F(2×2, 3×3) (Lavin & Gray) for 3×3 kernels, stride 1, padding 1
// and even h, w. The output plane splits into 2×2 tiles; tile (ti, tj) reads the 4×4 patch d_c of
// the zero-padded input channel c at rows 2ti−1..2ti+2, columns 2tj−1..2tj+2, and
//     Y = s0 + Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A,     g_c: the output channel's weights of c,
//     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
//     G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//     Aᵀ = [1 1 1 0; 0 1 −1 −1],
// from s0 = b[o] (forward) or the output's own value (accumulate): 16 products per channel pair and
// tile where the direct sum has 36.
// Lanes are tiles: an image's tile plane (h/2 × w/2), flattened p = ti·tw + tj, goes in vectors of
// 16, as the plane kernel does with outputs. Patches are read with unit stride from the input's
// four polyphase planes x_ab[i, j] = x[2i + a, 2j + b] (each a tile plane, split once per image):
// patch row u is row ti + di of phase a, (a, di) = (1, −1), (0, 0), (1, 0), (0, +1) for u = 0..3,
// and columns alike, i.e. a load at p + di·tw + dj whose lanes outside the plane (the padding) are
// masked off. Per block of at most 2 tile vectors: V[pos][c] = Bᵀ d_c B; per block of output
// channels and per pos, the small product M[pos][o] = Σ_c U[pos][o][c] · V[pos][c] with U = G g Gᵀ
// (transformed once per call); then Aᵀ M A interleaved back into the output rows. Every element's
// sums run in one order whatever the thread split: results are bit-identical for every thread
// count. The backward data is the same kernel on the transposed convolution, accumulated into gx:
//     gx = conv(gy, W'),  W'[c, o, u, v] = W[o, c, 2−u, 2−v],  again 3×3 with padding 1.
#include "x86/avx512/conv_winograd_avx512.h"

#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "gemm/conv_gemm.h"
#include "x86/avx512/channel_fma_avx512.h"
#include "x86/work_units.h"

namespace salient::kern::avx512 {
namespace {

constexpr int kLanes = 16;
constexpr int kPositions = 16;    // the 4×4 transformed tile
constexpr int kBlockVectors = 2;  // tile vectors per block: the small products' columns
constexpr int kMaxChannels = 8;   // output channels per product tile (R·NV ≤ 16 accumulators)
constexpr int kMinChannels = 8;   // below this the transforms cost more than the saved products
constexpr int64_t kMaxVectors = 256;  // tile vectors per plane (the thread's mask and run table)
constexpr int kShifts = 9;            // (di, dj) ∈ {−1, 0, 1}²
constexpr int kMaxRuns = 8;           // runs of one tile row per half vector (8 when tw = 1)

// Patch row (or column) u = 0..3 reads phase kPhase[u] at tile-row offset kShift[u].
constexpr int kPhase[4] = {1, 0, 1, 0};
constexpr int kShift[4] = {-1, 0, 0, 1};

constexpr int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }

// The floats from one pos to the next in V and M (`rows` rows of `ld`): 16 more than the rows, so
// the 16 positions of a tile vector do not all fall in one L1 set (at 16 channels × 4 vectors they
// had been 4 KiB apart, and the input transform's 16 stores evicted each other).
constexpr int64_t pos_stride(int64_t rows, int64_t ld) { return rows * ld + kLanes; }

// How a call splits: units of whole images (`group` images whose tile vectors fit one block), or of
// `parts` pieces of a larger image (ranges of its blocks of kBlockVectors: parts > 1 when there are
// too few images for the threads), and the floats the transformed weights and a unit need.
struct Plan {
  int tw;
  int64_t tiles, vectors;  // of one image
  int64_t group, blocks;   // blocks: of one image, when group = 1
  int64_t parts = 1, units;
  int64_t u_floats;  // U[pos][o][c]
  int64_t pol_floats, v_floats, m_floats;
  Plan(const Conv2dGeometry& g)
      : tw(g.w / 2),
        tiles(int64_t{g.h / 2} * (g.w / 2)),
        vectors((tiles + kLanes - 1) / kLanes),
        group(vectors <= kBlockVectors ? kBlockVectors / vectors : 1),
        blocks((vectors + kBlockVectors - 1) / kBlockVectors),
        units((g.n + group - 1) / group),
        u_floats(round16(int64_t{kPositions} * g.c_in * g.c_out)),
        pol_floats(round16(group * g.c_in * int64_t{g.h} * g.w)),
        v_floats(kPositions * pos_stride(g.c_in, kBlockVectors * kLanes)),
        m_floats(kPositions * pos_stride(kMaxChannels, kBlockVectors * kLanes)) {}
  int64_t floats() const { return u_floats + pol_floats + v_floats + m_floats; }
  // Splits each image into up to `threads` pieces when the images alone give fewer than two units
  // a thread. A block is computed the same way whichever unit runs it: no result depends on this.
  void split_images(int n, int threads) {
    if (group > 1 || n >= 2 * threads) return;
    parts = lesser(blocks, (2 * threads + n - 1) / n);
    units = n * parts;
  }
};

// Output channels in blocks of at most kMaxChannels, sizes differing by at most one: block b is
// channels [first(b), first(b) + size(b)).
struct ChannelBlocks {
  int64_t count, base, extra;
  explicit ChannelBlocks(int64_t c_out)
      : count((c_out + kMaxChannels - 1) / kMaxChannels),
        base(c_out / count),
        extra(c_out % count) {}
  int size(int64_t b) const { return static_cast<int>(base + (b < extra ? 1 : 0)); }
  int64_t first(int64_t b) const { return b * base + lesser(b, extra); }
};

// Per tile vector s of a plane geometry: the lanes of each shifted load (lane l of vector s is tile
// p = 16s + l; shift (di, dj) is valid when p is in the plane and (ti + di, tj + dj) too), and the
// runs that write a half vector's interleaved outputs back: a half holds lanes 8·half.. of the
// vector, and a run is its lanes of one tile row, written at `base` (+ a·w for the tiles' row a)
// under `mask`. They depend only on h and w, so each thread keeps the last geometry's.
struct Run {
  int32_t base;
  uint16_t mask;
};
struct TileTables {
  int h = -1, w = -1;
  uint16_t shift[kMaxVectors * kShifts] = {};
  Run runs[kMaxVectors * 2 * kMaxRuns] = {};
  uint8_t run_count[kMaxVectors * 2] = {};
};
thread_local TileTables t_tables;

const TileTables& tile_tables(const Conv2dGeometry& g, const Plan& pl) {
  TileTables& t = t_tables;
  if (t.h == g.h && t.w == g.w) return t;
  t.h = g.h, t.w = g.w;
  const int64_t th = g.h / 2, tw = pl.tw;
  for (int64_t s = 0; s < pl.vectors; ++s) {
    for (int di = -1; di <= 1; ++di)
      for (int dj = -1; dj <= 1; ++dj) {
        unsigned bits = 0;
        for (int l = 0; l < kLanes; ++l) {
          const int64_t p = s * kLanes + l, ti = p / tw + di, tj = p % tw + dj;
          if (p < pl.tiles && ti >= 0 && ti < th && tj >= 0 && tj < tw) bits |= 1u << l;
        }
        t.shift[s * kShifts + (di + 1) * 3 + dj + 1] = static_cast<uint16_t>(bits);
      }
    for (int half = 0; half < 2; ++half) {
      const int64_t slot = s * 2 + half;
      int count = 0;
      for (int l = half * 8; l < half * 8 + 8;) {
        const int64_t p = s * kLanes + l;
        if (p >= pl.tiles) break;
        const int64_t ti = p / tw, tj = p % tw;
        int end = l + 1;  // the run: lanes [l, end) of tile row ti
        while (end < half * 8 + 8 && s * kLanes + end < pl.tiles && (s * kLanes + end) / tw == ti)
          ++end;
        const int q0 = 2 * (l - half * 8), q1 = 2 * (end - half * 8);  // its floats of the half
        t.runs[slot * kMaxRuns + count] =
            Run{static_cast<int32_t>(2 * ti * g.w + 2 * tj - q0),
                static_cast<uint16_t>(((1u << q1) - 1) & ~((1u << q0) - 1))};
        ++count;
        l = end;
      }
      t.run_count[slot] = static_cast<uint8_t>(count);
    }
  }
  return t;
}

// Lanes [0, n) of a vector.
inline __mmask16 first_lanes(int64_t n) {
  return static_cast<__mmask16>(n >= kLanes ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

// u[(pos·c_out + o)·c_in + c] = (G g Gᵀ)[pos] of W(o, c): w itself, or (flipped) the transposed,
// flipped weights of the original [c_in][c_out][3][3] array, W(o, c, u, v) = w[c, o, 2−u, 2−v];
// 16 input channels at a time, their 9 taps gathered.
void transform_weights(const Conv2dGeometry& g, const float* w, bool flipped, float* u) {
  const int channel_stride = flipped ? g.c_out * 9 : 9;  // from W(o, c) to W(o, c + 1)
  const __m512i lanes =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(channel_stride));
  const __m512 half = _mm512_set1_ps(0.5f);
  for (int o = 0; o < g.c_out; ++o)
    for (int c0 = 0; c0 < g.c_in; c0 += kLanes) {
      const __mmask16 live = first_lanes(g.c_in - c0);
      const float* src = w + (flipped ? int64_t{c0} * g.c_out + o : int64_t{o} * g.c_in + c0) * 9;
      __m512 k[3][3];
      for (int t = 0; t < 9; ++t)
        k[t / 3][t % 3] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, lanes,
                                                   src + (flipped ? 8 - t : t), 4);
      __m512 r[4][3];  // G g: rows (g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2)
      for (int v = 0; v < 3; ++v) {
        const __m512 outer = _mm512_add_ps(k[0][v], k[2][v]);
        r[0][v] = k[0][v], r[1][v] = _mm512_mul_ps(_mm512_add_ps(outer, k[1][v]), half);
        r[2][v] = _mm512_mul_ps(_mm512_sub_ps(outer, k[1][v]), half), r[3][v] = k[2][v];
      }
      for (int i = 0; i < 4; ++i) {  // (G g) Gᵀ: the same on the columns
        const __m512 outer = _mm512_add_ps(r[i][0], r[i][2]);
        const __m512 row[4] = {r[i][0], _mm512_mul_ps(_mm512_add_ps(outer, r[i][1]), half),
                               _mm512_mul_ps(_mm512_sub_ps(outer, r[i][1]), half), r[i][2]};
        for (int j = 0; j < 4; ++j)
          _mm512_mask_storeu_ps(u + (int64_t{i * 4 + j} * g.c_out + o) * g.c_in + c0, live, row[j]);
      }
    }
}

// The polyphase planes of `images` images: pol[((n·c_in + c)·4 + 2a + b)·tiles + i·tw + j] =
// x[n, c, 2i + a, 2j + b], de-interleaved by permutes from 32-float pieces. Rows of w ∈ {2, 4, 8,
// 16} go 32 floats (32/w rows, an even count) at a time: phase (a, b) takes its lanes q < 8 from
//     (2⌊q / (w/2)⌋ + a)·w + 2(q mod w/2) + b,
// 8 consecutive floats of its plane. Wider rows go one row at a time, evens and odds. Only input
// rows [row_begin, row_end) (even bounds) are split, widened to whole 32-float pieces.
void split_phases(const Conv2dGeometry& g, const Plan& pl, const float* x, int64_t images,
                  int row_begin, int row_end, float* pol) {
  const int64_t hw = int64_t{g.h} * g.w, planes = images * g.c_in;
  if (32 % (2 * g.w) == 0) {
    __m512i index[4];
    for (int ab = 0; ab < 4; ++ab) {
      alignas(64) int32_t lane[kLanes] = {};
      for (int q = 0; q < 8; ++q)
        lane[q] = (2 * (q / pl.tw) + ab / 2) * g.w + 2 * (q % pl.tw) + ab % 2;
      index[ab] = _mm512_load_si512(lane);
    }
    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* src = x + plane * hw;
      float* dst = pol + plane * 4 * pl.tiles;
      const int piece_rows = 2 * kLanes / g.w;
      const int64_t f_end =
          lesser(hw, int64_t{(row_end + piece_rows - 1) / piece_rows} * 2 * kLanes);
      for (int64_t f = int64_t{row_begin / piece_rows} * 2 * kLanes; f < f_end; f += 2 * kLanes) {
        const int64_t left = hw - f;
        const __m512 a = _mm512_maskz_loadu_ps(first_lanes(left), src + f);
        const __m512 b = _mm512_maskz_loadu_ps(first_lanes(left - kLanes), src + f + kLanes);
        const __mmask16 out = first_lanes(left >= 2 * kLanes ? 8 : left / 4);
#pragma GCC unroll 4
        for (int ab = 0; ab < 4; ++ab)
          _mm512_mask_storeu_ps(dst + ab * pl.tiles + f / 4, out,
                                _mm512_permutex2var_ps(a, index[ab], b));
      }
    }
    return;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t plane = 0; plane < planes; ++plane)
    for (int r = row_begin; r < row_end; ++r) {
      const float* src = x + plane * hw + int64_t{r} * g.w;
      float* dst = pol + (plane * 4 + 2 * (r & 1)) * pl.tiles + int64_t{r / 2} * pl.tw;
      for (int j = 0; j < g.w; j += 2 * kLanes) {
        const int left = g.w - j;
        const __m512 a = _mm512_maskz_loadu_ps(first_lanes(left), src + j);
        const __m512 b = _mm512_maskz_loadu_ps(first_lanes(left - kLanes), src + j + kLanes);
        const __mmask16 out = first_lanes(left / 2);
        _mm512_mask_storeu_ps(dst + j / 2, out, _mm512_permutex2var_ps(a, even, b));
        _mm512_mask_storeu_ps(dst + pl.tiles + j / 2, out, _mm512_permutex2var_ps(a, odd, b));
      }
    }
}

// V[pos·stride] = (Bᵀ d B)[pos] of one channel and tile vector: `planes` is the channel's four
// polyphase planes advanced to the vector's first tile, `shift` the vector's nine masks.
inline void transform_input(const float* planes, int64_t tiles, int tw, const uint16_t* shift,
                            float* v, int64_t stride) {
  __m512 d[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      const int64_t off = (kPhase[r] * 2 + kPhase[c]) * tiles + kShift[r] * tw + kShift[c];
      d[r][c] = _mm512_maskz_loadu_ps(shift[(kShift[r] + 1) * 3 + kShift[c] + 1], planes + off);
    }
  __m512 t[4][4];  // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    t[0][c] = _mm512_sub_ps(d[0][c], d[2][c]), t[1][c] = _mm512_add_ps(d[1][c], d[2][c]);
    t[2][c] = _mm512_sub_ps(d[2][c], d[1][c]), t[3][c] = _mm512_sub_ps(d[1][c], d[3][c]);
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {  // (Bᵀ d) B: the same on the columns
    float* row = v + r * 4 * stride;
    _mm512_storeu_ps(row, _mm512_sub_ps(t[r][0], t[r][2]));
    _mm512_storeu_ps(row + stride, _mm512_add_ps(t[r][1], t[r][2]));
    _mm512_storeu_ps(row + 2 * stride, _mm512_sub_ps(t[r][2], t[r][1]));
    _mm512_storeu_ps(row + 3 * stride, _mm512_sub_ps(t[r][1], t[r][3]));
  }
}

// The product tile of one pos: m[r·ld + 16k] = Σ_c u[r·u_row + c] · v[c·ld + 16k] for R output
// channels and NV tile vectors, by fma_over_channels (tiles of at most 8 accumulators keep two
// sets, for even and odd c, added at the end).
template <int R, int NV>
void product_tile(const float* u, int64_t u_row, const float* v, int64_t ld, int c_in, float* m) {
  constexpr int S = R * NV <= 8 ? 2 : 1;
  __m512 acc[S][R][NV];
  int64_t row[R];  // loop-invariant offsets of the R weights of one c
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) row[r] = r * u_row;
#pragma GCC unroll 2
  for (int k = 0; k < S; ++k)
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[k][r][j] = _mm512_setzero_ps();
  __mmask16 all[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) all[j] = 0xFFFF;
  fma_over_channels(acc, c_in, v, ld, all, u, 1, row);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      if constexpr (S == 2) acc[0][r][j] = _mm512_add_ps(acc[0][r][j], acc[1][r][j]);
      _mm512_storeu_ps(m + r * ld + j * kLanes, acc[0][r][j]);
    }
}

using ProductFn = void (*)(const float*, int64_t, const float*, int64_t, int, float*);

template <int NV, int... R>
constexpr void fill_row(ProductFn* row, std::integer_sequence<int, R...>) {
  ((row[R] = &product_tile<R + 1, NV>), ...);
}
template <int... NV>
constexpr void fill_rows(ProductFn (*fn)[kMaxChannels], std::integer_sequence<int, NV...>) {
  (fill_row<NV + 1>(fn[NV], std::make_integer_sequence<int, kMaxChannels>{}), ...);
}

// kProducts.fn[NV − 1][R − 1].
struct ProductTable {
  ProductFn fn[kBlockVectors][kMaxChannels] = {};
  constexpr ProductTable() { fill_rows(fn, std::make_integer_sequence<int, kBlockVectors>{}); }
};
constexpr ProductTable kProducts;

// dst[0..16) = v (accumulate: += v).
inline void put(float* dst, __m512 v, bool accumulate) {
  _mm512_storeu_ps(dst, accumulate ? _mm512_add_ps(_mm512_loadu_ps(dst), v) : v);
}

// Where a tile vector's outputs go: `runs` (the vector's, for each half) into the plane `out`; or,
// when the vector is full and tw ∈ {4, 8, 16}, its 64 outputs are the consecutive floats at
// `contiguous` (16 tiles span whole tile rows: 4 rows of 4, 2 of 8, or one of 16).
struct VectorOut {
  float* out;
  float* contiguous;
  const Run* runs;
  const uint8_t* run_count;
};

// One output plane's tile vector: Y = s0 + Aᵀ M A from m[pos·stride] (the vector's 16 transformed
// sums), from s0 = bias or (accumulate) the outputs' own values. z[a][half] interleaves the
// outputs (2ti + a, 2tj + b) of the half's 8 tiles: lanes 2l + b.
void transform_output(const float* m, int64_t stride, const float* bias, bool accumulate, int tw,
                      int w, const VectorOut& to) {
  const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i high = _mm512_add_epi32(low, _mm512_set1_epi32(8));
  __m512 r[2][4];  // Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3)
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 m0 = _mm512_loadu_ps(m + c * stride), m1 = _mm512_loadu_ps(m + (4 + c) * stride);
    const __m512 m2 = _mm512_loadu_ps(m + (8 + c) * stride),
                 m3 = _mm512_loadu_ps(m + (12 + c) * stride);
    r[0][c] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
    r[1][c] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
  }
  const __m512 start = _mm512_set1_ps(bias ? *bias : 0.0f);
  __m512 z[2][2];
#pragma GCC unroll 2
  for (int a = 0; a < 2; ++a) {  // (Aᵀ M) A: the same on the columns, then + s0
    __m512 y0 = _mm512_add_ps(_mm512_add_ps(r[a][0], r[a][1]), r[a][2]);
    __m512 y1 = _mm512_sub_ps(_mm512_sub_ps(r[a][1], r[a][2]), r[a][3]);
    if (bias) y0 = _mm512_add_ps(start, y0), y1 = _mm512_add_ps(start, y1);
    z[a][0] = _mm512_permutex2var_ps(y0, low, y1), z[a][1] = _mm512_permutex2var_ps(y0, high, y1);
  }
  if (float* dst = to.contiguous) {
    if (tw == 4) {  // z[a][h] holds rows 4h + a (lanes 0..7) and 4h + 2 + a (lanes 8..15)
      const __m512i first =
          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const __m512i second = _mm512_add_epi32(first, _mm512_set1_epi32(8));
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        put(dst + 32 * h, _mm512_permutex2var_ps(z[0][h], first, z[1][h]), accumulate);
        put(dst + 32 * h + 16, _mm512_permutex2var_ps(z[0][h], second, z[1][h]), accumulate);
      }
    } else {  // z[a][h] is a whole row: 2h + a (tw = 8), or columns 16h.. of row a (tw = 16)
#pragma GCC unroll 2
      for (int a = 0; a < 2; ++a)
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h)
          put(dst + (tw == 8 ? 32 * h + 16 * a : 32 * a + 16 * h), z[a][h], accumulate);
    }
    return;
  }
#pragma GCC unroll 2
  for (int a = 0; a < 2; ++a)
#pragma GCC unroll 2
    for (int half = 0; half < 2; ++half)
      for (int k = 0; k < to.run_count[half]; ++k) {
        const Run& run = to.runs[half * kMaxRuns + k];
        float* dst = to.out + run.base + a * w;
        const __m512 value = accumulate
                                 ? _mm512_add_ps(_mm512_maskz_loadu_ps(run.mask, dst), z[a][half])
                                 : z[a][half];
        _mm512_mask_storeu_ps(dst, run.mask, value);
      }
}

// What a call computes: y (accumulate: +=) conv(x, W) + b over g with W given by U.
struct Call {
  const Conv2dGeometry& g;
  const Plan& pl;
  const float* x;
  const float* u;
  const float* b;
  bool accumulate;
  float* y;
};

// Unit `unit`: its images' polyphase planes, then per block of tile vectors the input transform
// and, per output-channel block, the 16 products and the output transform.
void run_unit(const Call& k, const TileTables& t, int64_t unit, float* scratch) {
  const Conv2dGeometry& g = k.g;
  const Plan& pl = k.pl;
  const int64_t hw = int64_t{g.h} * g.w, c_in = g.c_in;
  float* pol = scratch;
  float* v = pol + pl.pol_floats;
  float* m = v + pl.v_floats;
  // The unit's images [first, first + images) and, over them, tile vectors [k_begin, k_end); a
  // piece of an image splits only the input rows its tiles read (its tile rows and one more on
  // each side).
  int64_t first, images, k_begin, k_end;
  int row_begin = 0, row_end = g.h;
  if (pl.group > 1) {
    first = unit * pl.group, images = lesser(pl.group, g.n - first);
    k_begin = 0, k_end = images * pl.vectors;
  } else {
    const int64_t piece = unit % pl.parts;
    first = unit / pl.parts, images = 1;
    k_begin = piece * pl.blocks / pl.parts * kBlockVectors;
    k_end = lesser(pl.vectors, (piece + 1) * pl.blocks / pl.parts * kBlockVectors);
    const int64_t th = g.h / 2;
    const int64_t top = k_begin * kLanes / pl.tw - 1, bottom = (k_end * kLanes - 1) / pl.tw + 1;
    row_begin = static_cast<int>(2 * (top < 0 ? 0 : top));
    row_end = static_cast<int>(2 * lesser(bottom, th - 1) + 2);
  }
  split_phases(g, pl, k.x + first * c_in * hw, images, row_begin, row_end, pol);
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kBlockVectors) {
    const int nv = static_cast<int>(lesser(kBlockVectors, k_end - k0));
    const int64_t ld = int64_t{nv} * kLanes, v_pos = pos_stride(c_in, ld);
    // Block vector j is vector vec[j] of the unit's image image[j].
    int64_t image[kBlockVectors], vec[kBlockVectors];
    for (int j = 0; j < nv; ++j) image[j] = (k0 + j) / pl.vectors, vec[j] = (k0 + j) % pl.vectors;
    for (int j = 0; j < nv; ++j)
      for (int64_t c = 0; c < c_in; ++c)
        transform_input(pol + (image[j] * c_in + c) * 4 * pl.tiles + vec[j] * kLanes, pl.tiles,
                        pl.tw, t.shift + vec[j] * kShifts, v + c * ld + j * kLanes, v_pos);
    const ChannelBlocks blocks(g.c_out);
    for (int64_t blk = 0; blk < blocks.count; ++blk) {
      const int64_t o0 = blocks.first(blk);
      const int R = blocks.size(blk);
      const ProductFn product = kProducts.fn[nv - 1][R - 1];
      const int64_t m_pos = pos_stride(R, ld);
      for (int pos = 0; pos < kPositions; ++pos)
        product(k.u + (int64_t{pos} * g.c_out + o0) * c_in, c_in, v + pos * v_pos, ld, g.c_in,
                m + pos * m_pos);
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < nv; ++j) {
          const int64_t o = o0 + r;
          float* out = k.y + ((first + image[j]) * g.c_out + o) * hw;
          const bool whole =
              (vec[j] + 1) * kLanes <= pl.tiles && (pl.tw == 4 || pl.tw == 8 || pl.tw == 16);
          const VectorOut to{out, whole ? out + vec[j] * 4 * kLanes : nullptr,
                             t.runs + vec[j] * 2 * kMaxRuns, t.run_count + vec[j] * 2};
          transform_output(m + r * ld + j * kLanes, m_pos, k.b ? k.b + o : nullptr, k.accumulate,
                           pl.tw, g.w, to);
        }
    }
  }
}

// The transposed convolution of a stride-1 g (gy → gx) as a forward geometry.
Conv2dGeometry transposed(const Conv2dGeometry& g) {
  return Conv2dGeometry{
      g.n, g.c_out, g.oh, g.ow, g.c_in, g.kh, g.kw, 1, 1, g.kh - 1 - g.ph, g.kw - 1 - g.pw,
      g.h, g.w};
}

// y (accumulate: +=) conv(x, W) + b over g, where W is w or (flipped) the transposed, flipped
// weights of the original [c_in][c_out][3][3] array.
void convolve(const Conv2dGeometry& g, const float* x, const float* w, bool flipped, const float* b,
              bool accumulate, float* y) {
  const double flops = 2.0 * g.n * g.c_out * g.c_in * 9.0 * g.h * g.w;  // the direct sum's
  Plan pl(g);
  if (runs_threaded(flops)) pl.split_images(g.n, thread_count());  // one thread: no pieces needed
  float* u = conv_workspace();  // the caller's: U first, its own unit scratch after it
  transform_weights(g, w, flipped, u);
  const Call call{g, pl, x, u, b, accumulate, y};
  auto run = [&](int64_t begin, int64_t end) {
    const TileTables& t = tile_tables(g, pl);
    float* scratch = conv_workspace() + pl.u_floats;
    for (int64_t unit = begin; unit < end; ++unit) run_unit(call, t, unit, scratch);
  };
  run_units(pl.units, flops, run);
}

bool serves(const Conv2dGeometry& g) {
  if (g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 || g.ph != 1 || g.pw != 1) return false;
  if (g.h < 2 || g.w < 2 || g.h % 2 || g.w % 2 || g.c_in < kMinChannels || g.c_out < kMinChannels)
    return false;
  const Plan pl(g);
  // A call of one tile vector (one image of at most 16 tiles: saliency on 8×8) spends more on
  // transforming the weights than it saves: the plane kernel takes it.
  return g.n * pl.vectors >= kBlockVectors && pl.vectors <= kMaxVectors &&
         pl.floats() <= static_cast<int64_t>(kConvWorkspaceFloats);
}

}  // namespace

bool conv_winograd_serves(const Conv2dGeometry& g) { return serves(g); }

void conv2d_forward_winograd(const Conv2dGeometry& g, const float* x, const float* w,
                             const float* b, float* y) {
  convolve(g, x, w, /*flipped=*/false, b, /*accumulate=*/false, y);
}

bool conv_winograd_serves_backward_data(const Conv2dGeometry& g) {
  return g.sh == 1 && g.sw == 1 && serves(transposed(g));
}

void conv2d_backward_data_winograd(const Conv2dGeometry& g, const float* gy, const float* w,
                                   float* gx) {
  convolve(transposed(g), gy, w, /*flipped=*/true, nullptr, /*accumulate=*/true, gx);
}

}  // namespace salient::kern::avx512
