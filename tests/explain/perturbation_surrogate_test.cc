// kernel-shap and lime through the registry: KernelSHAP with every coalition equals exact Shapley,
// sampled KernelSHAP is complete and exact on linear models; LIME recovers a linear model's
// coefficients, Lasso shrinks, and both reproduce bit-identically from a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/random.h"

namespace salient::explain {
namespace {

Model random_net(int features, uint64_t seed) {
  Result<Model> m = Model::create(
      Shape{features}, {Layer::linear("l1", features, 6), Layer::tanh("t"),
                        Layer::linear("l2", 6, 5), Layer::relu("r"), Layer::linear("l3", 5, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(seed);
  return std::move(*m);
}

// f = w·x + 4 with w = (2, −1, 0.5, 3).
Model linear_net() {
  Result<Model> m = Model::create(Shape{4}, {Layer::linear("l", 4, 1)});
  SALIENT_ASSERT(m.ok());
  const float w[4] = {2, -1, 0.5f, 3};
  std::copy(w, w + 4, m->parameter("l.weight"));
  *m->parameter("l.bias") = 4;
  return std::move(*m);
}

std::vector<float> run(const Model& m, const std::vector<float>& x, const Shape& shape,
                       const std::string& method, std::vector<Setting> settings = {},
                       const std::vector<float>* baseline = nullptr, uint64_t seed = 0,
                       Status* status = nullptr) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  r.seed = seed;
  if (baseline) r.baseline = baseline->data();
  std::vector<float> a(x.size(), -999.0f);
  Arena arena;
  Status s = run_method(method, r, arena, a.data());
  if (status) {
    *status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return a;
}

TEST(KernelShap, AllCoalitionsEqualExactShapley) {
  const int f = 4;
  const Model m = random_net(f, 5);
  Rng rng(12);
  std::vector<float> x(3 * f), b(3 * f);
  for (float& v : x) v = rng.uniform(-2, 2);
  for (float& v : b) v = rng.uniform(-0.3f, 0.3f);
  const std::vector<float> exact = run(m, x, Shape{3, f}, "shapley-exact", {}, &b);
  const std::vector<float> kernel =
      run(m, x, Shape{3, f}, "kernel-shap", {{"n_samples", "16"}}, &b);
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_NEAR(kernel[i], exact[i], 1e-4) << i;
}

TEST(KernelShap, SampledIsCompleteReproducibleAndExactOnLinearModels) {
  const int f = 6;
  const Model m = random_net(f, 9);
  Rng rng(2);
  std::vector<float> x(2 * f);
  for (float& v : x) v = rng.uniform(-2, 2);
  const std::vector<float> exact = run(m, x, Shape{2, f}, "shapley-exact");
  const std::vector<float> a = run(m, x, Shape{2, f}, "kernel-shap", {}, nullptr, 4);
  for (int n = 0; n < 2; ++n) {
    double se = 0, sa = 0;
    for (int i = 0; i < f; ++i) se += exact[n * f + i], sa += a[n * f + i];
    EXPECT_NEAR(sa, se, 1e-4);  // Σφ = f(x) − f(0) is enforced
  }
  EXPECT_EQ(a, run(m, x, Shape{2, f}, "kernel-shap", {}, nullptr, 4));
  EXPECT_NE(a, run(m, x, Shape{2, f}, "kernel-shap", {}, nullptr, 5));
  // Linear: φ_i = w_i (x_i − b_i) from the 25 default samples.
  const Model lin = linear_net();
  const std::vector<float> xl = {1, 2, 3, 4}, bl = {0.5f, 0.5f, 0.5f, 0.5f};
  const std::vector<float> phi = run(lin, xl, Shape{1, 4}, "kernel-shap", {}, &bl, 3);
  const float w[4] = {2, -1, 0.5f, 3};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(phi[i], w[i] * (xl[i] - bl[i]), 1e-4) << i;
  Status bad;
  run(lin, xl, Shape{1, 4}, "kernel-shap", {{"n_samples", "1"}}, nullptr, 0, &bad);
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
}

TEST(Lime, RecoversLinearModelsAndShrinksWithLasso) {
  const Model lin = linear_net();
  const std::vector<float> x = {1, 2, 3, 4}, b = {0.5f, 0.5f, 0.5f, 0.5f};
  const float w[4] = {2, -1, 0.5f, 3};
  // f(x_z) = f(b) + Σ w_i (x_i − b_i) z_i exactly, so an unpenalised fit recovers the coefficients.
  const std::vector<float> ridge0 =
      run(lin, x, Shape{1, 4}, "lime", {{"solver", "ridge"}, {"alpha", "0"}, {"n_samples", "40"}},
          &b, 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(ridge0[i], w[i] * (x[i] - b[i]), 1e-4) << i;
  const std::vector<float> lasso0 =
      run(lin, x, Shape{1, 4}, "lime", {{"alpha", "0"}, {"n_samples", "40"}}, &b, 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(lasso0[i], w[i] * (x[i] - b[i]), 1e-2) << i;
  // Default Lasso (α = 0.01): close, and shrunk towards zero.
  const std::vector<float> lasso = run(lin, x, Shape{1, 4}, "lime", {{"n_samples", "40"}}, &b, 1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(lasso[i], w[i] * (x[i] - b[i]), 0.2) << i;
    EXPECT_LE(std::fabs(lasso[i]), std::fabs(w[i] * (x[i] - b[i])) + 1e-2) << i;
  }
  // A huge α zeroes every coefficient.
  const std::vector<float> sparse = run(lin, x, Shape{1, 4}, "lime", {{"alpha", "1000"}}, &b, 1);
  for (float v : sparse) EXPECT_EQ(v, 0.0f);
}

TEST(Lime, SeededAndValidated) {
  const Model m = random_net(5, 3);
  Rng rng(1);
  std::vector<float> x(2 * 5);
  for (float& v : x) v = rng.uniform(-2, 2);
  const std::vector<float> a = run(m, x, Shape{2, 5}, "lime", {}, nullptr, 8);
  EXPECT_EQ(a, run(m, x, Shape{2, 5}, "lime", {}, nullptr, 8));
  EXPECT_NE(a, run(m, x, Shape{2, 5}, "lime", {}, nullptr, 9));
  Status bad;
  run(m, x, Shape{2, 5}, "lime", {{"solver", "sgd"}}, nullptr, 0, &bad);
  EXPECT_NE(std::string(bad.message()).find("solver=sgd"), std::string::npos) << bad.message();
  run(m, x, Shape{2, 5}, "lime", {{"kernel_width", "0"}}, nullptr, 0, &bad);
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
}

// The model's output rows for `rows` inputs of `features` values.
std::vector<float> outputs(const Model& m, const std::vector<float>& in, int64_t rows,
                           int64_t features) {
  Arena arena;
  GraphOptions options;
  options.record = false;
  Graph g(arena, options);
  const Tensor y = m.forward(g, g.input(in.data(), Shape{rows, features}));
  SALIENT_ASSERT(g.ok());
  return std::vector<float>(y.data, y.data + y.numel());
}

// lime's streamed fit against a fit on the stored design, computed here independently: the
// coalitions drawn as documented (Rng(seed), z_g = [uniform() < 0.5], sample-major then row-major),
// evaluated one by one, weighted by exp(−(1 − cos)²/(2·width²)) and centred by the weighted means.
// ridge: the dense normal equations (C_zz + αI)β = C_zy solved by elimination; the streamed form
// sums the same terms in another order, so 1e-5 relative (float output, double sums).
// lasso: the KKT conditions of 1/2·Σ (π/W) r² + α‖β‖₁ with g_j = −(1/W) Σ π z̃_j r:
// |g_j + α·sign β_j| (β_j ≠ 0) and |g_j| − α (β_j = 0) at most G·1e-4·max|β|·max Q_jj, what the
// stopping rule (no coefficient moved by more than 1e-4·max|β| in the last sweep) leaves, doubled
// for the float output.
TEST(Lime, StreamedFitsEqualTheStoredDesignFit) {
  const int64_t f = 5, n = 2, p = 400;
  const Model m = random_net(int(f), 21);
  Rng rng(6);
  std::vector<float> x(size_t(n * f));
  for (float& v : x) v = rng.uniform(-2, 2);
  const std::vector<float> fx = outputs(m, x, n, f);
  Rng draws(5);
  std::vector<uint8_t> z(size_t(n * p * f));
  for (uint8_t& v : z) v = draws.uniform() < 0.5f ? 1 : 0;
  std::vector<float> perturbed(size_t(n * p * f));
  for (int64_t s = 0; s < n; ++s)
    for (int64_t row = 0; row < p; ++row)
      for (int64_t g = 0; g < f; ++g)
        perturbed[size_t((s * p + row) * f + g)] =
            z[size_t((s * p + row) * f + g)] ? x[size_t(s * f + g)] : 0.0f;
  const std::vector<float> y = outputs(m, perturbed, n * p, f);

  for (const char* solver : {"ridge", "lasso"}) {
    const std::vector<float> a =
        run(m, x, Shape{n, f}, "lime", {{"solver", solver}, {"n_samples", std::to_string(p)}},
            nullptr, 5);
    for (int64_t s = 0; s < n; ++s) {
      int64_t c = 0;
      for (int64_t j = 1; j < 3; ++j)
        if (fx[size_t(s * 3 + j)] > fx[size_t(s * 3 + c)]) c = j;
      std::vector<double> w(static_cast<size_t>(p)), zm(static_cast<size_t>(f), 0.0);
      double xx = 0, wsum = 0, ym = 0;
      for (int64_t g = 0; g < f; ++g) xx += double(x[size_t(s * f + g)]) * x[size_t(s * f + g)];
      for (int64_t row = 0; row < p; ++row) {
        double xp = 0, pp = 0;
        for (int64_t g = 0; g < f; ++g) {
          const double v = perturbed[size_t((s * p + row) * f + g)];
          xp += double(x[size_t(s * f + g)]) * v;
          pp += v * v;
        }
        const double dist = 1 - xp / std::max(std::sqrt(xx * pp), 1e-8);
        w[size_t(row)] = std::exp(-dist * dist / 2);
        wsum += w[size_t(row)];
        ym += w[size_t(row)] * y[size_t((s * p + row) * 3 + c)];
        for (int64_t g = 0; g < f; ++g)
          zm[size_t(g)] += w[size_t(row)] * z[size_t((s * p + row) * f + g)];
      }
      ym /= wsum;
      for (double& v : zm) v /= wsum;
      auto zc = [&](int64_t row, int64_t g) {
        return double(z[size_t((s * p + row) * f + g)]) - zm[size_t(g)];
      };
      std::vector<double> q(static_cast<size_t>(f * f), 0.0), cy(static_cast<size_t>(f), 0.0);
      for (int64_t row = 0; row < p; ++row)
        for (int64_t i = 0; i < f; ++i) {
          cy[size_t(i)] += w[size_t(row)] * zc(row, i) * (y[size_t((s * p + row) * 3 + c)] - ym);
          for (int64_t j = 0; j < f; ++j)
            q[size_t(i * f + j)] += w[size_t(row)] * zc(row, i) * zc(row, j);
        }
      const float* got = a.data() + s * f;
      if (std::string(solver) == "ridge") {
        std::vector<double> aug(q), rhs(cy);  // (C + 0.01 I) β = c by Gaussian elimination (SPD)
        for (int64_t i = 0; i < f; ++i) aug[size_t(i * f + i)] += 0.01;
        for (int64_t k = 0; k < f; ++k)
          for (int64_t i = k + 1; i < f; ++i) {
            const double factor = aug[size_t(i * f + k)] / aug[size_t(k * f + k)];
            for (int64_t j = k; j < f; ++j)
              aug[size_t(i * f + j)] -= factor * aug[size_t(k * f + j)];
            rhs[size_t(i)] -= factor * rhs[size_t(k)];
          }
        std::vector<double> beta(static_cast<size_t>(f), 0.0);
        double scale = 0;
        for (int64_t k = f - 1; k >= 0; --k) {
          double t = rhs[size_t(k)];
          for (int64_t j = k + 1; j < f; ++j) t -= aug[size_t(k * f + j)] * beta[size_t(j)];
          beta[size_t(k)] = t / aug[size_t(k * f + k)];
          scale = std::max(scale, std::fabs(beta[size_t(k)]));
        }
        for (int64_t g = 0; g < f; ++g)
          EXPECT_NEAR(got[g], beta[size_t(g)], 1e-5 * scale) << s << " " << g;
        continue;
      }
      double max_beta = 0, max_q = 0;
      for (int64_t g = 0; g < f; ++g) {
        max_beta = std::max(max_beta, std::fabs(double(got[g])));
        max_q = std::max(max_q, q[size_t(g * f + g)] / wsum);
      }
      EXPECT_GT(max_beta, 0.0);
      const double tol = 2 * double(f) * 1e-4 * max_beta * max_q + 1e-7;
      for (int64_t j = 0; j < f; ++j) {
        double grad = -cy[size_t(j)];
        for (int64_t k = 0; k < f; ++k) grad += q[size_t(j * f + k)] * got[k];
        grad /= wsum;
        if (got[j] != 0.0f)
          EXPECT_NEAR(grad + (got[j] > 0 ? 0.01 : -0.01), 0.0, tol) << s << " " << j;
        else
          EXPECT_LE(std::fabs(grad), 0.01 + tol) << s << " " << j;
      }
    }
  }
}

}  // namespace
}  // namespace salient::explain
