// Pooling over 2×2 windows at stride 2 (the usual CNN pool): max and average, forward and backward,
// written once over a per-ISA traits type V (instantiated through x86/pool.h; internal
// linkage).
// Window k = (plane, i, j) has the taps a, a + 1, a + w, a + w + 1 with a = plane·h·w + 2i·w + 2j:
// two horizontal pairs. A run loads four vectors of inputs and splits each two of them into their
// even and odd floats (V::deinterleave), so every tap is one lane-wise operand:
//   row layout (w odd or ow > W): W outputs of one row; vectors at a, a + W (the top row) and
//     a + w, a + w + W (the bottom row): their evens are taps (0,0) and (1,0), their odds (0,1) and
//     (1,1), lane l at a + 2l;
//   flat layout (w even, ow ≤ W): R = ⌊W/ow⌋ whole output rows, whose 2R input rows are contiguous
//     (2R·w = 4R·ow ≤ 4W floats, the vectors at a, a + W, a + 2W, a + 3W); the evens E of the four
//     hold input row ρ's even columns at [ρ·ow, (ρ + 1)·ow), so lane l = r·ow + j takes its top
//     taps from E[2r·ow + j] and its bottom ones from E[(2r + 1)·ow + j] (a two-vector permute;
//     odds likewise), at a + 2(2r·ow + j).
// Forward: x is better than b when x > b, or x is NaN and b is not (the reference's test); it is a
// strict weak order (NaN above every number, ±0 equal), so the reference's scan, which keeps the
// first best tap, gives the same tap as taking the first best of the top pair, the first best of
// the bottom pair, then the first best of those two (ties keep the top) — the form used here, whose
// dependency chain is two compares and blends long instead of three. NaN-ness is tested on the
// inputs (a pair's winner is NaN iff one of its taps is), off that chain. The argmax is
// a + 2·(lane's offset) + the tap's offset (0, 1, w or w + 1): bit-identical values and the same
// first-maximum indices.
// Average: y = (((0 + x00) + x01) + x10) + x11) · 1/4, the reference's sum in its order; backward
// gx[tap] += gy·1/4, one addition per input, as in the reference.
// Backward (flat runs that fill their four vectors): gx[argmax[k]] += gy[k]. Windows do not
// overlap, so each input receives at most one term: for each input lane, the gy and argmax of its
// window's output lane are permuted into place and gx + gy is kept where the argmax names that
// input (the reference's one addition).
#pragma once

#include <cstdint>

#include "salient/kernels.h"

namespace salient::kern {
namespace {

template <class V>
struct PoolPairs {
  using T = typename V::T;
  using I = typename V::I;
  using M = typename V::M;
  static constexpr int W = V::W;

  // The forward kernels: 2×2 windows at stride 2.
  static bool applies(const Pool2dGeometry& g) {
    return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2;
  }
  // The backward kernels: flat runs that fill all four vectors (W = R·ow) and tile the planes
  // (h even, R divides oh), such as digits-cnn's. Runs with masked lanes, whose masked loads and
  // stores of gx ran slower than the reference's scalar loop (19 against 1.7 µs on 7×7 planes),
  // are left to the reference.
  static bool applies_backward(const Pool2dGeometry& g) {
    return applies(g) && g.w % 2 == 0 && g.ow <= W && W % g.ow == 0 && g.h % 2 == 0 &&
           g.oh % (W / g.ow) == 0;
  }

  // A call's run layout (see the top of the file) and its lane tables.
  struct Runs {
    bool flat;
    int rows;           // output rows per run (flat), else 1
    int64_t offset[4];  // the four vectors' offsets from the run's first input a
    I top, bottom;      // flat: each output lane's index into E (and O) for its top and bottom taps
    I first;            // each output lane's tap (0,0), relative to a
    I source[4], at[4];  // backward (flat): input lane t of vector q belongs to output lane
                         // source[q][t] and lies at at[q][t] = q·W + t from a
    M full[4];           // the vectors' lanes in a run of `rows` whole rows (row layout: W outputs)

    explicit Runs(const Pool2dGeometry& g) : flat(g.w % 2 == 0 && g.ow <= W) {
      rows = flat ? W / g.ow : 1;
      const int ow = g.ow, w = g.w;
      for (int q = 0; q < 4; ++q)
        offset[q] = flat ? int64_t{q} * W : (q >= 2 ? w : 0) + (q % 2) * W;
      alignas(64) int32_t t[W], b[W], f[W], s[W], o[W];
      const int used = flat ? rows * ow : W;  // output lanes of a whole run
      for (int l = 0; l < W; ++l) {
        t[l] = l >= used ? 0 : flat ? 2 * ow * (l / ow) + l % ow : l;
        b[l] = t[l] + (flat ? ow : W);
        f[l] = 2 * t[l];
      }
      top = V::load_i(t);
      bottom = V::load_i(b);
      first = V::load_i(f);
      const int inputs = flat ? rows * 2 * w : 2 * W;  // per vector pair in the row layout
      for (int q = 0; q < 4; ++q) {
        for (int l = 0; l < W; ++l) {
          const int p = q * W + l, row = p / w, col = p % w;
          s[l] = flat && p < inputs ? (row / 2) * ow + col / 2 : 0;
          o[l] = p;
        }
        source[q] = V::load_i(s);
        at[q] = V::load_i(o);
        full[q] = V::mask(lanes(inputs - (flat ? q : q % 2) * W));
      }
    }
    static int lanes(int64_t n) { return n < 0 ? 0 : n > W ? W : static_cast<int>(n); }

    // Calls f(a, k, count, m) for every run: a its first input's offset in x, k its first output's
    // index in y, count its outputs, m[4] the lanes of its four vectors.
    template <class F>
    void for_each(const Pool2dGeometry& g, F&& f) const {
      if (flat && g.h % 2 == 0 && g.oh % rows == 0) {
        // Every run whole and the planes' runs back to back (2·oh = h): runs at a fixed step, with
        // nothing to work out per run (the loop below had taken about as long as the runs
        // themselves on digits-cnn's 8×8 planes); a run that fills the vector has count = W.
        const int64_t total = int64_t{g.n} * g.c * (g.oh / rows), step = int64_t{2 * rows} * g.w;
        const int outputs = rows * g.ow;
        if (outputs == W) {
          for (int64_t r = 0; r < total; ++r) f(r * step, r * W, W, full);
        } else {
          for (int64_t r = 0; r < total; ++r) f(r * step, r * outputs, outputs, full);
        }
        return;
      }
      int64_t k = 0;
      for (int64_t p = 0; p < int64_t{g.n} * g.c; ++p) {
        const int64_t plane = p * g.h * g.w;
        for (int i = 0; i < g.oh; i += rows)
          for (int j = 0; j < g.ow; j += W) {
            const int64_t a = plane + int64_t{2 * i} * g.w + 2 * j;
            const int r = g.oh - i < rows ? g.oh - i : rows;
            const int count = flat ? r * g.ow : (g.ow - j < W ? g.ow - j : W);
            if (flat ? r == rows : count == W) {
              f(a, k, count, full);
            } else {
              const int64_t inputs = flat ? int64_t{r} * 2 * g.w : 2 * count;
              M m[4];
              for (int q = 0; q < 4; ++q) m[q] = V::mask(lanes(inputs - (flat ? q : q % 2) * W));
              f(a, k, count, m);
            }
            k += count;
          }
      }
    }
  };

  // A run's four taps, lane l holding window l's: (0,0), (0,1), (1,0), (1,1).
  struct Taps {
    T e_top, o_top, e_bottom, o_bottom;
    Taps(const Runs& runs, const float* in, const M* m) {
      // Row layout: these are the taps; flat: E and O, two halves each, then permuted.
      V::deinterleave(V::load_masked(in + runs.offset[0], m[0]),
                      V::load_masked(in + runs.offset[1], m[1]), e_top, o_top);
      V::deinterleave(V::load_masked(in + runs.offset[2], m[2]),
                      V::load_masked(in + runs.offset[3], m[3]), e_bottom, o_bottom);
      if (runs.flat) {
        const T e0 = e_top, e1 = e_bottom, o0 = o_top, o1 = o_bottom;
        e_top = V::permute2(e0, e1, runs.top);
        e_bottom = V::permute2(e0, e1, runs.bottom);
        o_top = V::permute2(o0, o1, runs.top);
        o_bottom = V::permute2(o0, o1, runs.bottom);
      }
    }
  };

  static void max_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
    const Runs runs(g);
    const I zero = V::set1_i(0), right = V::set1_i(1), below = V::set1_i(g.w),
            diagonal = V::set1_i(g.w + 1);
    runs.for_each(g, [&](int64_t a, int64_t k, int count, const M* m) {
      const Taps t(runs, x + a, m);
      const T e_top = t.e_top, o_top = t.o_top, e_bottom = t.e_bottom, o_bottom = t.o_bottom;
      // The first best of each pair, then the first best of the two, in a chain of two compares
      // and blends (the reference's sequence has three; see the top of the file).
      const M ordered_top = V::ordered(e_top), ordered_bottom = V::ordered(e_bottom);
      const M take_right = V::better_than_ordered(o_top, e_top, ordered_top);
      const M take_below = V::better_than_ordered(o_bottom, e_bottom, ordered_bottom);
      const T top = V::blend(take_right, e_top, o_top);
      const T bottom = V::blend(take_below, e_bottom, o_bottom);
      const M take_bottom =
          V::better_than_ordered(bottom, top, V::and_m(ordered_top, V::ordered(o_top)));
      const T best = V::blend(take_bottom, top, bottom);
      const I tap = V::blend_i(take_bottom, V::blend_i(take_right, zero, right),
                               V::blend_i(take_below, below, diagonal));
      const M out = V::mask(count);
      V::store_masked(y + k, out, best);
      V::store_masked_i(argmax + k, out,
                        V::add_i(V::add_i(tap, runs.first), V::set1_i(static_cast<int32_t>(a))));
    });
  }

  // y = (((0 + x00) + x01) + x10) + x11) · (1/4): the reference's sum, in its order.
  static void avg_forward(const Pool2dGeometry& g, const float* x, float* y) {
    const Runs runs(g);
    const T zero = V::set1(0.0f), quarter = V::set1(0.25f);
    runs.for_each(g, [&](int64_t a, int64_t k, int count, const M* m) {
      const Taps t(runs, x + a, m);
      const T sum = V::add(V::add(V::add(V::add(zero, t.e_top), t.o_top), t.e_bottom), t.o_bottom);
      V::store_masked(y + k, V::mask(count), V::mul(sum, quarter));
    });
  }

  // Calls f(a, k) for every run when applies_backward(g): a its first input's offset in x, k its
  // first output's index in y; all four vectors and W outputs are whole, so no lane is masked.
  template <class F>
  static void for_each_whole_run(const Pool2dGeometry& g, F&& f) {
    const int64_t runs = int64_t{g.n} * g.c * g.oh * g.ow / W;
    for (int64_t r = 0; r < runs; ++r) f(r * 4 * W, r * W);
  }

  // gx[each tap of window k] += gy[k]·(1/4): every input in a run belongs to one window.
  static void avg_backward(const Pool2dGeometry& g, const float* gy, float* gx) {
    const Runs runs(g);
    const T quarter = V::set1(0.25f);
    for_each_whole_run(g, [&](int64_t a, int64_t k) {
      const T share = V::mul(V::load(gy + k), quarter);
      for (int q = 0; q < 4; ++q) {
        float* p = gx + a + q * W;
        V::store(p, V::add(V::load(p), V::permute(share, runs.source[q])));
      }
    });
  }

  static void max_backward(const Pool2dGeometry& g, const int32_t* argmax, const float* gy,
                           float* gx) {
    const Runs runs(g);
    for_each_whole_run(g, [&](int64_t a, int64_t k) {
      const T g_run = V::load(gy + k);
      const I at_run = V::sub_i(V::load_i(argmax + k), V::set1_i(static_cast<int32_t>(a)));
      for (int q = 0; q < 4; ++q) {
        float* p = gx + a + q * W;
        const T old = V::load(p);
        const M hit = V::equal_i(V::permute_i(at_run, runs.source[q]), runs.at[q]);
        V::store(p, V::blend(hit, old, V::add(old, V::permute(g_run, runs.source[q]))));
      }
    });
  }
};

}  // namespace
}  // namespace salient::kern
