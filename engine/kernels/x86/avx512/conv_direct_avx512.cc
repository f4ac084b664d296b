// The direct AVX-512 convolution forward (stride 1), an implicit GEMM that reads x in place: with
// xp the zero-padded image [c_in × hp × wp] and the tap offset off[k] = (c·hp + u)·wp + v of
// k = (c·kh + u)·kw + v, stride 1 gives
//     y[o, i, j] = b[o] + Σ_k W[o, k] · xp[off[k] + i·wp + j],
// so consecutive outputs of a row read consecutive floats of xp for every tap: no im2col and no
// packing of x. W is packed [c_out/width][K][width] (zeros past c_out), so a tap's weights for a
// block of channels are contiguous. Two tile shapes, 24 zmm accumulators each:
//   row tile (ow ≥ 16):     8 channels × 3 vectors of 16 outputs of a row; per tap, 3 vector
//                           loads of xp and 8 broadcast weights (width 8);
//   channel tile (ow = 8):  3 vectors of 16 channels × the 8 outputs of a row; per tap, 3 vector
//                           loads of W and 8 broadcast values of xp (width 16), the outputs
//                           transposed into y at the end; taps of kernel rows that fall in the
//                           vertical padding are skipped.
// Each output is summed over k in order from its bias, whatever the tile or thread.
#include "x86/avx512/conv_direct_avx512.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "gemm/conv_gemm.h"
#include "x86/work_units.h"

namespace salient::kern::avx512 {
namespace {

constexpr int kLanes = 16;
constexpr int kTileVectors = 3;  // vectors (of outputs or of channels) per tile
constexpr int kRowTileChannels = 8;
constexpr int kChannelTileOutputs = 8;
// The channel tile's transpose outweighs its FMAs below about 64 taps: one thread, 8×8 images,
// K = 36 ran 7 % slower than through im2col, K = 72 20 % faster (docs/kernels.md).
constexpr int64_t kChannelTileMinTaps = 64;

bool row_tiles(const Conv2dGeometry& g) { return g.ow >= kLanes; }
// Other rows below 16 outputs would leave part of a channel tile idle (10 = 8 + 2 outputs ran 23 %
// slower than im2col).
bool channel_tiles(const Conv2dGeometry& g) { return g.ow == kChannelTileOutputs; }

// The pieces of the workspace: packed W, packed bias, tap offsets (int32, as many floats), padded
// image.
struct Layout {
  int64_t K, width, blocks, hp, wp, padded;
  explicit Layout(const Conv2dGeometry& g)
      : K(int64_t{g.c_in} * g.kh * g.kw),
        width(row_tiles(g) ? kRowTileChannels : kLanes),
        blocks((g.c_out + width - 1) / width),
        hp(int64_t{g.h} + 2 * g.ph),
        wp(int64_t{g.w} + 2 * g.pw),
        padded(int64_t{g.c_in} * hp * wp) {}
  int64_t floats() const { return blocks * width * (K + 1) + K + padded; }
};

// acc[r][v] = bias[r] + Σ_k wk[k·8 + r] · xp[off[k] + vector v's outputs], stored (only the
// vectors' `lanes`) for the tile's first `rows` channels (y rows `plane` apart).
template <int NV>
void row_tile(const float* wk, const float* bias, const int32_t* off, int64_t K,
              const float* const* x, float* const* y, const __mmask16* lanes, int rows,
              int64_t plane) {
  __m512 acc[kRowTileChannels][NV];
#pragma GCC unroll 8
  for (int r = 0; r < kRowTileChannels; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_set1_ps(bias[r]);
  for (int64_t k = 0; k < K; ++k, wk += kRowTileChannels) {
    const int32_t o = off[k];
    __m512 xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_maskz_loadu_ps(lanes[v], x[v] + o);
#pragma GCC unroll 8
    for (int r = 0; r < kRowTileChannels; ++r) {
      const __m512 wr = _mm512_set1_ps(wk[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(wr, xv[v], acc[r][v]);
    }
  }
  // Constant indices only (a loop to `rows` would keep acc in memory through the k loop).
#pragma GCC unroll 8
  for (int r = 0; r < kRowTileChannels; ++r)
    if (r < rows)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(y[v] + r * plane, lanes[v], acc[r][v]);
}

// The taps of an output row that read inside the image: `count` runs of `length` taps, the first
// from `first`, each `step` after the last (one run of all K when no tap falls in the padding).
struct TapRuns {
  int64_t first, length, step, count;
};

// acc[p][c] = bias[16c + lane] + Σ_k wk[c][k][lane] · xr[off[k] + p] for the 8 outputs p of a row
// over the taps k of `taps` (the vectors c of W are `stride` floats apart), then
// y[(16c + lane)·plane + p] for the first `rows` channels, through a transpose in a stack buffer.
template <int NC>
void channel_tile(const float* wk, int64_t stride, const float* bias, const int32_t* off,
                  const TapRuns& taps, const float* xr, float* y, int rows, int64_t plane) {
  constexpr int P = kChannelTileOutputs;
  __m512 acc[P][NC];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) acc[p][c] = _mm512_loadu_ps(bias + c * kLanes);
  for (int64_t run = 0, k0 = taps.first; run < taps.count; ++run, k0 += taps.step) {
    const float* wr = wk + k0 * kLanes;
    for (int64_t k = k0; k < k0 + taps.length; ++k, wr += kLanes) {
      const float* xk = xr + off[k];
      __m512 wv[NC];
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) wv[c] = _mm512_loadu_ps(wr + c * stride);
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) {
        const __m512 xb = _mm512_set1_ps(xk[p]);
#pragma GCC unroll 4
        for (int c = 0; c < NC; ++c) acc[p][c] = _mm512_fmadd_ps(xb, wv[c], acc[p][c]);
      }
    }
  }
  alignas(64) float t[P][NC * kLanes];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) _mm512_store_ps(&t[p][c * kLanes], acc[p][c]);
  const __m256i column =
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(NC * kLanes));
  for (int o = 0; o < rows; ++o)
    _mm256_storeu_ps(y + o * plane, _mm256_i32gather_ps(&t[0][o], column, 4));
}

// wk[blk][k][r] = W[blk·width + r, k] and bk[o] = b[o] (0 past c_out or without b).
void pack_weights(const Conv2dGeometry& g, const Layout& l, const float* w, const float* b,
                  float* wk, float* bk) {
  for (int64_t blk = 0; blk < l.blocks; ++blk)
    for (int64_t r = 0; r < l.width; ++r) {
      const int64_t o = blk * l.width + r;
      float* d = wk + blk * l.K * l.width + r;
      for (int64_t k = 0; k < l.K; ++k) d[k * l.width] = o < g.c_out ? w[o * l.K + k] : 0.0f;
      bk[o] = (o < g.c_out && b) ? b[o] : 0.0f;
    }
}

// off[(c·kh + u)·kw + v] = (c·hp + u)·wp + v.
void tap_offsets(const Conv2dGeometry& g, const Layout& l, int32_t* off) {
  for (int c = 0; c < g.c_in; ++c)
    for (int u = 0; u < g.kh; ++u)
      for (int v = 0; v < g.kw; ++v) *off++ = static_cast<int32_t>((c * l.hp + u) * l.wp + v);
}

// The interior of xp = image xn (the border was zeroed once and is never written).
void pad_image(const Conv2dGeometry& g, const Layout& l, const float* xn, float* xp) {
  for (int c = 0; c < g.c_in; ++c)
    for (int r = 0; r < g.h; ++r)
      std::memcpy(xp + (c * l.hp + r + g.ph) * l.wp + g.pw, xn + (int64_t{c} * g.h + r) * g.w,
                  sizeof(float) * static_cast<size_t>(g.w));
}

// The packed operands one thread works from.
struct Packed {
  const float *wk, *bk;
  const int32_t* off;
  const float* xp;
};

// Row tiles for channels [8·blk, 8·blk + 8) of one image: each output row split into 16-output
// vectors (the last one short when ow is not a multiple of 16), 3 consecutive vectors per tile.
void row_tiles_block(const Conv2dGeometry& g, const Layout& l, const Packed& pk, int64_t blk,
                     float* yn) {
  const int64_t plane = int64_t{g.oh} * g.ow;
  const int per_row = (g.ow + kLanes - 1) / kLanes;
  const int64_t count = int64_t{g.oh} * per_row;
  const int rows = static_cast<int>(lesser(l.width, g.c_out - blk * l.width));
  const float* wk = pk.wk + blk * l.K * l.width;
  const float* bias = pk.bk + blk * l.width;
  float* yb = yn + blk * l.width * plane;
  for (int64_t s = 0; s < count; s += kTileVectors) {
    const int nv = static_cast<int>(lesser(kTileVectors, count - s));
    const float* x[kTileVectors];
    float* y[kTileVectors];
    __mmask16 lanes[kTileVectors];
    for (int v = 0; v < nv; ++v) {
      const int64_t i = (s + v) / per_row, j = (s + v) % per_row * kLanes;
      x[v] = pk.xp + i * l.wp + j;
      y[v] = yb + i * g.ow + j;
      lanes[v] = static_cast<__mmask16>((1u << lesser(kLanes, g.ow - j)) - 1);
    }
    if (nv == 3)
      row_tile<3>(wk, bias, pk.off, l.K, x, y, lanes, rows, plane);
    else if (nv == 2)
      row_tile<2>(wk, bias, pk.off, l.K, x, y, lanes, rows, plane);
    else
      row_tile<1>(wk, bias, pk.off, l.K, x, y, lanes, rows, plane);
  }
}

// Channel tiles for the 3 channel vectors from vector 3·grp (fewer at the end) of one image, one
// per output row.
void channel_tiles_group(const Conv2dGeometry& g, const Layout& l, const Packed& pk, int64_t grp,
                         float* yn) {
  const int64_t plane = int64_t{g.oh} * g.ow;
  const int64_t v0 = grp * kTileVectors;
  const int nc = static_cast<int>(lesser(kTileVectors, l.blocks - v0));
  const int rows = static_cast<int>(lesser(nc * kLanes, g.c_out - v0 * kLanes));
  const int64_t stride = l.K * kLanes;
  const float* wk = pk.wk + v0 * stride;
  const float* bias = pk.bk + v0 * kLanes;
  float* yg = yn + v0 * kLanes * plane;
  for (int i = 0; i < g.oh; ++i) {
    // Only the kernel rows u that read inside the image, 0 ≤ i + u − ph < h: the taps of the others
    // read zeros (at 8×8 with padding 1, a twelfth of all taps; skipping them ran 7-8 % faster).
    const int u0 = g.ph > i ? g.ph - i : 0, u1 = g.h + g.ph - i < g.kh ? g.h + g.ph - i : g.kh;
    TapRuns taps{0, l.K, 0, 1};
    if (u0 > 0 || u1 < g.kh)
      taps = {int64_t{u0} * g.kw, int64_t{u1 - u0} * g.kw, int64_t{g.kh} * g.kw, g.c_in};
    const float* xr = pk.xp + i * l.wp;
    float* y = yg + int64_t{i} * g.ow;
    if (nc == 3)
      channel_tile<3>(wk, stride, bias, pk.off, taps, xr, y, rows, plane);
    else if (nc == 2)
      channel_tile<2>(wk, stride, bias, pk.off, taps, xr, y, rows, plane);
    else
      channel_tile<1>(wk, stride, bias, pk.off, taps, xr, y, rows, plane);
  }
}

}  // namespace

bool conv_direct_serves(const Conv2dGeometry& g) {
  if (g.sh != 1 || g.sw != 1) return false;
  const Layout l(g);
  if (!row_tiles(g) && !(channel_tiles(g) && l.K >= kChannelTileMinTaps)) return false;
  // Tap offsets are int32.
  return l.padded < (int64_t{1} << 31) && l.floats() <= static_cast<int64_t>(kConvWorkspaceFloats);
}

void conv2d_forward_direct(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                           float* y) {
  const Layout l(g);
  const bool rows = row_tiles(g);
  // A unit of work: one image's row tiles for a block of 8 channels, or its channel tiles for a
  // group of 3 channel vectors.
  const int64_t groups = rows ? l.blocks : (l.blocks + kTileVectors - 1) / kTileVectors;
  const int64_t x_image = int64_t{g.c_in} * g.h * g.w, y_image = int64_t{g.c_out} * g.oh * g.ow;
  // The n·groups units go in contiguous ranges to the threads (so a batch of one still uses them
  // all, when it has kFlopsPerThread for each); each thread packs W into its own workspace once and
  // pads each image of its range once. No unit's sums depend on the split: results are
  // bit-identical for every thread count.
  auto run = [&](int64_t begin, int64_t end) {
    float* wk = conv_workspace();
    float* bk = wk + l.blocks * l.width * l.K;
    int32_t* off = reinterpret_cast<int32_t*>(bk + l.blocks * l.width);
    float* xp = reinterpret_cast<float*>(off + l.K);
    pack_weights(g, l, w, b, wk, bk);
    tap_offsets(g, l, off);
    std::memset(xp, 0, sizeof(float) * static_cast<size_t>(l.padded));  // 0.0f is all zero bits
    const Packed pk{wk, bk, off, xp};
    for (int64_t unit = begin, padded = -1; unit < end; ++unit) {
      const int64_t n = unit / groups;
      if (n != padded) {
        pad_image(g, l, x + n * x_image, xp);
        padded = n;
      }
      if (rows)
        row_tiles_block(g, l, pk, unit % groups, y + n * y_image);
      else
        channel_tiles_group(g, l, pk, unit % groups, y + n * y_image);
    }
  };
  const int64_t units = int64_t{g.n} * groups;
  const double flops = 2.0 * g.n * g.c_out * g.oh * g.ow * static_cast<double>(l.K);
  run_units(units, flops, run);
}

}  // namespace salient::kern::avx512
