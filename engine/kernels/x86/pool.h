// Max and average pooling (2-D; 1-D is H = 1), written once over a per-ISA traits type V
// (pool_avx2.cc and pool_avx512.cc instantiate it in their own translation units; everything here
// has internal linkage). W adjacent outputs of one output row are computed at once: for each tap
// (u, v) of the window, in the reference's order, the W inputs x[(i·sh + u)·w + (j·sw + v)] come
// from one (masked) load when sw = 1, else from a gather.
//   max:  best = first tap; best ← x where x > best or (x is NaN and best is not), with its flat
//         input index (so the first maximum, and the first NaN, win, as in ref/pool2d_ref.cc)
//   avg:  y = (Σ taps, added in the reference's order) · (1/(kh·kw))
// Both do the reference's operations in its order, so they are bit-identical to it. Rows of fewer
// than W/2 outputs (digits-cnn's 4-wide pool under AVX-512) run the reference loop instead: a
// vector with most lanes masked off, gathered, was slower than it (44 against 33 µs).
#pragma once

#include <cstdint>

#include "ref/ref_kernels.h"
#include "salient/kernels.h"

namespace salient::kern {
namespace {

template <class V>
struct Pool {
  using T = typename V::T;
  using I = typename V::I;
  using M = typename V::M;
  static constexpr int W = V::W;

  // The W inputs of tap offset `off` (from the plane start) for the outputs whose column offsets
  // (j·sw, relative to this row's first output) are `cols`.
  static T taps(const float* plane, int64_t off, I cols, int sw, M m) {
    if (sw == 1) return V::load_masked(plane + off, m);
    return V::gather(plane + off, cols, m);
  }

  // Calls f(base, start, k, cols, m) for every run of up to W outputs of one output row: base is
  // the plane's offset in x, start the first output's window offset in the plane, k the first
  // output's index in y, cols the lanes' column offsets (lane·sw), m the lanes in use.
  template <class F>
  static void for_each_run(const Pool2dGeometry& g, F&& f) {
    const I lanes = V::lanes_times(g.sw);
    int64_t k = 0;
    for (int64_t p = 0; p < int64_t{g.n} * g.c; ++p) {
      const int64_t base = p * g.h * g.w;
      for (int i = 0; i < g.oh; ++i)
        for (int j = 0; j < g.ow; j += W) {
          const int count = g.ow - j < W ? g.ow - j : W;
          f(base, int64_t{i} * g.sh * g.w + int64_t{j} * g.sw, k, lanes, V::mask(count));
          k += count;
        }
    }
  }

  static bool narrow(const Pool2dGeometry& g) { return 2 * g.ow < W; }

  static void max_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
    if (narrow(g)) return ref::maxpool2d_forward(g, x, y, argmax);
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      const float* plane = x + base;
      T best = taps(plane, start, cols, g.sw, m);
      I where = V::add_i(cols, V::set1_i(static_cast<int32_t>(base + start)));
      for (int u = 0; u < g.kh; ++u)
        for (int v = 0; v < g.kw; ++v) {
          const int64_t off = start + int64_t{u} * g.w + v;
          const T xv = taps(plane, off, cols, g.sw, m);
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
    if (narrow(g)) return ref::avgpool2d_forward(g, x, y);
    const T inv = V::set1(1.0f / static_cast<float>(g.kh * g.kw));
    for_each_run(g, [&](int64_t base, int64_t start, int64_t k, I cols, M m) {
      T sum = V::set1(0.0f);
      for (int u = 0; u < g.kh; ++u)
        for (int v = 0; v < g.kw; ++v)
          sum = V::add(sum, taps(x + base, start + int64_t{u} * g.w + v, cols, g.sw, m));
      V::store_masked(y + k, m, V::mul(sum, inv));
    });
  }
};

}  // namespace
}  // namespace salient::kern
