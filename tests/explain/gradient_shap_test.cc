// gradient-shap (Captum's GradientShap): one baseline and a linear model give (x − b) ⊙ w exactly;
// seeds reproduce bit-identically; a missing baseline set is an error.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"
#include "support/chunked_nets.h"

namespace salient::explain {
namespace {

Model linear_net() {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("l", 3, 2)});
  SALIENT_ASSERT(m.ok());
  const float w[6] = {0.5f, -2.0f, 1.25f, 3.0f, 0.0f, -1.0f}, b[2] = {0.3f, -0.7f};
  std::copy(w, w + 6, m->parameter("l.weight"));
  std::copy(b, b + 2, m->parameter("l.bias"));
  return std::move(*m);
}

using testing_explain::expect_close;
using testing_explain::tanh_net;

const std::vector<float> kX = {1.0f, -2.0f, 0.5f, 4.0f, 0.25f, -1.5f};

Status shap(const Model& m, const std::vector<float>& baselines, std::vector<Setting> settings, uint64_t seed,
            std::vector<float>* a) {
  Request r;
  r.model = &m;
  r.x = kX.data();
  r.shape = Shape{2, 3};
  r.settings = std::move(settings);
  r.seed = seed;
  if (!baselines.empty()) {
    r.baselines = baselines.data();
    r.baselines_shape = Shape{static_cast<int64_t>(baselines.size()) / 3, 3};
  }
  a->assign(kX.size(), 0.0f);
  Arena arena;
  return run_method("gradient-shap", r, arena, a->data());
}

TEST(GradientShap, OneBaselineOnALinearModelIsExact) {
  const Model m = linear_net();
  const std::vector<float> b = {0.5f, 0.5f, -1.0f};
  std::vector<float> a;
  ASSERT_TRUE(shap(m, b, {}, 3, &a).ok());
  const float w[2][3] = {{0.5f, -2.0f, 1.25f}, {3.0f, 0.0f, -1.0f}};
  // argmax: sample 0 → y = (4.55, 1.8) → column 0; sample 1 → (2.125, 12.8) → column 1.
  const int cols[2] = {0, 1};
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k) EXPECT_EQ(a[i * 3 + k], (kX[i * 3 + k] - b[k]) * w[cols[i]][k]);
}

TEST(GradientShap, SeedsReproduceBitIdentically) {
  const Model m = tanh_net();
  const std::vector<float> set = {0.0f, 0.0f, 0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 0.2f, 0.3f};
  std::vector<float> a, b, c, d;
  ASSERT_TRUE(shap(m, set, {{"n_samples", "6"}, {"stdevs", "0.3"}}, 11, &a).ok());
  ASSERT_TRUE(shap(m, set, {{"n_samples", "6"}, {"stdevs", "0.3"}}, 11, &b).ok());
  ASSERT_TRUE(shap(m, set, {{"n_samples", "6"}, {"stdevs", "0.3"}}, 12, &c).ok());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const size_t saved = batch_budget_bytes();
  set_batch_budget_bytes(1);
  ASSERT_TRUE(shap(m, set, {{"n_samples", "6"}, {"stdevs", "0.3"}}, 11, &d).ok());
  set_batch_budget_bytes(saved);
  expect_close(d, a);
}

TEST(GradientShap, ApproximatesCompletenessOnAverage) {
  // E[Σ attributions] = F(x) − E_b[F(b)] in expectation; with many samples it gets close.
  const Model m = tanh_net();
  const std::vector<float> set = {0.0f, 0.0f, 0.0f};
  std::vector<float> a, delta(2);
  ASSERT_TRUE(shap(m, set, {{"n_samples", "4000"}}, 5, &a).ok());
  ASSERT_TRUE(convergence_delta(m, kX.data(), Shape{2, 3}, nullptr, Target{}, a.data(), delta.data()).ok());
  EXPECT_LT(std::fabs(delta[0]), 0.05);
  EXPECT_LT(std::fabs(delta[1]), 0.05);
}

TEST(GradientShap, NeedsABaselineSet) {
  const Model m = linear_net();
  std::vector<float> a;
  Status s = shap(m, {}, {}, 0, &a);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("baselines"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace salient::explain
