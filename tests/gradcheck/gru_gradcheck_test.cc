// Gradient checks of the GRU op (backpropagation through time) against the double reference
// refops::gru, for every input (x, W_ih, W_hh, b_ih, b_hh), over sequences of T = 1, 5 and 7 steps,
// batches of 1 and 3, all-steps and last-step outputs, with and without biases. Also the saved gate
// layout (Node::saved, read through gru_saved_gates / gru_saved_hidden) and the shape errors.
//
// Data: x and every weight uniform in [−1, 1), so the gate pre-activations (sums of I + H + 2 <= 11
// terms) spread over about ±2 and the sigmoids/tanh are exercised away from saturation as well as
// near it.
//
// Tolerance: the framework's 1e-5·(1 + max|reference|), unchanged. Float32 rounding growth through
// the recurrence: each step adds one GEMV of I + H <= 9 products plus ~6 gate operations, about 15
// roundings of u = 2^−24 ≈ 6e-8 on O(1) values, and BPTT adds as many again per step in reverse.
// Propagated with a gain of about 1 per step (|∂h_t/∂h_{t−1}| is z plus a (1 − z)-damped term), the
// worst case after T = 7 steps is ≈ 7·2·15·6e-8 ≈ 1.3e-5·(1 + max|value|) if every rounding aligned,
// and ≈ √210·6e-8 ≈ 9e-7 (0.09 of the bound) for independent roundings. Measured
// (SALIENT_GRADCHECK_VERBOSE=1): worst forward error 0.9% and worst gradient error 1.5% of the
// bound, both at T = 7, N = 3, so no loosening is needed; a wrong term in BPTT (a missing r in
// ∂/∂(W_hn h), dh_prev without the z factor, a skipped step) fails by orders of magnitude.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/arena.h"
#include "salient/ops.h"
#include "salient/rules.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

struct GruCase {
  int n, t, i, h;
  bool all_steps, bias;
  uint64_t seed;
};

std::string describe(const GruCase& c) {
  return "N=" + std::to_string(c.n) + " T=" + std::to_string(c.t) + " I=" + std::to_string(c.i) +
         " H=" + std::to_string(c.h) + (c.all_steps ? " all-steps" : " last-step") +
         (c.bias ? " bias" : " no-bias");
}

// x, W_ih, W_hh and (with bias) b_ih, b_hh, each uniform in [−1, 1).
std::vector<Input> gru_inputs(const GruCase& c) {
  Rng rng(c.seed);
  std::vector<Input> in = {
      gradcheck::RandomInput("x", Shape{c.n, c.t, c.i}, rng),
      gradcheck::RandomInput("weight_ih", Shape{3 * c.h, c.i}, rng),
      gradcheck::RandomInput("weight_hh", Shape{3 * c.h, c.h}, rng),
  };
  if (c.bias) {
    in.push_back(gradcheck::RandomInput("bias_ih", Shape{3 * c.h}, rng));
    in.push_back(gradcheck::RandomInput("bias_hh", Shape{3 * c.h}, rng));
  }
  return in;
}

Tensor build_gru(Graph& graph, const std::vector<Tensor>& t, const GruCase& c) {
  return gru(graph, t[0], t[1], t[2], c.bias ? &t[3] : nullptr, c.bias ? &t[4] : nullptr, c.all_steps);
}

Array reference_gru(const std::vector<Array>& a, const GruCase& c, refops::GruTrace* trace = nullptr) {
  return refops::gru(a[0], a[1], a[2], c.bias ? &a[3] : nullptr, c.bias ? &a[4] : nullptr, c.all_steps,
                     trace);
}

::testing::AssertionResult check_gru(const GruCase& c, const gradcheck::Options& options = {}) {
  return gradcheck::Check(
      gru_inputs(c), [c](Graph& graph, const std::vector<Tensor>& t) { return build_gru(graph, t, c); },
      [c](const std::vector<Array>& a) { return reference_gru(a, c); }, options);
}

void check_cases(const std::vector<GruCase>& cases) {
  for (const GruCase& c : cases) {
    SCOPED_TRACE(describe(c));
    EXPECT_TRUE(check_gru(c));
  }
}

const Node* producer(const Graph& graph, int32_t id) {
  for (int32_t i = 0; i < graph.node_count(); ++i)
    if (graph.node(i).out == id) return &graph.node(i);
  return nullptr;
}

// ---- gradients -----------------------------------------------------------------------------------

TEST(GradcheckGru, AllStepsWithBias) {
  check_cases({{1, 5, 3, 4, true, true, 601}, {3, 7, 3, 4, true, true, 602}, {3, 5, 2, 5, true, true, 603}});
}

TEST(GradcheckGru, AllStepsWithoutBias) {
  check_cases({{1, 7, 2, 3, true, false, 611}, {3, 5, 4, 3, true, false, 612}, {3, 7, 3, 5, true, false, 613}});
}

TEST(GradcheckGru, LastStepWithBias) {
  check_cases({{1, 7, 4, 5, false, true, 621}, {3, 5, 4, 5, false, true, 622}, {3, 7, 2, 3, false, true, 623}});
}

TEST(GradcheckGru, LastStepWithoutBias) {
  check_cases({{3, 7, 2, 4, false, false, 631}, {1, 5, 3, 4, false, false, 632}});
}

// T = 1: h_0 = 0, so W_hh gets no gradient contribution (exactly zero) while b_hh still does
// (through r and z and through n's b_hn term).
TEST(GradcheckGru, SingleStep) {
  check_cases({{1, 1, 3, 4, true, true, 641},
               {3, 1, 3, 4, false, true, 642},
               {3, 1, 2, 3, true, false, 643},
               {1, 1, 4, 5, false, false, 644}});
}

// Only the weights take a gradient (x is data): the rule must skip the input gradient.
TEST(GradcheckGru, InputWithoutGradient) {
  gradcheck::Options options;
  options.no_grad = {"x"};
  const GruCase c{3, 5, 3, 4, true, true, 651};
  EXPECT_TRUE(check_gru(c, options));
}

// Only x takes a gradient (frozen weights, as in saliency maps of a fixed model).
TEST(GradcheckGru, WeightsWithoutGradient) {
  gradcheck::Options options;
  options.no_grad = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  const GruCase c{3, 7, 3, 4, false, true, 652};
  EXPECT_TRUE(check_gru(c, options));
}

// The same sequence through a GRU and a downstream op that reuses the output twice: gradients
// from both uses accumulate into the one node's output before BPTT runs.
TEST(GradcheckGru, OutputUsedTwice) {
  const GruCase c{2, 5, 3, 3, true, true, 661};
  EXPECT_TRUE(gradcheck::Check(
      gru_inputs(c),
      [c](Graph& graph, const std::vector<Tensor>& t) {
        const Tensor y = build_gru(graph, t, c);
        return mul(graph, y, tanh(graph, y));
      },
      [c](const std::vector<Array>& a) {
        const Array y = reference_gru(a, c);
        return refops::mul(y, refops::tanh(y));
      }));
}

// Either bias alone (the op takes b_ih and b_hh independently; null means zero).
TEST(GradcheckGru, OneBiasOnly) {
  for (bool input_bias : {true, false}) {
    SCOPED_TRACE(input_bias ? "b_ih only" : "b_hh only");
    const GruCase c{3, 5, 3, 4, true, true, input_bias ? 662u : 663u};
    std::vector<Input> in = gru_inputs(c);
    in.erase(in.begin() + (input_bias ? 4 : 3));  // keep one bias as input 3
    EXPECT_TRUE(gradcheck::Check(
        in,
        [input_bias](Graph& graph, const std::vector<Tensor>& t) {
          return gru(graph, t[0], t[1], t[2], input_bias ? &t[3] : nullptr, input_bias ? nullptr : &t[3], true);
        },
        [input_bias](const std::vector<Array>& a) {
          return refops::gru(a[0], a[1], a[2], input_bias ? &a[3] : nullptr, input_bias ? nullptr : &a[3], true);
        }));
  }
}

// PyTorch's gate order (rows r, z, n) and equations by hand, I = H = 1, two steps, x = (1, −1):
//   W_ih = (0.5, −1, 2), W_hh = (0.25, 0.5, −1), b_ih = (0.1, 0.2, 0.3), b_hh = (−0.1, 0.4, 0.5);
//   h1 = (1 − σ(−0.4))·tanh(2.3 + 0.5·σ(0.5)) = 0.5922636129086537,
//   h2 = (1 − z)·tanh(−1.7 + r·(0.5 − h1)) + z·h1 with r = σ(−0.5 + 0.25·h1), z = σ(1.6 + 0.5·h1)
//      = 0.39223061926180625.
// This pins the double reference itself to PyTorch's convention (a gate-order mix-up shared by the
// engine and the reference would pass every gradcheck).
TEST(GradcheckGru, HandComputedTwoSteps) {
  const std::vector<float> x = {1, -1}, w_ih = {0.5f, -1, 2}, w_hh = {0.25f, 0.5f, -1};
  const std::vector<float> b_ih = {0.1f, 0.2f, 0.3f}, b_hh = {-0.1f, 0.4f, 0.5f};
  const double want[2] = {0.5922636129086537, 0.39223061926180625};
  // The float data (0.1f ≠ 0.1) moves the exact result by ~1e-8: far inside the bounds used.
  Arena arena;
  Graph graph(arena);
  const Tensor tb_ih = graph.input(b_ih.data(), Shape{3});
  const Tensor tb_hh = graph.input(b_hh.data(), Shape{3});
  const Tensor y = gru(graph, graph.input(x.data(), Shape{1, 2, 1}), graph.input(w_ih.data(), Shape{3, 1}),
                       graph.input(w_hh.data(), Shape{3, 1}), &tb_ih, &tb_hh, true);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ASSERT_EQ(y.shape, (Shape{1, 2, 1}));
  const Array b_ih_a = gradcheck::ToArray(b_ih.data(), Shape{3}), b_hh_a = gradcheck::ToArray(b_hh.data(), Shape{3});
  const Array ref = refops::gru(gradcheck::ToArray(x.data(), Shape{1, 2, 1}), gradcheck::ToArray(w_ih.data(), Shape{3, 1}),
                                gradcheck::ToArray(w_hh.data(), Shape{3, 1}), &b_ih_a, &b_hh_a, true);
  for (int t = 0; t < 2; ++t) {
    EXPECT_NEAR(y.data[t], want[t], 1e-5 * (1.0 + std::fabs(want[t]))) << t;
    EXPECT_NEAR(ref.data[t], want[t], 1e-7) << t;
  }
}

// ---- saved gate layout ---------------------------------------------------------------------------

// Compares engine floats at `got(t, b)[offset + j]` with the reference [T, N, H] array under
// 1e-5·(1 + max|reference|), the forward bound of the framework.
template <class Get>
void expect_saved(const char* what, const Array& want, const GruCase& c, Get&& got) {
  double max_abs = 0.0;
  for (double v : want.data) max_abs = std::fabs(v) > max_abs ? std::fabs(v) : max_abs;
  const double bound = 1e-5 * (1.0 + max_abs);
  int bad = 0;
  for (int t = 0; t < c.t; ++t)
    for (int b = 0; b < c.n; ++b)
      for (int j = 0; j < c.h; ++j) {
        const double w = want.data[(static_cast<size_t>(t) * c.n + b) * c.h + j];
        const double e = got(t, b)[j];
        if (!(std::fabs(e - w) <= bound) && bad++ < 5)
          ADD_FAILURE() << what << " at t=" << t << " b=" << b << " j=" << j << ": engine " << e
                        << ", reference " << w;
      }
  EXPECT_EQ(bad, 0) << what;
}

TEST(GradcheckGru, SavedGatesAndHiddenStates) {
  for (const GruCase& c : {GruCase{3, 5, 3, 4, true, true, 671}, GruCase{1, 7, 2, 3, false, false, 672},
                           GruCase{2, 1, 4, 5, false, true, 673}}) {
    SCOPED_TRACE(describe(c));
    const std::vector<Input> in = gru_inputs(c);
    Arena arena;
    Graph graph(arena);
    std::vector<Tensor> t;
    std::vector<Array> a;
    for (const Input& e : in) {
      t.push_back(graph.input(e.data.data(), e.shape));
      a.push_back(gradcheck::ToArray(e.data.data(), e.shape));
    }
    const Tensor y = build_gru(graph, t, c);
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    const Node* node = producer(graph, y.id);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->kind, OpKind::kGru);
    ASSERT_NE(node->saved, nullptr);
    EXPECT_EQ(node->in[0], t[0].id);
    EXPECT_EQ(node->in[1], t[1].id);
    EXPECT_EQ(node->in[2], t[2].id);
    EXPECT_EQ(node->in[3], c.bias ? t[3].id : -1);
    EXPECT_EQ(node->in[4], c.bias ? t[4].id : -1);

    refops::GruTrace trace;
    reference_gru(a, c, &trace);
    const float* s = node->saved;
    const int n = c.n, h = c.h, steps = c.t;
    expect_saved("r", trace.r, c, [&](int ti, int b) { return gru_saved_gates(s, ti, b, n, h); });
    expect_saved("z", trace.z, c, [&](int ti, int b) { return gru_saved_gates(s, ti, b, n, h) + h; });
    expect_saved("n", trace.n, c, [&](int ti, int b) { return gru_saved_gates(s, ti, b, n, h) + 2 * h; });
    expect_saved("W_hn h + b_hn", trace.hn, c,
                 [&](int ti, int b) { return gru_saved_gates(s, ti, b, n, h) + 3 * h; });
    expect_saved("h_t", trace.h, c,
                 [&](int ti, int b) { return gru_saved_hidden(s, ti, b, n, h, steps); });

    // The output is exactly the saved hidden states (all steps, or the last one).
    for (int b = 0; b < n; ++b)
      for (int ti = c.all_steps ? 0 : steps - 1; ti < steps; ++ti)
        for (int j = 0; j < h; ++j) {
          const int64_t at = c.all_steps ? (static_cast<int64_t>(b) * steps + ti) * h + j
                                         : static_cast<int64_t>(b) * h + j;
          EXPECT_EQ(y.data[at], gru_saved_hidden(s, ti, b, n, h, steps)[j]) << b << " " << ti << " " << j;
        }
  }
}

// ---- errors --------------------------------------------------------------------------------------

struct GruShapes {
  const char* what;
  Shape x, w_ih, w_hh;
  int bias_ih, bias_hh;  // -1: no bias; else its length
};

// Runs gru on zero-valued tensors of the given shapes; returns the graph's status.
Status gru_status(const GruShapes& s, bool* output_valid) {
  static const std::vector<float> zeros(4096, 0.0f);
  Arena arena;
  Graph graph(arena);
  const Tensor x = graph.input(zeros.data(), s.x, true);
  const Tensor w_ih = graph.input(zeros.data(), s.w_ih, true);
  const Tensor w_hh = graph.input(zeros.data(), s.w_hh, true);
  const Tensor b_ih = s.bias_ih >= 0 ? graph.input(zeros.data(), Shape{s.bias_ih}, true) : Tensor{};
  const Tensor b_hh = s.bias_hh >= 0 ? graph.input(zeros.data(), Shape{s.bias_hh}, true) : Tensor{};
  const Tensor y = gru(graph, x, w_ih, w_hh, s.bias_ih >= 0 ? &b_ih : nullptr, s.bias_hh >= 0 ? &b_hh : nullptr,
                       true);
  *output_valid = y.valid();
  return graph.status();
}

TEST(GradcheckGru, ValidShapesAreAccepted) {
  bool valid = false;
  const Status st = gru_status({"valid", Shape{2, 3, 4}, Shape{15, 4}, Shape{15, 5}, 15, 15}, &valid);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(valid);
}

TEST(GradcheckGru, EmptySequenceIsAnError) {
  bool valid = true;
  const Status st = gru_status({"T = 0", Shape{2, 0, 4}, Shape{15, 4}, Shape{15, 5}, 15, 15}, &valid);
  EXPECT_FALSE(valid);
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.message();
  EXPECT_NE(std::string(st.message()).find("gru"), std::string::npos) << st.message();
}

TEST(GradcheckGru, MismatchedShapesAreErrors) {
  const GruShapes cases[] = {
      {"x rank 2", Shape{2, 4}, Shape{15, 4}, Shape{15, 5}, 15, 15},
      {"x rank 4", Shape{2, 3, 4, 1}, Shape{15, 4}, Shape{15, 5}, 15, 15},
      {"W_ih columns != I", Shape{2, 3, 4}, Shape{15, 3}, Shape{15, 5}, 15, 15},
      {"W_ih rows != 3H", Shape{2, 3, 4}, Shape{12, 4}, Shape{15, 5}, 15, 15},
      {"W_hh not [3H, H]", Shape{2, 3, 4}, Shape{15, 4}, Shape{15, 4}, 15, 15},
      {"W_hh rank 1", Shape{2, 3, 4}, Shape{15, 4}, Shape{15}, 15, 15},
      {"W_ih rank 3", Shape{2, 3, 4}, Shape{15, 4, 1}, Shape{15, 5}, 15, 15},
      {"b_ih length", Shape{2, 3, 4}, Shape{15, 4}, Shape{15, 5}, 5, 15},
      {"b_hh length", Shape{2, 3, 4}, Shape{15, 4}, Shape{15, 5}, 15, 16},
      {"b_ih only, wrong", Shape{2, 3, 4}, Shape{15, 4}, Shape{15, 5}, 14, -1},
  };
  for (const GruShapes& c : cases) {
    SCOPED_TRACE(c.what);
    bool valid = true;
    const Status st = gru_status(c, &valid);
    EXPECT_FALSE(valid);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.message();
    EXPECT_NE(std::string(st.message()).find("gru"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace salient
