// The fused GRU node against the same GRU composed from elementary graph ops (time_step, linear per
// gate, add, mul, sigmoid, tanh), both on the active kernel table: the hidden states of every
// step, the gate workspace the explainers read (gru_saved_gates: r, z, n, W_hn h + b_hn), and the
// exact gradients w.r.t. x, W_ih, W_hh, b_ih and b_hh for a random upstream signal on the last
// step. Batches 1 (the skinny dot / axpy GEMM paths), 3 and 6 (the packed loop nest), hidden sizes
// 33 (vector tails) and 200 (the benchmark's), T = 1 and 9.
//
// Data: x uniform in [−1, 1), weights and biases in ±1/√H (PyTorch's default GRU init), the seed
// in [−1, 1).
//
// Tolerance: the two graphs do the same float32 operations on every element except that their
// GEMMs may sum the K = I or H products of a pre-activation in different orders (fused: one 3H-wide
// product per step, or its transpose; composed: one H-wide product per gate), each within
// γ_K·Σ|terms| ≤ K·u·Σ|terms| of the exact sum (u = 2^−24); with |w| ≤ 1/√H and |x|, |h| ≤ 1,
// Σ|terms| ≤ (I + H)/√H + 1. Such a difference passes through σ' ≤ 1/4 and tanh' ≤ 1 and the
// recurrence with gain ≤ 1 per step (|∂h'/∂h| ≤ z + (1 − z)·|W_hn|·…), so after T steps the hidden
// states differ by at most T·2K·u·((I + H)/√H + 1). The backward adds the same per step in
// reverse (BPTT is T more GEMM chains), so gradients use 2T. The bound is stated per unit
// magnitude and scaled by (1 + |value|). A wrong term (a missing r in the n gate's W_hn path, a
// dropped z factor, a skipped step, a gate row block swapped) differs by 1e-2 or more.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/arena.h"
#include "salient/graph.h"
#include "salient/ops.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient {
namespace {

struct Case {
  int n, t, i, h;
  uint64_t seed;
};

std::vector<float> uniform(size_t count, float bound, Rng& rng) {
  std::vector<float> v(count);
  for (float& x : v) x = rng.uniform(-bound, bound);
  return v;
}

// Rows [g·H, (g + 1)·H) of a [3H, cols] matrix (gate g: 0 = r, 1 = z, 2 = n), or of a [3H] bias.
std::vector<float> gate_rows(const std::vector<float>& m, int gate, int h, int cols) {
  return std::vector<float>(m.begin() + int64_t{gate} * h * cols,
                            m.begin() + int64_t{gate + 1} * h * cols);
}

struct Data {
  std::vector<float> x, w_ih, w_hh, b_ih, b_hh, seed;
};

Data make_data(const Case& c) {
  Rng rng(c.seed);
  const float k = 1.0f / std::sqrt(static_cast<float>(c.h));
  Data d;
  d.x = uniform(size_t(c.n) * c.t * c.i, 1.0f, rng);
  d.w_ih = uniform(size_t(3) * c.h * c.i, k, rng);
  d.w_hh = uniform(size_t(3) * c.h * c.h, k, rng);
  d.b_ih = uniform(size_t(3) * c.h, k, rng);
  d.b_hh = uniform(size_t(3) * c.h, k, rng);
  d.seed = uniform(size_t(c.n) * c.h, 1.0f, rng);
  return d;
}

// What both graphs report: hidden states [T][N][H], gates [T][N][4H] (r, z, n, W_hn h + b_hn),
// and the gradients of every input.
struct Result {
  std::vector<float> hidden, gates, gx, gw_ih, gw_hh, gb_ih, gb_hh;
};

// A gradient's values; NaN (which fails every comparison) when no signal reached the value.
std::vector<float> copy_of(const float* p, size_t count) {
  return p ? std::vector<float>(p, p + count) : std::vector<float>(count, std::nanf(""));
}

Result run_fused(const Case& c, const Data& d) {
  Arena arena;
  Graph g(arena, GraphOptions{true, false, true, 0});
  const Tensor x = g.input(d.x.data(), Shape{c.n, c.t, c.i}, true);
  const Tensor w_ih = g.param(d.w_ih.data(), Shape{3 * c.h, c.i});
  const Tensor w_hh = g.param(d.w_hh.data(), Shape{3 * c.h, c.h});
  const Tensor b_ih = g.param(d.b_ih.data(), Shape{3 * c.h});
  const Tensor b_hh = g.param(d.b_hh.data(), Shape{3 * c.h});
  const Tensor y = gru(g, x, w_ih, w_hh, &b_ih, &b_hh, /*all_steps=*/false);
  EXPECT_TRUE(g.ok()) << g.status().message();
  Result r;
  const float* saved = g.node(g.node_count() - 1).saved;
  for (int s = 0; s < c.t; ++s)
    for (int b = 0; b < c.n; ++b) {
      const float* hs = gru_saved_hidden(saved, s, b, c.n, c.h, c.t);
      const float* gs = gru_saved_gates(saved, s, b, c.n, c.h);
      r.hidden.insert(r.hidden.end(), hs, hs + c.h);
      r.gates.insert(r.gates.end(), gs, gs + 4 * c.h);
    }
  EXPECT_TRUE(g.backward(y, d.seed.data(), gradient_rules()).ok());
  r.gx = copy_of(g.grad(x), d.x.size());
  r.gw_ih = copy_of(g.grad(w_ih), d.w_ih.size());
  r.gw_hh = copy_of(g.grad(w_hh), d.w_hh.size());
  r.gb_ih = copy_of(g.grad(b_ih), d.b_ih.size());
  r.gb_hh = copy_of(g.grad(b_hh), d.b_hh.size());
  return r;
}

Result run_composed(const Case& c, const Data& d) {
  Arena arena;
  Graph g(arena, GraphOptions{true, false, true, 0});
  const Tensor x = g.input(d.x.data(), Shape{c.n, c.t, c.i}, true);
  // Per gate: W_i·, W_h·, b_i·, b_h· as separate parameters (copies of the fused tensors' rows).
  std::vector<std::vector<float>> pieces;
  for (int gate = 0; gate < 3; ++gate) {
    pieces.push_back(gate_rows(d.w_ih, gate, c.h, c.i));
    pieces.push_back(gate_rows(d.w_hh, gate, c.h, c.h));
    pieces.push_back(gate_rows(d.b_ih, gate, c.h, 1));
    pieces.push_back(gate_rows(d.b_hh, gate, c.h, 1));
  }
  Tensor wi[3], wh[3], bi[3], bh[3];
  for (int gate = 0; gate < 3; ++gate) {
    wi[gate] = g.param(pieces[4 * gate].data(), Shape{c.h, c.i});
    wh[gate] = g.param(pieces[4 * gate + 1].data(), Shape{c.h, c.h});
    bi[gate] = g.param(pieces[4 * gate + 2].data(), Shape{c.h});
    bh[gate] = g.param(pieces[4 * gate + 3].data(), Shape{c.h});
  }
  const std::vector<float> zeros(size_t(c.n) * c.h, 0.0f), ones(zeros.size(), 1.0f),
      minus_ones(zeros.size(), -1.0f);
  const Shape state{c.n, c.h};
  Tensor h = g.input(zeros.data(), state);
  const Tensor one = g.input(ones.data(), state), minus_one = g.input(minus_ones.data(), state);
  Result r;
  for (int s = 0; s < c.t; ++s) {
    const Tensor xs = time_step(g, x, s);
    const Tensor rg = sigmoid(g, add(g, linear(g, xs, wi[0], &bi[0]), linear(g, h, wh[0], &bh[0])));
    const Tensor zg = sigmoid(g, add(g, linear(g, xs, wi[1], &bi[1]), linear(g, h, wh[1], &bh[1])));
    const Tensor ghn = linear(g, h, wh[2], &bh[2]);
    const Tensor ng = tanh(g, add(g, linear(g, xs, wi[2], &bi[2]), mul(g, rg, ghn)));
    const Tensor one_minus_z = add(g, one, mul(g, minus_one, zg));  // 1 − z, exactly
    h = add(g, mul(g, one_minus_z, ng), mul(g, zg, h));
    if (!g.ok()) break;
    r.hidden.insert(r.hidden.end(), h.data, h.data + h.numel());
    for (int b = 0; b < c.n; ++b)
      for (const Tensor* v : {&rg, &zg, &ng, &ghn})
        r.gates.insert(r.gates.end(), v->data + int64_t{b} * c.h, v->data + int64_t{b + 1} * c.h);
  }
  EXPECT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(g.backward(h, d.seed.data(), gradient_rules()).ok());
  r.gx = copy_of(g.grad(x), d.x.size());
  for (int gate = 0; gate < 3; ++gate) {
    const auto append = [&](std::vector<float>& dst, const Tensor& t) {
      const std::vector<float> gr = copy_of(g.grad(t), static_cast<size_t>(t.numel()));
      dst.insert(dst.end(), gr.begin(), gr.end());
    };
    append(r.gw_ih, wi[gate]);
    append(r.gw_hh, wh[gate]);
    append(r.gb_ih, bi[gate]);
    append(r.gb_hh, bh[gate]);
  }
  return r;
}

void expect_close(const char* what, const std::vector<float>& fused,
                  const std::vector<float>& composed, double bound) {
  ASSERT_EQ(fused.size(), composed.size()) << what;
  double worst = 0.0;
  for (size_t e = 0; e < fused.size(); ++e) {
    const double tol = bound * (1.0 + std::fabs(composed[e]));
    const double diff = std::fabs(double(fused[e]) - composed[e]);
    worst = std::max(worst, diff / tol);
    ASSERT_TRUE(diff <= tol) << what << "[" << e << "]: fused " << fused[e] << ", composed "
                             << composed[e];
  }
  if (std::getenv("SALIENT_GRADCHECK_VERBOSE"))
    std::printf("  %-8s worst %.2e of the bound\n", what, worst);
}

void check(const Case& c) {
  SCOPED_TRACE("N=" + std::to_string(c.n) + " T=" + std::to_string(c.t) +
               " I=" + std::to_string(c.i) + " H=" + std::to_string(c.h));
  const Data d = make_data(c);
  const Result fused = run_fused(c, d), composed = run_composed(c, d);
  const double u = std::ldexp(1.0, -24);
  const int k = c.i > c.h ? c.i : c.h;
  const double terms = (c.i + c.h) / std::sqrt(double(c.h)) + 1.0;
  const double forward = c.t * 2.0 * k * u * terms, backward = 2.0 * forward;
  expect_close("hidden", fused.hidden, composed.hidden, forward);
  expect_close("gates", fused.gates, composed.gates, forward);
  expect_close("gx", fused.gx, composed.gx, backward);
  expect_close("gw_ih", fused.gw_ih, composed.gw_ih, backward);
  expect_close("gw_hh", fused.gw_hh, composed.gw_hh, backward);
  expect_close("gb_ih", fused.gb_ih, composed.gb_ih, backward);
  expect_close("gb_hh", fused.gb_hh, composed.gb_hh, backward);
}

TEST(GruComposed, FusedNodeEqualsElementaryOps) {
  for (const Case& c : {Case{1, 1, 3, 33, 1}, Case{1, 9, 3, 33, 2}, Case{3, 9, 5, 33, 3},
                        Case{6, 9, 2, 33, 4}, Case{1, 9, 3, 200, 5}, Case{6, 5, 3, 200, 6}})
    check(c);
}

}  // namespace
}  // namespace salient
