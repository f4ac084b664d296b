// Max and average pooling (2-D; 1-D is H = 1), written once over a per-ISA traits type V
// (pool_avx2.cc and pool_avx512.cc instantiate it in their own translation units; everything here
// has internal linkage). W adjacent outputs of one output row are computed at once: for each tap
// (u, v) of the window, in the reference's order, the W inputs x[(i·sh + u)·w + (j·sw + v)] come
// from one (masked) load when sw = 1, else from a gather. Rows of fewer than W/2 outputs, or of at
// most W/2 when sw > 1 (digits-cnn's 4-wide pool), take R = ⌊W/ow⌋ whole rows of a plane per vector
// instead, every tap gathered (one 4-output row per AVX-512 vector, 4 of 16 lanes gathered, had
// been slower than the reference loop: 44 against 33 µs).
// Window runs: when the inputs of a run whose taps would be gathered lie within the V::kWindow
// vectors from the run's first input (4 for AVX-512, 2 for AVX2), the run loads those vectors once
// and picks every tap's inputs from them with permutes instead of a gather (digits-cnn's 2×2 pool
// of 8×8 planes on AVX-512: 4 output rows from 64 floats).
//   max:  best = first tap; then for every other tap best ← x where x > best or (x is NaN and best
//         is not), with its flat input index (so the first maximum, and the first NaN, win, as in
//         ref/pool2d_ref.cc, whose comparison of the first tap with itself never replaces it)
//   avg:  y = (Σ taps, added in the reference's order) · (1/(kh·kw))
// Both do the reference's operations in its order, so they are bit-identical to it. 2×2 windows at
// stride 2 take x86/pool_pairs.h instead (forward and backward); the backward of other geometries
// runs the reference (windows may overlap, so an input may take several terms, summed in order).
#pragma once

#include <cstdint>

#include "ref/ref_kernels.h"
#include "salient/kernels.h"
#include "x86/pool_pairs.h"

namespace salient::kern {
namespace {

template <class V>
struct Pool {
  using T = typename V::T;
  using I = typename V::I;
  using M = typename V::M;
  static constexpr int W = V::W;

  // Output rows per run: R = ⌊W/ow⌋ when at least 2 rows fit and the taps are not adjacent anyway
  // (sw > 1) or the rows hold fewer than W/2 outputs; else 1 (a row then takes ⌈ow/W⌉ runs of W).
  static int rows_per_run(const Pool2dGeometry& g) {
    const int fit = W / g.ow;
    return fit >= 2 && (g.sw > 1 || 2 * g.ow < W) ? fit : 1;
  }

  // How a run's taps are read: one load each (one row, stride 1), permutes of the kWindow vectors
  // from the run's first input, or gathers.
  enum class Read { kAdjacent, kWindow, kGather };

  // Whether every input of a run (rows_per_run whole rows, or W outputs of a longer row) lies
  // within kWindow·W floats of its first.
  static bool fits_window(const Pool2dGeometry& g) {
    const int64_t rows = rows_per_run(g), outputs = g.ow > W ? W : g.ow;
    return (int64_t{rows - 1} * g.sh + g.kh - 1) * g.w + (outputs - 1) * g.sw + g.kw <=
           int64_t{V::kWindow} * W;
  }

  static Read read_mode(const Pool2dGeometry& g) {
    if (g.sw == 1 && rows_per_run(g) == 1) return Read::kAdjacent;
    return fits_window(g) ? Read::kWindow : Read::kGather;
  }

  // A run's inputs: tap(off) gives the W inputs of tap offset `off` (from the plane start) for
  // lanes at window offsets `cols` from the run's first input `start`.
  struct RunInputs {
    Read read;
    const float* plane;
    int64_t start;
    I cols;
    M m;
    T window[V::kWindow];  // kWindow: the floats from plane + start (those past the plane read as 0)
    RunInputs(Read r, const float* p, int64_t plane_size, int64_t s, I c, M lanes)
        : read(r), plane(p), start(s), cols(c), m(lanes) {
      if (read != Read::kWindow) return;
      for (int q = 0; q < V::kWindow; ++q)
        window[q] = V::load_masked(plane + start + q * W, V::mask(clamp_lanes(plane_size - start - q * W)));
    }
    static int clamp_lanes(int64_t n) { return n < 0 ? 0 : n > W ? W : static_cast<int>(n); }
    T tap(int64_t off) const {
      if (read == Read::kAdjacent) return V::load_masked(plane + off, m);
      if (read == Read::kWindow)
        return V::permute_window(window, V::add_i(cols, V::set1_i(static_cast<int32_t>(off - start))));
      return V::gather(plane + off, cols, m);
    }
  };

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

  static void max_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
    if (PoolPairs<V>::applies(g)) return PoolPairs<V>::max_forward(g, x, y, argmax);
    const Read read = read_mode(g);
    const int64_t plane_size = int64_t{g.h} * g.w;
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      const RunInputs in(read, x + base, plane_size, start, cols, m);
      T best = in.tap(start);
      I where = V::add_i(cols, V::set1_i(static_cast<int32_t>(base + start)));
      for (int u = 0; u < g.kh; ++u)
        for (int v = u == 0 ? 1 : 0; v < g.kw; ++v) {  // tap (0, 0) is already best
          const int64_t off = start + int64_t{u} * g.w + v;
          const T xv = in.tap(off);
          const M take = V::better(xv, best);
          best = V::blend(take, best, xv);
          where =
              V::blend_i(take, where, V::add_i(cols, V::set1_i(static_cast<int32_t>(base + off))));
        }
      V::store_masked(y + k, m, best);
      V::store_masked_i(argmax + k, m, where);
    });
  }

  // gx[argmax[k]] += gy[k].
  static void max_backward(const Pool2dGeometry& g, const int32_t* argmax, const float* gy,
                           float* gx) {
    if (PoolPairs<V>::applies_backward(g)) return PoolPairs<V>::max_backward(g, argmax, gy, gx);
    ref::maxpool2d_backward(g, argmax, gy, gx);
  }

  // gx[window k] += gy[k]·(1/(kh·kw)).
  static void avg_backward(const Pool2dGeometry& g, const float* gy, float* gx) {
    if (PoolPairs<V>::applies_backward(g)) return PoolPairs<V>::avg_backward(g, gy, gx);
    ref::avgpool2d_backward(g, gy, gx);
  }

  static void avg_forward(const Pool2dGeometry& g, const float* x, float* y) {
    if (PoolPairs<V>::applies(g)) return PoolPairs<V>::avg_forward(g, x, y);
    const Read read = read_mode(g);
    const int64_t plane_size = int64_t{g.h} * g.w;
    const T inv = V::set1(1.0f / static_cast<float>(g.kh * g.kw));
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      const RunInputs in(read, x + base, plane_size, start, cols, m);
      T sum = V::set1(0.0f);
      for (int u = 0; u < g.kh; ++u)
        for (int v = 0; v < g.kw; ++v) sum = V::add(sum, in.tap(start + int64_t{u} * g.w + v));
      V::store_masked(y + k, m, V::mul(sum, inv));
    });
  }
};

}  // namespace
}  // namespace salient::kern
