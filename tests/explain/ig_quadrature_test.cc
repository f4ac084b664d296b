// integrated-gradients and its quadrature rules: the DeepExplain known answer (1.5, −0.5) on
// ReLU(ReLU(x1 − 1) − ReLU(x2)) at x = (3, 1), exactness on linear models, completeness on a tanh
// net, convergence rates per rule, Gauss-Legendre nodes, chunking invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::deepexplain_net;

// 3 → 4 tanh → 2, deterministic pseudo-random weights.
Model tanh_net(float scale = 0.7f) {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("l1", 3, 4), Layer::tanh("t1"), Layer::linear("l2", 4, 2)});
  SALIENT_ASSERT(m.ok());
  const char* names[4] = {"l1.weight", "l1.bias", "l2.weight", "l2.bias"};
  const int sizes[4] = {12, 4, 8, 2};
  int k = 0;
  for (int p = 0; p < 4; ++p)
    for (int i = 0; i < sizes[p]; ++i, ++k) m->parameter(names[p])[i] = scale * std::sin(1.3f * k + 0.4f);
  return std::move(*m);
}

Model linear_net() {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("l", 3, 2)});
  SALIENT_ASSERT(m.ok());
  const float w[6] = {0.5f, -2.0f, 1.25f, 3.0f, 0.0f, -1.0f}, b[2] = {0.3f, -0.7f};
  std::copy(w, w + 6, m->parameter("l.weight"));
  std::copy(b, b + 2, m->parameter("l.bias"));
  return std::move(*m);
}

std::vector<float> run_ig(const Model& m, const std::vector<float>& x, int64_t features, std::vector<Setting> settings,
                          const float* baseline = nullptr) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{static_cast<int64_t>(x.size()) / features, features};
  r.settings = std::move(settings);
  r.baseline = baseline;
  std::vector<float> a(x.size());
  Arena arena;
  Status s = run_method("integrated-gradients", r, arena, a.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return a;
}

TEST(Quadrature, WeightsSumToOneAndNodesInUnitInterval) {
  for (const char* name : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"}) {
    Result<Quadrature> q = parse_quadrature(name);
    ASSERT_TRUE(q.ok());
    for (int n : {2, 3, 7, 50, 128}) {
      std::vector<double> a(n), w(n);
      ASSERT_TRUE(quadrature(*q, n, a.data(), w.data()).ok());
      double sum = 0.0;
      for (int k = 0; k < n; ++k) {
        sum += w[k];
        EXPECT_GE(a[k], 0.0);
        EXPECT_LE(a[k], 1.0);
      }
      EXPECT_NEAR(sum, 1.0, 1e-13) << name << " n=" << n;
    }
  }
  EXPECT_FALSE(parse_quadrature("simpson").ok());
  double a[1], w[1];
  EXPECT_FALSE(quadrature(Quadrature::kRiemannTrapezoid, 1, a, w).ok());
  EXPECT_FALSE(quadrature(Quadrature::kGaussLegendre, 0, a, w).ok());
}

TEST(Quadrature, CaptumNodeDefinitions) {
  std::vector<double> a(4), w(4);
  ASSERT_TRUE(quadrature(Quadrature::kRiemannLeft, 4, a.data(), w.data()).ok());
  EXPECT_EQ(a, (std::vector<double>{0, 0.25, 0.5, 0.75}));
  ASSERT_TRUE(quadrature(Quadrature::kRiemannRight, 4, a.data(), w.data()).ok());
  EXPECT_EQ(a, (std::vector<double>{0.25, 0.5, 0.75, 1.0}));
  ASSERT_TRUE(quadrature(Quadrature::kRiemannMiddle, 4, a.data(), w.data()).ok());
  EXPECT_EQ(a, (std::vector<double>{0.125, 0.375, 0.625, 0.875}));
  ASSERT_TRUE(quadrature(Quadrature::kRiemannTrapezoid, 4, a.data(), w.data()).ok());
  EXPECT_NEAR(a[1], 1.0 / 3, 1e-15);
  EXPECT_NEAR(w[0], 1.0 / 6, 1e-15);
  EXPECT_NEAR(w[1], 1.0 / 3, 1e-15);
  // Gauss-Legendre n=2: t = ±1/√3 → α = (1 ∓ 1/√3)/2, w = ½ each.
  ASSERT_TRUE(quadrature(Quadrature::kGaussLegendre, 2, a.data(), w.data()).ok());
  EXPECT_NEAR(a[0], 0.5 * (1 - 1 / std::sqrt(3.0)), 1e-15);
  EXPECT_NEAR(a[1], 0.5 * (1 + 1 / std::sqrt(3.0)), 1e-15);
  EXPECT_NEAR(w[0], 0.5, 1e-15);
}

TEST(Quadrature, GaussLegendreIntegratesPolynomialsUpToDegree2nMinus1) {
  for (int n : {1, 2, 3, 5, 10, 20, 50}) {
    std::vector<double> a(n), w(n);
    ASSERT_TRUE(quadrature(Quadrature::kGaussLegendre, n, a.data(), w.data()).ok());
    for (int deg = 0; deg <= 2 * n - 1; ++deg) {
      double s = 0.0;
      for (int k = 0; k < n; ++k) s += w[k] * std::pow(a[k], deg);
      EXPECT_NEAR(s, 1.0 / (deg + 1), 1e-13) << "n=" << n << " degree " << deg;
    }
    if (n <= 5) {  // and not degree 2n
      double s = 0.0;
      for (int k = 0; k < n; ++k) s += w[k] * std::pow(a[k], 2 * n);
      EXPECT_GT(std::fabs(s - 1.0 / (2 * n + 1)), 1e-8) << "n=" << n;
    }
  }
}

TEST(IntegratedGradients, DeepExplainKnownAnswer) {
  const Model m = deepexplain_net();
  const std::vector<float> x = {3, 1, -10, -5};
  // DeepExplain: right Riemann, 100 steps (its default) gives exactly (1.5, −0.5): the path gradient
  // is (1, −1) for α > ½ and 0 below, and α = ½ lands on relu'(0) = 0.
  std::vector<float> right = run_ig(m, x, 2, {{"method", "riemann_right"}, {"n_steps", "100"}});
  EXPECT_NEAR(right[0], 1.5f, 1e-5);
  EXPECT_NEAR(right[1], -0.5f, 1e-5);
  EXPECT_EQ(right[2], 0.0f);
  EXPECT_EQ(right[3], 0.0f);
  // Gauss-Legendre with an even n_steps (the default 50): symmetric nodes, half the weight above ½.
  std::vector<float> gl = run_ig(m, x, 2, {});
  EXPECT_NEAR(gl[0], 1.5f, 1e-5);
  EXPECT_NEAR(gl[1], -0.5f, 1e-5);
  EXPECT_EQ(gl[2], 0.0f);
  EXPECT_EQ(gl[3], 0.0f);
  // Every Riemann rule converges to it.
  for (const char* rule : {"riemann_left", "riemann_middle", "riemann_trapezoid"}) {
    std::vector<float> a = run_ig(m, {3, 1}, 2, {{"method", rule}, {"n_steps", "1000"}});
    EXPECT_NEAR(a[0], 1.5f, 5e-3) << rule;
    EXPECT_NEAR(a[1], -0.5f, 5e-3) << rule;
  }
}

TEST(IntegratedGradients, ExactOnLinearModels) {
  const Model m = linear_net();
  const std::vector<float> x = {1.0f, -2.0f, 0.5f, 4.0f, 0.25f, -1.5f};
  const std::vector<float> b = {0.5f, 0.5f, 0.5f, -1.0f, 2.0f, 0.0f};
  for (const char* rule : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"}) {
    std::vector<float> a = run_ig(m, x, 3, {{"method", rule}, {"n_steps", "3"}}, b.data());
    for (int i = 0; i < 2; ++i) {
      // Each sample's argmax column of W x + b.
      const float y0 = 0.5f * x[i * 3] - 2.0f * x[i * 3 + 1] + 1.25f * x[i * 3 + 2] + 0.3f;
      const float y1 = 3.0f * x[i * 3] - x[i * 3 + 2] - 0.7f;
      const float wrow[2][3] = {{0.5f, -2.0f, 1.25f}, {3.0f, 0.0f, -1.0f}};
      const int c = y1 > y0 ? 1 : 0;
      for (int k = 0; k < 3; ++k)
        EXPECT_NEAR(a[i * 3 + k], (x[i * 3 + k] - b[i * 3 + k]) * wrow[c][k], 1e-6) << rule;
    }
  }
}

TEST(IntegratedGradients, CompletenessOnTanhNetAndDeltaHelper) {
  const Model m = tanh_net();
  const std::vector<float> x = {0.9f, -1.2f, 0.4f, -0.3f, 1.5f, 2.0f};
  const std::vector<float> b = {0.1f, 0.2f, -0.3f, 0.0f, 0.0f, 0.0f};
  std::vector<float> a(6), delta(2);
  ASSERT_TRUE(integrated_gradients(m, x.data(), Shape{2, 3}, b.data(), Target{}, 50, Quadrature::kGaussLegendre,
                                   a.data(), delta.data())
                  .ok());
  EXPECT_LT(std::fabs(delta[0]), 1e-5);
  EXPECT_LT(std::fabs(delta[1]), 1e-5);
  std::vector<float> again(2);
  ASSERT_TRUE(convergence_delta(m, x.data(), Shape{2, 3}, b.data(), Target{}, a.data(), again.data()).ok());
  EXPECT_EQ(again, delta);
  // The registry method returns the same attributions.
  EXPECT_EQ(run_ig(m, x, 3, {}, b.data()), a);
}

// |delta| of one sample for a rule and n_steps on the tanh net, in double-ish precision (float
// gradients limit it to ~1e-7).
double ig_error(const Model& m, Quadrature rule, int n) {
  const std::vector<float> x = {2.0f, -1.5f, 1.0f};
  std::vector<float> a(3), delta(1);
  const int32_t col = 0;
  EXPECT_TRUE(integrated_gradients(m, x.data(), Shape{1, 3}, nullptr, Target{&col}, n, rule, a.data(), delta.data()).ok());
  return std::fabs(delta[0]);
}

TEST(IntegratedGradients, ConvergenceRatesPerRule) {
  const Model m = tanh_net(1.0f);
  // Left/right: O(1/m): doubling m halves the error.
  for (Quadrature q : {Quadrature::kRiemannLeft, Quadrature::kRiemannRight}) {
    const double e1 = ig_error(m, q, 16), e2 = ig_error(m, q, 32), e3 = ig_error(m, q, 64);
    EXPECT_NEAR(e1 / e2, 2.0, 0.3);
    EXPECT_NEAR(e2 / e3, 2.0, 0.3);
  }
  // Middle/trapezoid: O(1/m²): doubling m quarters it.
  for (Quadrature q : {Quadrature::kRiemannMiddle, Quadrature::kRiemannTrapezoid}) {
    const double e1 = ig_error(m, q, 8), e2 = ig_error(m, q, 16), e3 = ig_error(m, q, 32);
    EXPECT_NEAR(e1 / e2, 4.0, 0.8);
    EXPECT_NEAR(e2 / e3, 4.0, 0.8);
  }
  for (int n : {4, 8, 16, 32, 64})
    std::printf("n_steps %2d |delta|: left %.2e right %.2e middle %.2e trapezoid %.2e gausslegendre %.2e\n", n,
                ig_error(m, Quadrature::kRiemannLeft, n), ig_error(m, Quadrature::kRiemannRight, n),
                ig_error(m, Quadrature::kRiemannMiddle, n), ig_error(m, Quadrature::kRiemannTrapezoid, n),
                ig_error(m, Quadrature::kGaussLegendre, n));
  // Gauss-Legendre: at 8 points already far below the Riemann rules at 64.
  const double gl8 = ig_error(m, Quadrature::kGaussLegendre, 8);
  EXPECT_LT(gl8, 1e-4);
  EXPECT_LT(gl8 * 10, ig_error(m, Quadrature::kRiemannMiddle, 64));
  EXPECT_LT(ig_error(m, Quadrature::kGaussLegendre, 20), 2e-6);
}

TEST(IntegratedGradients, ChunkingChangesOnlyRounding) {
  const Model m = tanh_net();
  const std::vector<float> x = {0.9f, -1.2f, 0.4f, -0.3f, 1.5f, 2.0f};
  const std::vector<float> whole = run_ig(m, x, 3, {{"n_steps", "37"}});
  const size_t saved = batch_budget_bytes();
  set_batch_budget_bytes(1);  // one step per chunk
  const std::vector<float> one_by_one = run_ig(m, x, 3, {{"n_steps", "37"}});
  set_batch_budget_bytes(saved);
  for (size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(one_by_one[i], whole[i], 1e-6f * (1.0f + std::fabs(whole[i])));
}

TEST(IntegratedGradients, RejectsBadSettings) {
  const Model m = linear_net();
  const std::vector<float> x = {1, 2, 3};
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{1, 3};
  std::vector<float> a(3);
  Arena arena;
  r.settings = {{"method", "simpson"}};
  Status s = run_method("integrated-gradients", r, arena, a.data());
  EXPECT_NE(std::string(s.message()).find("simpson"), std::string::npos) << s.message();
  r.settings = {{"n_steps", "0"}};
  EXPECT_EQ(run_method("integrated-gradients", r, arena, a.data()).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
