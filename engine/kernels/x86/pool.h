// Max and average pooling (2-D; 1-D is H = 1), written once over a per-ISA traits type V
// (pool_avx2.cc and pool_avx512.cc instantiate it in their own translation units; everything here
// has internal linkage). W adjacent outputs of one output row are computed at once: for each tap
// (u, v) of the window, in the reference's order, the W inputs x[(i·sh + u)·w + (j·sw + v)] come
// from one (masked) load when sw = 1, else from a gather. Rows of fewer than W/2 outputs, or of at
// most W/2 when sw > 1 (digits-cnn's 4-wide pool), take R = ⌊W/ow⌋ whole rows of a plane per vector
// instead, every tap gathered (one 4-output row per AVX-512 vector, 4 of 16 lanes gathered, had
// been slower than the reference loop: 44 against 33 µs).
//   max:  best = first tap; then for every other tap best ← x where x > best or (x is NaN and best
//         is not), with its flat input index (so the first maximum, and the first NaN, win, as in
//         ref/pool2d_ref.cc, whose comparison of the first tap with itself never replaces it)
//   avg:  y = (Σ taps, added in the reference's order) · (1/(kh·kw))
// Both do the reference's operations in its order, so they are bit-identical to it.
#pragma once

#include <cstdint>

#include "salient/kernels.h"

namespace salient::kern {
namespace {

template <class V>
struct Pool {
  using T = typename V::T;
  using I = typename V::I;
  using M = typename V::M;
  static constexpr int W = V::W;

  // Output rows per vector: R = ⌊W/ow⌋ when at least 2 rows fit and the taps are gathered anyway
  // (sw > 1) or the rows hold fewer than W/2 outputs; else 1 (a row then takes ⌈ow/W⌉ vectors).
  static int rows_per_run(const Pool2dGeometry& g) {
    const int fit = W / g.ow;
    return fit >= 2 && (g.sw > 1 || 2 * g.ow < W) ? fit : 1;
  }

  // The W inputs of tap offset `off` (from the plane start) for the outputs whose window offsets,
  // relative to the run's first output, are `cols`: one load when they are adjacent.
  static T taps(const float* plane, int64_t off, I cols, bool adjacent, M m) {
    if (adjacent) return V::load_masked(plane + off, m);
    return V::gather(plane + off, cols, m);
  }

  // Calls f(base, start, k, cols, m) for every run of up to W outputs (part of one output row, or
  // R whole rows of one plane): base is the plane's offset in x, start the first output's window
  // offset in the plane, k the first output's index in y, cols the lanes' window offsets relative
  // to start (l·sw in a row; (l / ow)·sh·w + (l % ow)·sw over R rows), m the lanes in use.
  template <class F>
  static void for_each_run(const Pool2dGeometry& g, F&& f) {
    const int rows = rows_per_run(g);
    const int per_row = rows == 1 ? W : g.ow;
    alignas(64) int32_t offsets[W];
    for (int l = 0; l < W; ++l) offsets[l] = (l / per_row) * g.sh * g.w + (l % per_row) * g.sw;
    const I cols = V::load_i(offsets);
    int64_t k = 0;
    for (int64_t p = 0; p < int64_t{g.n} * g.c; ++p) {
      const int64_t base = p * g.h * g.w;
      for (int i = 0; i < g.oh; i += rows)
        for (int j = 0; j < g.ow; j += W) {
          const int count =
              rows > 1 ? (g.oh - i < rows ? g.oh - i : rows) * g.ow : (g.ow - j < W ? g.ow - j : W);
          f(base, int64_t{i} * g.sh * g.w + int64_t{j} * g.sw, k, cols, V::mask(count));
          k += count;
        }
    }
  }

  // Whether a run's inputs of one tap are adjacent in x (one row, stride 1).
  static bool adjacent(const Pool2dGeometry& g) { return g.sw == 1 && rows_per_run(g) == 1; }

  static void max_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
    const bool adj = adjacent(g);
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      const float* plane = x + base;
      T best = taps(plane, start, cols, adj, m);
      I where = V::add_i(cols, V::set1_i(static_cast<int32_t>(base + start)));
      for (int u = 0; u < g.kh; ++u)
        for (int v = u == 0 ? 1 : 0; v < g.kw; ++v) {  // tap (0, 0) is already best
          const int64_t off = start + int64_t{u} * g.w + v;
          const T xv = taps(plane, off, cols, adj, m);
          const M take = V::better(xv, best);
          best = V::blend(take, best, xv);
          where =
              V::blend_i(take, where, V::add_i(cols, V::set1_i(static_cast<int32_t>(base + off))));
        }
      V::store_masked(y + k, m, best);
      V::store_masked_i(argmax + k, m, where);
    });
  }

  static void avg_forward(const Pool2dGeometry& g, const float* x, float* y) {
    const bool adj = adjacent(g);
    const T inv = V::set1(1.0f / static_cast<float>(g.kh * g.kw));
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      T sum = V::set1(0.0f);
      for (int u = 0; u < g.kh; ++u)
        for (int v = 0; v < g.kw; ++v)
          sum = V::add(sum, taps(x + base, start + int64_t{u} * g.w + v, cols, adj, m));
      V::store_masked(y + k, m, V::mul(sum, inv));
    });
  }
};

}  // namespace
}  // namespace salient::kern
