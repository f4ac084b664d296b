// Vectorised activations and GRU gates, written once over a per-ISA traits type V (the AVX2 and
// AVX-512 files each define their V and instantiate these in their own translation unit; everything
// here has internal linkage, so no copy compiled with one ISA's flags can reach another's callers).
//
// exp and expm1 of a ≤ 0 (docs/kernels.md, "Activations"): a = k·ln2 + r with k = round(a·log2 e),
// r = a − k·ln2_hi − k·ln2_lo (two FMAs, |r| ≤ ln2/2), e^r − 1 = r + r²·q(r) with q the Taylor
// polynomial to r⁶/8! (truncation < 0.01 ulp), then
//   e^a      = ((1 + (e^r − 1))·2^(k+100))·2^−100   (the second product is the only rounding into the
//                                                   subnormal range, so e^a underflows like libm)
//   e^a − 1  = 2^k·(e^r − 1) + (2^k − 1)           (one FMA; no cancellation near 0, where k = 0)
// sigmoid(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 with e = e^−|x| (the reference's
// branches), tanh(x) = sign(x)·(−m/(2 + m)) with m = e^(−2|x|) − 1. NaN passes through; ±inf and
// the clamps of a (−110 for exp, −20 for expm1) give exactly 0, 1 and ±1 as the reference does.
#pragma once

#include <cstdint>

namespace salient::kern {
namespace {

template <class V>
struct VecMath {
  using T = typename V::T;
  static constexpr int W = V::W;

  // a = k·ln2 + r; returns e^r − 1 and sets kf = k (as a float).
  static T reduce(T a, T& kf) {
    kf = V::round(V::mul(a, V::set1(1.44269504088896341f)));
    T r = V::fma(kf, V::set1(-0.693145751953125f), a);
    r = V::fma(kf, V::set1(-1.428606765330187045e-06f), r);
    T q = V::set1(1.0f / 40320.0f);
    q = V::fma(q, r, V::set1(1.0f / 5040.0f));
    q = V::fma(q, r, V::set1(1.0f / 720.0f));
    q = V::fma(q, r, V::set1(1.0f / 120.0f));
    q = V::fma(q, r, V::set1(1.0f / 24.0f));
    q = V::fma(q, r, V::set1(1.0f / 6.0f));
    q = V::fma(q, r, V::set1(0.5f));
    return V::fma(V::mul(r, r), q, r);
  }

  // e^a for a ≤ 0 (NaN-free input).
  static T exp_nonpos(T a) {
    a = V::max(a, V::set1(-110.0f));
    T kf;
    const T em1r = reduce(a, kf);
    const T p = V::add(em1r, V::set1(1.0f));
    return V::mul(V::mul(p, V::pow2(V::add(kf, V::set1(100.0f)))), V::set1(0x1p-100f));
  }

  // e^a − 1 for a ≤ 0 (NaN-free input).
  static T expm1_nonpos(T a) {
    a = V::max(a, V::set1(-20.0f));
    T kf;
    const T em1r = reduce(a, kf);
    const T s = V::pow2(kf);
    return V::fma(s, em1r, V::sub(s, V::set1(1.0f)));
  }

  // One division: choosing the numerator (e or 1) before dividing rounds each lane as the
  // reference's branches do.
  static T sigmoid(T x) {
    const T e = exp_nonpos(V::neg(V::abs(x)));
    const T d = V::add(V::set1(1.0f), e);
    const T y = V::div(V::select_neg(x, e, V::set1(1.0f)), d);
    return V::nan_or(x, y);
  }

  static T tanh(T x) {
    const T ax = V::abs(x);
    const T m = expm1_nonpos(V::neg(V::add(ax, ax)));
    const T t = V::abs(V::div(V::neg(m), V::add(V::set1(2.0f), m)));
    return V::nan_or(x, V::or_(t, V::sign(x)));
  }
};

// Runs f on every full vector of n values, then on the remainder through a zero-padded copy.
template <class V, class F>
[[gnu::always_inline]] inline void map1(int64_t n, const float* x, float* y, F f) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W) V::store(y + i, f(V::load(x + i)));
  if (i < n) {
    float bx[V::W] = {}, by[V::W];
    const int rem = static_cast<int>(n - i);
    for (int l = 0; l < rem; ++l) bx[l] = x[i + l];
    V::store(by, f(V::load(bx)));
    for (int l = 0; l < rem; ++l) y[i + l] = by[l];
  }
}

// gx = f(a, b, gx) over n values (the accumulating backward kernels).
template <class V, class F>
[[gnu::always_inline]] inline void map3(int64_t n, const float* a, const float* b, float* gx, F f) {
  int64_t i = 0;
  for (; i + V::W <= n; i += V::W)
    V::store(gx + i, f(V::load(a + i), V::load(b + i), V::load(gx + i)));
  if (i < n) {
    float ba[V::W] = {}, bb[V::W] = {}, bg[V::W] = {};
    const int rem = static_cast<int>(n - i);
    for (int l = 0; l < rem; ++l) {
      ba[l] = a[i + l];
      bb[l] = b[i + l];
      bg[l] = gx[i + l];
    }
    V::store(bg, f(V::load(ba), V::load(bb), V::load(bg)));
    for (int l = 0; l < rem; ++l) gx[i + l] = bg[l];
  }
}

template <class V>
struct Kernels {
  using T = typename V::T;
  using M = VecMath<V>;

  static void relu(int64_t n, const float* x, float* y) {
    map1<V>(n, x, y, [](T v) { return V::nan_or(v, V::max(v, V::set1(0.0f))); });
  }
  static void tanh(int64_t n, const float* x, float* y) { map1<V>(n, x, y, M::tanh); }
  static void sigmoid(int64_t n, const float* x, float* y) { map1<V>(n, x, y, M::sigmoid); }
  // Same operations in the same order as the reference (no contraction: ISO C++, fp-contract off),
  // so these are bit-identical to it.
  static void relu_backward(int64_t n, const float* x, const float* gy, float* gx) {
    map3<V>(n, x, gy, gx, [](T xv, T g, T acc) { return V::select_gt0(xv, V::add(acc, g), acc); });
  }
  static void tanh_backward(int64_t n, const float* y, const float* gy, float* gx) {
    map3<V>(n, y, gy, gx, [](T yv, T g, T acc) {
      return V::add(acc, V::mul(g, V::sub(V::set1(1.0f), V::mul(yv, yv))));
    });
  }
  static void sigmoid_backward(int64_t n, const float* y, const float* gy, float* gx) {
    map3<V>(n, y, gy, gx, [](T yv, T g, T acc) {
      return V::add(acc, V::mul(V::mul(g, yv), V::sub(V::set1(1.0f), yv)));
    });
  }

  // Loads and stores of one vector of a GRU step: whole (kTail false) or the first lanes of m
  // (masked-off lanes load 0 and are not stored), so a row's remainder runs the same arithmetic.
  template <bool kTail>
  struct Lanes {
    typename V::M m;
    T load(const float* p) const {
      if constexpr (kTail) return V::load_masked(p, m);
      return V::load(p);
    }
    void store(float* p, T v) const {
      if constexpr (kTail) {
        V::store_masked(p, m, v);
      } else {
        V::store(p, v);
      }
    }
  };

  // One vector of a GRU step (see KernelTable::gru_gates_forward).
  template <bool kTail>
  static void gru_forward_vec(Lanes<kTail> l, const float* gi, const float* gh, const float* hp,
                              int h, float* hout, float* ws) {
    const T r = M::sigmoid(V::add(l.load(gi), l.load(gh)));
    const T z = M::sigmoid(V::add(l.load(gi + h), l.load(gh + h)));
    const T ghn = l.load(gh + 2 * h);
    const T nv = M::tanh(V::add(l.load(gi + 2 * h), V::mul(r, ghn)));
    const T hv = hp ? l.load(hp) : V::set1(0.0f);
    l.store(hout, V::add(V::mul(V::sub(V::set1(1.0f), z), nv), V::mul(z, hv)));
    l.store(ws, r);
    l.store(ws + h, z);
    l.store(ws + 2 * h, nv);
    l.store(ws + 3 * h, ghn);
  }

  static void gru_gates_forward(int n, int h, const float* gi, const float* gh, const float* h_prev,
                                float* h_out, float* ws) {
    const Lanes<false> whole{};
    const Lanes<true> tail{V::mask(h % V::W)};
    for (int b = 0; b < n; ++b) {
      const float* gib = gi + int64_t{b} * 3 * h;
      const float* ghb = gh + int64_t{b} * 3 * h;
      const float* hpb = h_prev ? h_prev + int64_t{b} * h : nullptr;
      float* hob = h_out + int64_t{b} * h;
      float* wsb = ws + int64_t{b} * 4 * h;
      int j = 0;
      for (; j + V::W <= h; j += V::W)
        gru_forward_vec(whole, gib + j, ghb + j, hpb ? hpb + j : nullptr, h, hob + j, wsb + j);
      if (j < h)
        gru_forward_vec(tail, gib + j, ghb + j, hpb ? hpb + j : nullptr, h, hob + j, wsb + j);
    }
  }

  // One vector of the GRU step's backward; the reference's operations in its order.
  template <bool kTail>
  static void gru_backward_vec(Lanes<kTail> l, const float* dh, const float* hp, const float* ws,
                               int h, float* dgi, float* dgh, float* dhp) {
    const T one = V::set1(1.0f);
    const T r = l.load(ws), z = l.load(ws + h), nv = l.load(ws + 2 * h), ghn = l.load(ws + 3 * h);
    const T g = l.load(dh);
    const T hv = hp ? l.load(hp) : V::set1(0.0f);
    const T dn = V::mul(V::mul(g, V::sub(one, z)), V::sub(one, V::mul(nv, nv)));
    const T dz = V::mul(V::mul(V::mul(g, V::sub(hv, nv)), z), V::sub(one, z));
    const T dr = V::mul(V::mul(V::mul(dn, ghn), r), V::sub(one, r));
    l.store(dgi, dr);
    l.store(dgh, dr);
    l.store(dgi + h, dz);
    l.store(dgh + h, dz);
    l.store(dgi + 2 * h, dn);
    l.store(dgh + 2 * h, V::mul(dn, r));
    if (dhp) l.store(dhp, V::mul(g, z));
  }

  static void gru_gates_backward(int n, int h, const float* dh, const float* h_prev, const float* ws,
                                 float* d_gi, float* d_gh, float* dh_prev) {
    const Lanes<false> whole{};
    const Lanes<true> tail{V::mask(h % V::W)};
    for (int b = 0; b < n; ++b) {
      const float* dhb = dh + int64_t{b} * h;
      const float* hpb = h_prev ? h_prev + int64_t{b} * h : nullptr;
      const float* wsb = ws + int64_t{b} * 4 * h;
      float* dgib = d_gi + int64_t{b} * 3 * h;
      float* dghb = d_gh + int64_t{b} * 3 * h;
      float* dhpb = dh_prev ? dh_prev + int64_t{b} * h : nullptr;
      int j = 0;
      for (; j + V::W <= h; j += V::W)
        gru_backward_vec(whole, dhb + j, hpb ? hpb + j : nullptr, wsb + j, h, dgib + j, dghb + j,
                         dhpb ? dhpb + j : nullptr);
      if (j < h)
        gru_backward_vec(tail, dhb + j, hpb ? hpb + j : nullptr, wsb + j, h, dgib + j, dghb + j,
                         dhpb ? dhpb + j : nullptr);
    }
  }
};

}  // namespace
}  // namespace salient::kern
