// kernel-shap and lime through the registry: KernelSHAP with every coalition equals exact Shapley,
// sampled KernelSHAP is complete and exact on linear models; LIME recovers a linear model's
// coefficients, Lasso shrinks, and both reproduce bit-identically from a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "salient/random.h"

namespace salient::explain {
namespace {

Model random_net(int features, uint64_t seed) {
  Result<Model> m = Model::create(Shape{features}, {Layer::linear("l1", features, 6), Layer::tanh("t"),
                                                    Layer::linear("l2", 6, 5), Layer::relu("r"),
                                                    Layer::linear("l3", 5, 3)});
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

std::vector<float> run(const Model& m, const std::vector<float>& x, const Shape& shape, const std::string& method,
                       std::vector<Setting> settings = {}, const std::vector<float>* baseline = nullptr,
                       uint64_t seed = 0, Status* status = nullptr) {
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
  const std::vector<float> kernel = run(m, x, Shape{3, f}, "kernel-shap", {{"n_samples", "16"}}, &b);
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
      run(lin, x, Shape{1, 4}, "lime", {{"solver", "ridge"}, {"alpha", "0"}, {"n_samples", "40"}}, &b, 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(ridge0[i], w[i] * (x[i] - b[i]), 1e-4) << i;
  const std::vector<float> lasso0 = run(lin, x, Shape{1, 4}, "lime", {{"alpha", "0"}, {"n_samples", "40"}}, &b, 1);
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

}  // namespace
}  // namespace salient::explain
