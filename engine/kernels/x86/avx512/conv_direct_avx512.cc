// The direct AVX-512 convolution forward (stride 1), an implicit GEMM that reads x in place: with
// xp the zero-padded image [c_in × hp × wp] and the tap offset off[k] = (c·hp + u)·wp + v of
// k = (c·kh + u)·kw + v, stride 1 gives
//     y[o, i, j] = b[o] + Σ_k W[o, k] · xp[off[k] + i·wp + j],
// so 16 consecutive outputs of a row read 16 consecutive floats of xp for every tap: no im2col and
// no packing of x. A tile holds 8 output channels × 3 such vectors (24 zmm accumulators); for each
// tap it loads the 3 vectors and broadcasts the 8 weights from a copy of W packed [c_out/8][K][8].
#include "x86/avx512/conv_direct_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gemm/conv_gemm.h"
#include "salient/threads.h"

namespace salient::kern::avx512 {
namespace {

constexpr int kRows = 8;  // output channels per tile
constexpr int kVecs = 3;  // 16-output vectors per tile
constexpr int kLanes = 16;

// What direct needs besides the image: the sizes of its pieces of the workspace.
struct Layout {
  int64_t K, blocks, hp, wp, padded;  // padded: floats of one zero-padded image
  explicit Layout(const Conv2dGeometry& g)
      : K(int64_t{g.c_in} * g.kh * g.kw),
        blocks((g.c_out + kRows - 1) / kRows),
        hp(int64_t{g.h} + 2 * g.ph),
        wp(int64_t{g.w} + 2 * g.pw),
        padded(int64_t{g.c_in} * hp * wp) {}
  // packed W, packed bias, tap offsets (int32, as many floats), padded image
  int64_t floats() const { return blocks * kRows * (K + 1) + K + padded; }
};

// One vector of a tile: where its 16 outputs read xp (tap offset 0) and are written, and which of
// its lanes are outputs (the last vector of a row may be short).
struct Vector {
  const float* x;
  float* y;
  __mmask16 lanes;
};

// acc[r][v] = bias[r] + Σ_k wk[k·8 + r] · xp[off[k] + vector v], stored for the tile's `rows`
// channels (rows of y `plane` apart).
template <int NV>
void tile(const float* wk, const float* bias, const int32_t* off, int64_t K, const Vector* vec,
          int rows, int64_t plane) {
  __m512 acc[kRows][NV];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_set1_ps(bias[r]);
  for (int64_t k = 0; k < K; ++k, wk += kRows) {
    const int32_t o = off[k];
    __m512 xv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_maskz_loadu_ps(vec[v].lanes, vec[v].x + o);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512 wr = _mm512_set1_ps(wk[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(wr, xv[v], acc[r][v]);
    }
  }
  // Constant indices only (a loop to `rows` would keep acc in memory through the k loop).
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r)
    if (r < rows)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        _mm512_mask_storeu_ps(vec[v].y + r * plane, vec[v].lanes, acc[r][v]);
}

// wk[blk][k][r] = W[blk·8 + r, k] and bk[blk·8 + r] = b[blk·8 + r] (0 past c_out or without b).
void pack_weights(const Conv2dGeometry& g, const Layout& l, const float* w, const float* b,
                  float* wk, float* bk) {
  for (int64_t blk = 0; blk < l.blocks; ++blk)
    for (int r = 0; r < kRows; ++r) {
      const int64_t o = blk * kRows + r;
      float* d = wk + blk * l.K * kRows + r;
      for (int64_t k = 0; k < l.K; ++k) d[k * kRows] = o < g.c_out ? w[o * l.K + k] : 0.0f;
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

// One block of 8 channels of one image: the output rows' vectors (each row split into 16-wide
// vectors, the last one short when ow is not a multiple of 16) in tiles of 3.
void channel_block(const Conv2dGeometry& g, const Layout& l, int64_t blk, const float* wk,
                   const float* bk, const int32_t* off, const float* xp, float* yn) {
  const int64_t plane = int64_t{g.oh} * g.ow;
  const int per_row = (g.ow + kLanes - 1) / kLanes;
  const int64_t count = int64_t{g.oh} * per_row;
  const int rows = static_cast<int>(std::min<int64_t>(kRows, g.c_out - blk * kRows));
  const float* wb = wk + blk * l.K * kRows;
  const float* bb = bk + blk * kRows;
  float* yb = yn + blk * kRows * plane;
  for (int64_t s = 0; s < count; s += kVecs) {
    const int nv = static_cast<int>(std::min<int64_t>(kVecs, count - s));
    Vector vec[kVecs];
    for (int v = 0; v < nv; ++v) {
      const int64_t i = (s + v) / per_row, j = (s + v) % per_row * kLanes;
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, g.ow - j));
      vec[v] = {xp + i * l.wp + j, yb + i * g.ow + j, static_cast<__mmask16>((1u << lanes) - 1)};
    }
    if (nv == 3)
      tile<3>(wb, bb, off, l.K, vec, rows, plane);
    else if (nv == 2)
      tile<2>(wb, bb, off, l.K, vec, rows, plane);
    else
      tile<1>(wb, bb, off, l.K, vec, rows, plane);
  }
}

}  // namespace

bool conv_direct_serves(const Conv2dGeometry& g) {
  if (g.sh != 1 || g.sw != 1 || g.ow < kLanes) return false;
  const Layout l(g);
  // Tap offsets are int32.
  return l.padded < (int64_t{1} << 31) && l.floats() <= static_cast<int64_t>(kConvWorkspaceFloats);
}

void conv2d_forward_direct(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                           float* y) {
  const Layout l(g);
  const int64_t x_image = int64_t{g.c_in} * g.h * g.w, y_image = int64_t{g.c_out} * g.oh * g.ow;
  // The work is n·blocks units (image, block of 8 channels), in contiguous ranges on the threads
  // (so a batch of one still uses them all); each thread packs W into its own workspace once and
  // pads each image of its range once. A unit's sums do not depend on the split: results are
  // bit-identical for every thread count.
  auto run = [&](int64_t begin, int64_t end) {
    float* wk = conv_workspace();
    float* bk = wk + l.blocks * kRows * l.K;
    int32_t* off = reinterpret_cast<int32_t*>(bk + l.blocks * kRows);
    float* xp = reinterpret_cast<float*>(off + l.K);
    pack_weights(g, l, w, b, wk, bk);
    tap_offsets(g, l, off);
    std::fill(xp, xp + l.padded, 0.0f);
    for (int64_t unit = begin, padded = -1; unit < end; ++unit) {
      const int64_t n = unit / l.blocks;
      if (n != padded) {
        pad_image(g, l, x + n * x_image, xp);
        padded = n;
      }
      channel_block(g, l, unit % l.blocks, wk, bk, off, xp, y + n * y_image);
    }
  };
  const int64_t units = int64_t{g.n} * l.blocks;
  if (thread_count() > 1)
    parallel_for(units, run);
  else
    run(0, units);
}

}  // namespace salient::kern::avx512
