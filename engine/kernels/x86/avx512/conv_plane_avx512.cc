// The AVX-512 plane convolution for stride 1 and "same" width (ow = w): an image's output plane,
// flattened (p = i·ow + j), goes in vectors of 16 consecutive outputs, which may span rows. With
// ow = w, output p of tap (u, v) reads
//     x[c, i + u − ph, j + v − pw] = x[c·h·w + p + (u − ph)·w + (v − pw)],
// consecutive floats of the unpadded image for consecutive p; the lanes whose row or column falls
// in the padding are masked off (a masked-off lane reads nothing), so x is read in place: no
// padded copy, no im2col. Each output is summed in one order whatever the tile or thread:
//     y[o, p] = s0 + Σ_{u,v} Σ_c W[o, c, u, v] · x[c·h·w + p + (u − ph)·w + (v − pw)]
// (taps outer, channels inner), from s0 = b[o] (forward) or the output's own value (accumulate).
// Tile: R channels × NV vectors of one image in R·NV ≤ 24 zmm accumulators; per tap and channel,
// NV masked loads of x and R weights broadcast from W where it lies (no packing: a call on a
// small batch would spend more on packing than on its FMAs).
// The backward data is the same kernel on the transposed convolution, accumulated into gx:
//     gx = conv(gy, W'),  W'[c, o, u, v] = W[o, c, kh−1−u, kw−1−v],  padding (kh−1−ph, kw−1−pw).
#include "x86/avx512/conv_plane_avx512.h"

#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "x86/avx512/channel_fma_avx512.h"
#include "x86/work_units.h"

namespace salient::kern::avx512 {
namespace {

constexpr int kLanes = 16;
constexpr int kMaxVectors = 4;   // vectors per tile
constexpr int kMaxChannels = 8;  // channels per tile (6 at 4 vectors: 24 accumulators)
// The mask table has a mask per vector and tap (and one per vector for the plane's end).
constexpr int kMaxTaps = 64;
constexpr int64_t kMaxMasks = 8192;

// How the output plane splits into tiles: vector chunks × channel blocks.
struct Layout {
  int64_t taps, K, plane, vectors;
  int chunk_vectors;  // vectors per chunk (the last chunk may hold fewer)
  int64_t chunks;
  int64_t blocks;  // channel blocks, sizes differing by at most one
  explicit Layout(const Conv2dGeometry& g)
      : taps(int64_t{g.kh} * g.kw),
        K(taps * g.c_in),
        plane(int64_t{g.oh} * g.ow),
        vectors((plane + kLanes - 1) / kLanes),
        chunk_vectors(vectors <= kMaxVectors ? static_cast<int>(vectors) : 3),
        chunks((vectors + chunk_vectors - 1) / chunk_vectors),
        blocks((g.c_out + max_channels() - 1) / max_channels()) {}
  int max_channels() const { return chunk_vectors == 4 ? 6 : kMaxChannels; }
  // Channel block b: channels [first_channel(b), first_channel(b) + channels(b)).
  int channels(const Conv2dGeometry& g, int64_t b) const {
    return static_cast<int>(g.c_out / blocks + (b < g.c_out % blocks ? 1 : 0));
  }
  int64_t first_channel(const Conv2dGeometry& g, int64_t b) const {
    return b * (g.c_out / blocks) + lesser(b, g.c_out % blocks);
  }
  int64_t masks() const { return (taps + 1) * vectors; }
};

// What a tile reads and writes. W(o0 + r, c, tap) = w[r·w_row + c·w_channel + tap·w_tap].
struct TileArgs {
  const float* w;  // W(o0, 0, 0) of the block
  int64_t w_row, w_channel, w_tap;
  const float* bias;           // the block's R starting values, or null: start from zero
  bool accumulate;             // start from y instead
  const float* x;              // the image, advanced to the chunk's first output
  const int32_t* off;          // off[tap] = (u − ph)·w + (v − pw)
  const __mmask16* masks;      // masks[tap·vectors + s]: lanes of vector s inside the image
  const __mmask16* out_masks;  // the chunk's vectors' lanes inside the plane
  int64_t vectors, x_plane, y_plane;
  int c_in, taps;
  float* y;  // the block's first channel, advanced to the chunk's first output
};

// acc[r][v] = s0 + Σ_tap Σ_c W(o0 + r, c, tap) · x[c·x_plane + off[tap] + 16v] (masked), stored
// to y[r·y_plane + 16v] under the chunk's output masks; per tap, fma_over_channels (tiles of at
// most 8 accumulators keep two sets, for even and odd c, added at the end).
template <int R, int NV>
void plane_tile(const TileArgs& a) {
  constexpr int S = R * NV <= 8 ? 2 : 1;  // accumulator sets
  __m512 acc[S][R][NV];
  __mmask16 out[NV];
  int64_t row[R];  // loop-invariant offsets of the R weights of one (c, tap)
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) row[r] = r * a.w_row;
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) out[v] = a.out_masks[v];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[0][r][v] = a.accumulate ? _mm512_maskz_loadu_ps(out[v], a.y + r * a.y_plane + v * kLanes)
                                  : _mm512_set1_ps(a.bias ? a.bias[r] : 0.0f);
      if constexpr (S == 2) acc[1][r][v] = _mm512_setzero_ps();
    }
  for (int t = 0; t < a.taps; ++t) {
    __mmask16 m[NV];
    unsigned any = 0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) any |= m[v] = a.masks[t * a.vectors + v];
    if (!any) continue;  // the tap reads only padding for every vector of the chunk
    fma_over_channels(acc, a.c_in, a.x + a.off[t], a.x_plane, m, a.w + t * a.w_tap, a.w_channel,
                      row);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if constexpr (S == 2) acc[0][r][v] = _mm512_add_ps(acc[0][r][v], acc[1][r][v]);
      _mm512_mask_storeu_ps(a.y + r * a.y_plane + v * kLanes, out[v], acc[0][r][v]);
    }
}

using TileFn = void (*)(const TileArgs&);

template <int NV, int... R>
constexpr void fill_row(TileFn* row, std::integer_sequence<int, R...>) {
  ((row[R] = &plane_tile<R + 1, NV>), ...);
}

// kTiles[NV − 1][R − 1]; R·NV ≤ 24 (R ≤ 6 at NV = 4).
struct TileTable {
  TileFn fn[kMaxVectors][kMaxChannels] = {};
  constexpr TileTable() {
    fill_row<1>(fn[0], std::make_integer_sequence<int, kMaxChannels>{});
    fill_row<2>(fn[1], std::make_integer_sequence<int, kMaxChannels>{});
    fill_row<3>(fn[2], std::make_integer_sequence<int, kMaxChannels>{});
    fill_row<4>(fn[3], std::make_integer_sequence<int, 6>{});
  }
};
constexpr TileTable kTiles;

// The transposed convolution of g (gy → gx) as a forward geometry (stride 1).
Conv2dGeometry transposed(const Conv2dGeometry& g) {
  return Conv2dGeometry{
      g.n, g.c_out, g.oh, g.ow, g.c_in, g.kh, g.kw, 1, 1, g.kh - 1 - g.ph, g.kw - 1 - g.pw,
      g.h, g.w};
}

// The tap offsets and lane masks of a plane geometry: off[u·kw + v] = (u − ph)·w + (v − pw);
// masks[tap·vectors + s] has lane l set when output p = 16s + l is in the plane and its tap reads
// inside the image; out_masks[s] when p is in the plane. They depend on the plane, not on channels
// or batch, so each thread keeps the last geometry's: a model's same-shaped convolutions and their
// backward share one.
struct TapMasks {
  int key[8] = {-1, -1, -1, -1, -1, -1, -1, -1};  // h, w, oh, ow, kh, kw, ph, pw
  int32_t off[kMaxTaps] = {};
  uint16_t masks[kMaxMasks] = {};
  const uint16_t* out_masks = nullptr;
};
thread_local TapMasks t_tap_masks;

const TapMasks& tap_masks(const Conv2dGeometry& g, const Layout& l) {
  TapMasks& tm = t_tap_masks;
  const int key[8] = {g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.ph, g.pw};
  bool same = true;
  for (int i = 0; i < 8; ++i) same = same && key[i] == tm.key[i];
  if (same) return tm;
  for (int i = 0; i < 8; ++i) tm.key[i] = key[i];
  uint16_t* masks = tm.masks;
  uint16_t* out_masks = masks + l.taps * l.vectors;
  tm.out_masks = out_masks;
  for (int u = 0; u < g.kh; ++u)
    for (int v = 0; v < g.kw; ++v) {
      const int64_t t = int64_t{u} * g.kw + v;
      tm.off[t] = static_cast<int32_t>((u - g.ph) * g.w + (v - g.pw));
      // Output p = i·ow + j reads x at row i + u − ph, column j + v − pw (counters, no division).
      int64_t p = 0, i = u - g.ph, j = v - g.pw;
      for (int64_t s = 0; s < l.vectors; ++s) {
        unsigned bits = 0;
        for (int lane = 0; lane < kLanes && p < l.plane; ++lane, ++p) {
          if (i >= 0 && i < g.h && j >= 0 && j < g.w) bits |= 1u << lane;
          if (++j == g.ow + v - g.pw) j = v - g.pw, ++i;
        }
        masks[t * l.vectors + s] = static_cast<uint16_t>(bits);
      }
    }
  for (int64_t s = 0; s < l.vectors; ++s) {
    const int64_t left = l.plane - s * kLanes;
    out_masks[s] = static_cast<uint16_t>(left >= kLanes ? 0xFFFFu : (1u << left) - 1);
  }
  return tm;
}

bool serves(const Conv2dGeometry& g) {
  if (g.sh != 1 || g.sw != 1 || g.ow != g.w || g.ph < 0 || g.pw < 0) return false;
  const Layout l(g);
  return l.taps <= kMaxTaps && l.masks() <= kMaxMasks;
}

// y (accumulate: +=) conv(x, W) + b over g, where W is w, or (flipped) the transposed, flipped
// weights of the original [c_in][c_out][kh][kw] array w: W(o, c, tap) = w[c, o, taps − 1 − tap].
void convolve(const Conv2dGeometry& g, const float* x, const float* w, bool flipped, const float* b,
              bool accumulate, float* y) {
  const Layout l(g);
  const int64_t x_image = int64_t{g.c_in} * g.h * g.w, y_image = int64_t{g.c_out} * l.plane;
  const int64_t per_image = l.chunks * l.blocks;
  // W(o, c, tap) = w[o·w_row + c·w_channel + tap·w_tap] from `origin`.
  const float* origin = flipped ? w + l.taps - 1 : w;
  const int64_t w_row = flipped ? l.taps : l.K, w_channel = flipped ? g.c_out * l.taps : l.taps;
  const int64_t w_tap = flipped ? -1 : 1;
  // Units (image, chunk, block) go in contiguous ranges to the threads. No unit's sums depend on
  // the split: results are bit-identical for every thread count.
  auto run = [&](int64_t begin, int64_t end) {
    const TapMasks& tm = tap_masks(g, l);
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t n = unit / per_image, chunk = unit % per_image / l.blocks,
                    blk = unit % l.blocks;
      const int64_t s0 = chunk * l.chunk_vectors, p0 = s0 * kLanes;
      const int nv = static_cast<int>(lesser(l.chunk_vectors, l.vectors - s0));
      const int64_t o0 = l.first_channel(g, blk);
      const int R = l.channels(g, blk);
      const TileArgs a{origin + o0 * w_row,
                       w_row,
                       w_channel,
                       w_tap,
                       b ? b + o0 : nullptr,
                       accumulate,
                       x + n * x_image + p0,
                       tm.off,
                       reinterpret_cast<const __mmask16*>(tm.masks) + s0,
                       reinterpret_cast<const __mmask16*>(tm.out_masks) + s0,
                       l.vectors,
                       int64_t{g.h} * g.w,
                       l.plane,
                       g.c_in,
                       static_cast<int>(l.taps),
                       y + n * y_image + o0 * l.plane + p0};
      kTiles.fn[nv - 1][R - 1](a);
    }
  };
  const int64_t units = int64_t{g.n} * per_image;
  const double flops =
      2.0 * g.n * g.c_out * static_cast<double>(l.plane) * static_cast<double>(l.K);
  run_units(units, flops, run);
}

}  // namespace

bool conv_plane_serves(const Conv2dGeometry& g) { return g.ow < kLanes && serves(g); }

void conv2d_forward_plane(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                          float* y) {
  convolve(g, x, w, /*flipped=*/false, b, /*accumulate=*/false, y);
}

bool conv_plane_serves_backward_data(const Conv2dGeometry& g) {
  return g.sh == 1 && g.sw == 1 && g.ph <= g.kh - 1 && g.pw <= g.kw - 1 && serves(transposed(g));
}

void conv2d_backward_data_plane(const Conv2dGeometry& g, const float* gy, const float* w,
                                float* gx) {
  convolve(transposed(g), gy, w, /*flipped=*/true, nullptr, /*accumulate=*/true, gx);
}

}  // namespace salient::kern::avx512
