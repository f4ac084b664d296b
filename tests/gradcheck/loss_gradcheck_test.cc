// Gradient checks of the losses (cross_entropy, bce_with_logits, mse) against the double
// references, values against hand-computed numbers, numerical stability at extreme logits, and
// argument validation. Labels and targets are constant inputs (gradcheck::Options::no_grad): the
// check also asserts that they receive no gradient.
//
// Tolerance: the framework's 1e-5·(1 + max|reference|). A loss is one rank-0 value (a mean computed
// in double over float per-row terms), its gradient an elementwise expression of a float softmax or
// sigmoid, so only a few roundings of O(1) values separate the engine from the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
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

constexpr double kTol = 1e-5;  // the framework's bound, see support/gradcheck.h

// Class ids in [0, classes) as floats.
std::vector<float> random_labels(Rng& rng, int64_t n, int classes) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = static_cast<float>(rng.below(static_cast<uint64_t>(classes)));
  return v;
}

gradcheck::Options constant(std::vector<std::string> names) {
  gradcheck::Options o;
  o.no_grad = std::move(names);
  return o;
}

Tensor ce(Graph& graph, const std::vector<Tensor>& t) { return cross_entropy(graph, t[0], t[1]); }
Array ce_ref(const std::vector<Array>& a) { return refops::cross_entropy(a[0], a[1]); }
Tensor bce(Graph& graph, const std::vector<Tensor>& t) { return bce_with_logits(graph, t[0], t[1]); }
Array bce_ref(const std::vector<Array>& a) { return refops::bce_with_logits(a[0], a[1]); }

// Forward (and optionally backward with seed 1) of a two-input loss on constant data.
struct LossRun {
  float value = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> grad_a, grad_b;
  Status status;
};

template <class Op>
LossRun run_loss(Op op, const std::vector<float>& a, const Shape& a_shape, const std::vector<float>& b,
                 const Shape& b_shape, bool b_grad) {
  LossRun out;
  Arena arena;
  Graph graph(arena);
  const Tensor ta = graph.input(a.data(), a_shape, true);
  const Tensor tb = graph.input(b.data(), b_shape, b_grad);
  const Tensor y = op(graph, ta, tb);
  out.status = graph.status();
  if (!graph.ok() || !y.valid()) return out;
  EXPECT_EQ(y.shape.rank, 0);
  out.value = y.data[0];
  const Status st = graph.backward(y, nullptr, gradient_rules());
  EXPECT_TRUE(st.ok()) << st.message();
  if (const float* g = graph.grad(ta)) out.grad_a.assign(g, g + ta.numel());
  if (const float* g = graph.grad(tb)) out.grad_b.assign(g, g + tb.numel());
  return out;
}

void expect_close(const char* what, double got, double want, double scale = 1.0) {
  EXPECT_LE(std::fabs(got - want), kTol * (scale + std::fabs(want)))
      << what << ": engine " << got << ", expected " << want;
}

// ---- cross-entropy -------------------------------------------------------------------------------

TEST(GradcheckCrossEntropy, BatchOfRows) {
  Rng rng(801);
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{5, 4}, gradcheck::Uniform(rng, 20, -3.0f, 3.0f)},
                                Input{"labels", Shape{5}, random_labels(rng, 5, 4)}},
                               ce, ce_ref, constant({"labels"})));
}

// [N, T, C]: the mean runs over all N·T rows.
TEST(GradcheckCrossEntropy, Sequences) {
  Rng rng(802);
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{2, 3, 5}, gradcheck::Uniform(rng, 30, -3.0f, 3.0f)},
                                Input{"labels", Shape{2, 3}, random_labels(rng, 6, 5)}},
                               ce, ce_ref, constant({"labels"})));
}

// One class: the loss is identically 0 and so is the gradient.
TEST(GradcheckCrossEntropy, SingleClass) {
  Rng rng(803);
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{3, 1}, gradcheck::Uniform(rng, 3, -3.0f, 3.0f)},
                                Input{"labels", Shape{3}, {0.0f, 0.0f, 0.0f}}},
                               ce, ce_ref, constant({"labels"})));
}

// Through a linear layer, as in training a classifier: weights and data get the chained gradient.
TEST(GradcheckCrossEntropy, AfterLinear) {
  Rng rng(804);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{4, 3}, rng), gradcheck::RandomInput("weight", Shape{5, 3}, rng),
       gradcheck::RandomInput("bias", Shape{5}, rng), Input{"labels", Shape{4}, random_labels(rng, 4, 5)}},
      [](Graph& graph, const std::vector<Tensor>& t) {
        return cross_entropy(graph, linear(graph, t[0], t[1], &t[2]), t[3]);
      },
      [](const std::vector<Array>& a) { return refops::cross_entropy(refops::linear(a[0], a[1], &a[2]), a[3]); },
      constant({"labels"})));
}

// Uniform logits: softmax is 1/C everywhere, so the loss is log C whatever the labels.
TEST(GradcheckCrossEntropy, UniformLogitsGiveLogC) {
  for (int c : {1, 2, 5, 10}) {
    SCOPED_TRACE(c);
    const std::vector<float> logits(static_cast<size_t>(3 * c), 0.7f);
    const std::vector<float> labels = {0.0f, static_cast<float>(c - 1), static_cast<float>(c / 2)};
    const LossRun r = run_loss(cross_entropy, logits, Shape{3, c}, labels, Shape{3}, false);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    expect_close("loss", r.value, std::log(static_cast<double>(c)));
    // ∂/∂x_j = (1/C − [j = label]) / rows.
    ASSERT_EQ(r.grad_a.size(), logits.size());
    for (int row = 0; row < 3; ++row)
      for (int j = 0; j < c; ++j)
        expect_close("gradient", r.grad_a[static_cast<size_t>(row * c + j)],
                     (1.0 / c - (j == static_cast<int>(labels[row]) ? 1.0 : 0.0)) / 3.0);
    EXPECT_TRUE(r.grad_b.empty()) << "labels take no gradient";
  }
}

// Rows [1, 2, 3] with label 0 and [0, 0, 0] with label 2:
//   loss = (log(1 + e + e²) + log 3) / 2 = (2.40760596444438 + 1.09861228866811) / 2,
//   ∂/∂x = (softmax − one-hot) / 2.
TEST(GradcheckCrossEntropy, HandComputedValue) {
  const LossRun r = run_loss(cross_entropy, {1, 2, 3, 0, 0, 0}, Shape{2, 3}, {0, 2}, Shape{2}, false);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  expect_close("loss", r.value, 1.7531091265562448);
  const double want[6] = {-0.4549847134148098, 0.12236423552739883, 0.33262047788741095,
                          1.0 / 6, 1.0 / 6, -1.0 / 3};
  ASSERT_EQ(r.grad_a.size(), 6u);
  for (int i = 0; i < 6; ++i) expect_close("gradient", r.grad_a[i], want[i]);
}

// Logits of ±1000 (e^1000 overflows even double): the max-shifted log-sum-exp keeps every loss
// term and every gradient finite and correct. The per-row values are checked against
// tol·(max|logit| + |loss|): the engine's m + log Σ is rounded in float next to |m| = 1000 (float
// spacing 6.1e-5 there), which is inherent to float32 and not an error of the kernel.
TEST(GradcheckCrossEntropy, ExtremeLogitsAreStable) {
  const std::vector<float> logits = {1000, -1000, 0,     999,    // label 1: 2000 + log(1 + e^−1)
                                     -1000, -1000, -1000, -1000,  // label 2: log 4
                                     1000, 1000, -1000, 0};       // label 0: log 2
  const std::vector<float> labels = {1, 2, 0};
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{3, 4}, logits}, Input{"labels", Shape{3}, labels}}, ce,
                               ce_ref, constant({"labels"})));
  const double row_loss[3] = {2000.0 + std::log1p(std::exp(-1.0)), std::log(4.0), std::log(2.0)};
  for (int row = 0; row < 3; ++row) {
    SCOPED_TRACE(row);
    const std::vector<float> one(logits.begin() + 4 * row, logits.begin() + 4 * row + 4);
    const LossRun r = run_loss(cross_entropy, one, Shape{1, 4}, {labels[row]}, Shape{1}, false);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_TRUE(std::isfinite(r.value));
    expect_close("loss", r.value, row_loss[row], 1000.0);
    for (float g : r.grad_a) EXPECT_TRUE(std::isfinite(g)) << g;
  }
}

struct LabelCase {
  const char* what;
  Shape logits, labels;
  std::vector<float> label_values;  // empty: zeros
};

TEST(GradcheckCrossEntropy, InvalidLabelsAreErrors) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const LabelCase cases[] = {
      {"non-integer", Shape{3, 4}, Shape{3}, {0.0f, 1.5f, 2.0f}},
      {"barely non-integer", Shape{3, 4}, Shape{3}, {0.0f, 1.0f, 2.0000002f}},
      {"negative", Shape{3, 4}, Shape{3}, {0.0f, -1.0f, 2.0f}},
      {"equal to C", Shape{3, 4}, Shape{3}, {4.0f, 1.0f, 2.0f}},
      {"greater than C", Shape{3, 4}, Shape{3}, {0.0f, 1.0f, 9.0f}},
      {"NaN", Shape{3, 4}, Shape{3}, {0.0f, nan, 2.0f}},
      {"infinite", Shape{3, 4}, Shape{3}, {inf, 1.0f, 2.0f}},
      {"sequence, bad label", Shape{2, 2, 3}, Shape{2, 2}, {0.0f, 1.0f, 2.0f, 3.0f}},
      {"labels longer than the batch", Shape{3, 4}, Shape{4}, {}},
      {"labels shorter than the batch", Shape{3, 4}, Shape{2}, {}},
      {"labels with the logits' rank", Shape{3, 4}, Shape{3, 4}, {}},
      {"labels [N, 1]", Shape{3, 4}, Shape{3, 1}, {}},
      {"sequence labels transposed", Shape{2, 3, 4}, Shape{3, 2}, {}},
      {"sequence labels missing T", Shape{2, 3, 4}, Shape{2}, {}},
  };
  std::vector<float> logits(64, 0.25f);
  for (const LabelCase& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<float> labels = c.label_values;
    labels.resize(static_cast<size_t>(c.labels.numel()), 0.0f);
    const LossRun r = run_loss(cross_entropy, logits, c.logits, labels, c.labels, false);
    EXPECT_EQ(r.status.code(), Code::kInvalidArgument) << r.status.message();
    EXPECT_NE(std::string(r.status.message()).find("cross_entropy"), std::string::npos) << r.status.message();
  }
  // Valid ids, including the extremes 0 and C − 1 (and −0.0, which is 0).
  const LossRun ok = run_loss(cross_entropy, logits, Shape{3, 4}, {0.0f, 3.0f, -0.0f}, Shape{3}, false);
  EXPECT_TRUE(ok.status.ok()) << ok.status.message();
}

// ---- binary cross-entropy with logits ----------------------------------------------------------------

TEST(GradcheckBceWithLogits, ProbabilityTargets) {
  Rng rng(811);
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{4, 5}, gradcheck::Uniform(rng, 20, -4.0f, 4.0f)},
                                Input{"targets", Shape{4, 5}, gradcheck::Uniform(rng, 20, 0.0f, 1.0f)}},
                               bce, bce_ref, constant({"targets"})));
}

TEST(GradcheckBceWithLogits, BinaryTargetsOnSequences) {
  Rng rng(812);
  std::vector<float> targets(24);
  for (float& t : targets) t = static_cast<float>(rng.below(2));
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{3, 2, 4}, gradcheck::Uniform(rng, 24, -4.0f, 4.0f)},
                                Input{"targets", Shape{3, 2, 4}, targets}},
                               bce, bce_ref, constant({"targets"})));
}

// x = 0 gives log 2 for any target; x = 2, y = 1 gives log(1 + e^−2); x = −2, y = 1/4 gives
// 1/2 + log(1 + e^−2). ∂/∂x = (σ(x) − y)/4.
TEST(GradcheckBceWithLogits, HandComputedValue) {
  const LossRun r = run_loss(bce_with_logits, {0, 0, 2, -2}, Shape{4}, {0, 1, 1, 0.25f}, Shape{4}, false);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  expect_close("loss", r.value, 0.5350375958014588);
  const double want[4] = {0.125, -0.125, -0.02980073050552942, -0.03269926949447061};
  ASSERT_EQ(r.grad_a.size(), 4u);
  for (int i = 0; i < 4; ++i) expect_close("gradient", r.grad_a[i], want[i]);
}

// Logits of ±100: σ(±100) rounds to 1 or 0 and log σ would be log 0 in a naive formula; the stable
// form keeps the loss and the gradient finite and correct.
TEST(GradcheckBceWithLogits, ExtremeLogitsAreStable) {
  const std::vector<float> x = {100, -100, 100, -100, 100, -100};
  const std::vector<float> y = {0, 1, 1, 0, 0.5f, 0.5f};
  EXPECT_TRUE(gradcheck::Check({Input{"logits", Shape{6}, x}, Input{"targets", Shape{6}, y}}, bce, bce_ref,
                               constant({"targets"})));
  // Per element: 100, 100, ~e^−100, ~e^−100, 50, 50.
  const double want[6] = {100, 100, 0, 0, 50, 50};
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    const LossRun r = run_loss(bce_with_logits, {x[i]}, Shape{1}, {y[i]}, Shape{1}, false);
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_TRUE(std::isfinite(r.value));
    expect_close("loss", r.value, want[i]);
    ASSERT_EQ(r.grad_a.size(), 1u);
    EXPECT_TRUE(std::isfinite(r.grad_a[0]));
    expect_close("gradient", r.grad_a[0], (x[i] > 0 ? 1.0 : 0.0) - y[i]);
  }
}

// ---- mean squared error ------------------------------------------------------------------------------

TEST(GradcheckMse, BothInputsGetGradients) {
  Rng rng(821);
  EXPECT_TRUE(gradcheck::Check({gradcheck::RandomInput("a", Shape{3, 4}, rng),
                                gradcheck::RandomInput("b", Shape{3, 4}, rng)},
                               [](Graph& graph, const std::vector<Tensor>& t) { return mse(graph, t[0], t[1]); },
                               [](const std::vector<Array>& a) { return refops::mse(a[0], a[1]); }));
}

TEST(GradcheckMse, SequencesWithConstantTarget) {
  Rng rng(822);
  EXPECT_TRUE(gradcheck::Check({gradcheck::RandomInput("a", Shape{2, 3, 2}, rng),
                                gradcheck::RandomInput("target", Shape{2, 3, 2}, rng)},
                               [](Graph& graph, const std::vector<Tensor>& t) { return mse(graph, t[0], t[1]); },
                               [](const std::vector<Array>& a) { return refops::mse(a[0], a[1]); },
                               constant({"target"})));
}

// mean((a − b)²) with a − b = (1, 2, 3, −2): 18/4 = 4.5; ∂/∂a = (a − b)/2 and ∂/∂b = −∂/∂a.
TEST(GradcheckMse, HandComputedValueAndOppositeGradients) {
  const LossRun r = run_loss(mse, {1, 2, 3, -1}, Shape{2, 2}, {0, 0, 0, 1}, Shape{2, 2}, true);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  expect_close("loss", r.value, 4.5);
  const double want[4] = {0.5, 1.0, 1.5, -1.0};
  ASSERT_EQ(r.grad_a.size(), 4u);
  ASSERT_EQ(r.grad_b.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    expect_close("gradient a", r.grad_a[i], want[i]);
    EXPECT_FLOAT_EQ(r.grad_b[i], -r.grad_a[i]) << i;
  }
}

TEST(GradcheckLosses, ShapeMismatchesAreErrors) {
  const std::vector<float> v(32, 0.5f);
  struct Case {
    const char* name;
    LossRun run;
  };
  const Case cases[] = {
      {"bce_with_logits", run_loss(bce_with_logits, v, Shape{3, 4}, v, Shape{4, 3}, false)},
      {"bce_with_logits", run_loss(bce_with_logits, v, Shape{3, 4}, v, Shape{3}, false)},
      {"mse", run_loss(mse, v, Shape{2, 3}, v, Shape{2, 3, 1}, true)},
      {"mse", run_loss(mse, v, Shape{6}, v, Shape{5}, true)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.run.status.code(), Code::kInvalidArgument) << c.run.status.message();
    EXPECT_NE(std::string(c.run.status.message()).find(c.name), std::string::npos) << c.run.status.message();
  }
}

}  // namespace
}  // namespace salient
