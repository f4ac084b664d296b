// LRP conventions (SPEC §5 `convention`, docs/rules.md "Conventions"): every place where Captum's
// and Zennit's LRP differ, pinned on one-layer nets with numbers worked out by hand below.
//
// The layer: z = w·x + b with w = (2, −1), b = 0.5 (a second output row of zeros only makes the
// output [N, 2]; the target is column 0). R_out = z (the explained logit).
// Tolerance 1e-5 relative: float32 arithmetic on numbers of order 1, plus ε/|z| ≤ 1e-6/1.5 from the
// stabilisers, which the hand-derived values leave out.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/lrp.h"
#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

Model one_layer() {
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("fc", 2, 2)});
  SALIENT_ASSERT(m.ok());
  const float w[4] = {2, -1, 0, 0};
  std::copy(w, w + 4, m->parameter("fc.weight"));
  m->parameter("fc.bias")[0] = 0.5f;
  m->parameter("fc.bias")[1] = 0.0f;
  return std::move(*m);
}

std::vector<float> explain(const Model& m, const std::vector<float>& x, const Shape& shape,
                           const char* method, std::vector<Setting> settings) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  const int32_t column[1] = {0};
  r.target.columns = shape[0] == 1 ? column : nullptr;
  Result<Shape> out = output_shape(*find_method(method), r);
  EXPECT_TRUE(out.ok()) << out.status().message();
  std::vector<float> a(out.ok() ? static_cast<size_t>(out->numel()) : 0, -1.0f);
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << method << ": " << s.message();
  return a;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5 * std::max(1.0, std::fabs(want[i])))
        << what << " [" << i << "]";
}

std::vector<float> layer_rule(const std::vector<float>& x, const char* method,
                              const char* convention, std::vector<Setting> extra = {}) {
  extra.push_back({"convention", convention});
  return explain(one_layer(), x, Shape{1, 2}, method, std::move(extra));
}

TEST(LrpConvention, ZPlusClampsWeightsInCaptumAndSplitsInputsInZennit) {
  // x = (1, −1): z = 2 + 1 + 0.5 = 3.5.
  // Captum (Alpha1_Beta0): z' = x·w⁺ + b = 2 + 0.5 = 2.5, R = x ⊙ w⁺ · 3.5/2.5 = (2.8, 0).
  // Zennit: D = x⁺w⁺ + x⁻w⁻ + b⁺ = 2 + 1 + 0.5 = 3.5, R = (x⁺w⁺ + x⁻w⁻) · 3.5/3.5 = (2, 1).
  const std::vector<float> x = {1, -1};
  expect_near(layer_rule(x, "lrp-zplus", "captum"), {2.8, 0.0}, "captum z+");
  expect_near(layer_rule(x, "lrp-zplus", "zennit"), {2.0, 1.0}, "zennit z+");
}

TEST(LrpConvention, AlphaBetaKeepsTheBiasInCaptumAndSplitsItInZennit) {
  // α = 2, β = 1, x = (1, −1), R = 3.5.
  // Captum: α·x ⊙ w⁺ · R/(x·w⁺ + b) − β·x ⊙ w⁻ · R/(x·w⁻ + b) = 2·(2·3.5/2.5, 0) − (0, 1·3.5/1.5)
  //         = (5.6, −7/3).
  // Zennit: α-part D_α = 3.5 gives 2·(2, 1); β-part D_β = x⁺w⁻ + x⁻w⁺ + b⁻ = 0 with all its
  //         products 0, so it adds nothing: (4, 2).
  const std::vector<float> x = {1, -1};
  expect_near(layer_rule(x, "lrp-alpha-beta", "captum"), {5.6, -7.0 / 3.0}, "captum alpha-beta");
  expect_near(layer_rule(x, "lrp-alpha-beta", "zennit"), {4.0, 2.0}, "zennit alpha-beta");
}

TEST(LrpConvention, GammaIsSignDependentInZennit) {
  // γ = 0.25. x = (1, −1), z = 3.5 > 0, R = 3.5:
  //   Captum: ρ(w) = w + γw⁺ = (2.5, −1), b unchanged: z' = 2.5 + 1 + 0.5 = 4,
  //           R = (2.5·3.5/4, 1·3.5/4) = (2.1875, 0.875).
  //   Zennit (z > 0): x⁺(w + γw⁺) + x⁻(w + γw⁻) + b + γb⁺ = 2.5 + 1.25 + 0.625 = 4.375,
  //           R = (2.5·3.5/4.375, 1.25·3.5/4.375) = (2, 1).
  const std::vector<float> up = {1, -1};
  expect_near(layer_rule(up, "lrp-gamma", "captum"), {2.1875, 0.875}, "captum gamma z>0");
  expect_near(layer_rule(up, "lrp-gamma", "zennit"), {2.0, 1.0}, "zennit gamma z>0");
  // x = (−1, 1), z = −2 − 1 + 0.5 = −2.5 < 0, R = −2.5:
  //   Captum: z' = −2.5 − 1 + 0.5 = −3, R = ((−2.5)(−2.5)/(−3), (−1)(−2.5)/(−3)) = (−25/12, −5/6).
  //   Zennit (z < 0): x⁺(w + γw⁻) + x⁻(w + γw⁺) + b + γb⁻ = −1.25 − 2.5 + 0.5 = −3.25,
  //           R = ((−1)(2.5), (1)(−1.25)) · (−2.5)/(−3.25) = (−25/13, −12.5/13).
  const std::vector<float> down = {-1, 1};
  expect_near(layer_rule(down, "lrp-gamma", "captum"), {-25.0 / 12.0, -5.0 / 6.0},
              "captum gamma z<0");
  expect_near(layer_rule(down, "lrp-gamma", "zennit"), {-25.0 / 13.0, -12.5 / 13.0},
              "zennit gamma z<0");
}

TEST(LrpConvention, DefaultEpsilonIs1e9ForCaptumAnd1e6ForZennit) {
  // w = (1, 1), b = 0, x = (1e-6, 1e-6): z = 2e-6, R = z. The ε rule gives R_i = x_i·z/(z + ε):
  // Zennit (ε = 1e-6): 1e-6 · 2/3 each; Captum (ε = 1e-9): 1e-6 · 2/2.001 each; an explicit
  // epsilon overrides either default.
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("fc", 2, 2, false)});
  ASSERT_TRUE(m.ok());
  const float w[4] = {1, 1, 0, 0};
  std::copy(w, w + 4, m->parameter("fc.weight"));
  const std::vector<float> x = {1e-6f, 1e-6f};
  const Shape shape{1, 2};
  const auto scaled = [](const std::vector<float>& a) {
    return std::vector<float>{a[0] * 1e6f, a[1] * 1e6f};
  };
  expect_near(scaled(explain(*m, x, shape, "lrp-epsilon", {{"convention", "zennit"}})),
              {2.0 / 3.0, 2.0 / 3.0}, "zennit");
  expect_near(scaled(explain(*m, x, shape, "lrp-epsilon", {{"rule.fc", "epsilon"}})),
              {2.0 / 2.001, 2.0 / 2.001}, "captum");
  expect_near(
      scaled(explain(*m, x, shape, "lrp-epsilon", {{"convention", "zennit"}, {"epsilon", "1e-9"}})),
      {2.0 / 2.001, 2.0 / 2.001}, "zennit with epsilon=1e-9");
  // The composites' ε follows the convention too (the dense layer gets ε).
  expect_near(scaled(explain(*m, x, shape, "lrp-epsilon-plus", {{"convention", "zennit"}})),
              {2.0 / 3.0, 2.0 / 3.0}, "zennit epsilon-plus");
}

// A batchnorm with no linear/conv before it cannot be merged (SPEC §6): y = a·x + c per feature,
// a = γ/√(σ² + eps), c = β − μ·a. A dense layer fc with w = (1, 1), b = 0 on top gives out = y₁ +
// y₂, whose ε rule hands R_y = y to the batchnorm (R_out = out). Then
//   Captum (ε rule on the affine layer): R_x = a·x ⊙ R_y / y = a ⊙ x;
//   Zennit (pass): R_x = R_y = y.
TEST(LrpConvention, UnmergeableBatchnormIsTheEpsilonRuleInCaptumAndPassesInZennit) {
  Result<Model> m =
      Model::create(Shape{2}, {Layer::batchnorm1d("bn", 2), Layer::linear("fc", 2, 2, false)});
  ASSERT_TRUE(m.ok());
  const float gamma[2] = {2, -1}, beta[2] = {0.5f, 1}, mean[2] = {1, 0}, var[2] = {4, 1};
  std::copy(gamma, gamma + 2, m->parameter("bn.weight"));
  std::copy(beta, beta + 2, m->parameter("bn.bias"));
  std::copy(mean, mean + 2, m->parameter("bn.running_mean"));
  std::copy(var, var + 2, m->parameter("bn.running_var"));
  const float w[4] = {1, 1, 0, 0};
  std::copy(w, w + 4, m->parameter("fc.weight"));
  const double eps = m->layers()[0].eps;
  const std::vector<float> x = {3, 2};
  double a[2], y[2];
  for (int i = 0; i < 2; ++i) {
    a[i] = gamma[i] / std::sqrt(var[i] + eps);
    y[i] = a[i] * (x[static_cast<size_t>(i)] - mean[i]) +
           beta[i];  // ≈ (2.5, −1): out ≈ 1.5 > 0 = column 1
  }
  const Shape shape{1, 2};
  const std::vector<double> captum = {a[0] * x[0], a[1] * x[1]}, zennit = {y[0], y[1]};
  // Captum's modified-gradient form (the batchnorm keeps its gradient a) and its explicit form
  // agree.
  expect_near(explain(*m, x, shape, "lrp-epsilon", {}), captum, "captum modified gradient");
  expect_near(explain(*m, x, shape, "lrp-epsilon", {{"rule.fc", "epsilon"}}), captum,
              "captum explicit");
  expect_near(explain(*m, x, shape, "lrp-epsilon", {{"convention", "zennit"}}), zennit, "zennit");
}

TEST(LrpConvention, ZennitsGammaBoxPutsZBoxOnTheFirstConvNotTheFirstLinear) {
  // linear (on the last dim) → conv1d → flatten → linear: Captum's convention puts zB on the first
  // linear/conv layer ("l0"), Zennit's EpsilonGammaBox on the first convolution ("c1"), whatever
  // comes before it. Each must equal the same rules assigned by hand (rule.LAYER on every layer of
  // lrp-zbox, whose γ is the default 0.25).
  Result<Model> m =
      Model::create(Shape{2, 5}, {Layer::linear("l0", 5, 5), Layer::relu("r0"),
                                  Layer::conv1d("c1", 2, 3, 3, 1, 0), Layer::relu("r1"),
                                  Layer::flatten("f"), Layer::linear("l2", 9, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(3);
  std::vector<float> x(10);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i) + 0.5f);
  const Shape shape{1, 2, 5};
  const std::vector<Setting> bounds = {{"low", "-1"}, {"high", "1"}};
  auto with = [&](std::vector<Setting> s, const char* convention) {
    s.insert(s.end(), bounds.begin(), bounds.end());
    s.push_back({"convention", convention});
    return s;
  };
  const std::vector<float> zennit =
      explain(*m, x, shape, "lrp-epsilon-gamma-box", with({}, "zennit"));
  const std::vector<float> zennit_by_hand = explain(
      *m, x, shape, "lrp-zbox",
      with({{"rule.l0", "epsilon"}, {"rule.c1", "zbox"}, {"rule.l2", "epsilon"}}, "zennit"));
  const std::vector<float> captum =
      explain(*m, x, shape, "lrp-epsilon-gamma-box", with({}, "captum"));
  const std::vector<float> captum_by_hand =
      explain(*m, x, shape, "lrp-zbox",
              with({{"rule.l0", "zbox"}, {"rule.c1", "gamma"}, {"rule.l2", "epsilon"}}, "captum"));
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(zennit[i], zennit_by_hand[i], 1e-6 * (1 + std::fabs(zennit_by_hand[i])));
    EXPECT_NEAR(captum[i], captum_by_hand[i], 1e-6 * (1 + std::fabs(captum_by_hand[i])));
  }
  double differ = 0;
  for (size_t i = 0; i < x.size(); ++i)
    differ = std::max(differ, static_cast<double>(std::fabs(zennit[i] - captum[i])));
  EXPECT_GT(differ, 1e-3);  // the two assignments really differ on this net
}

TEST(LrpConvention, EveryLrpMethodTakesTheKeyAndRejectsABadValue) {
  const Model m = one_layer();
  const std::vector<float> x = {1, -1};
  for (const Method& method : methods()) {
    if (std::string(method.name).rfind("lrp-", 0) != 0) continue;
    bool has = false;
    for (const MethodKey& k : method.keys)
      if (std::string(k.key) == "convention") has = std::string(k.default_value) == "captum";
    EXPECT_TRUE(has) << method.name;
    Request r;
    r.model = &m;
    r.x = x.data();
    r.shape = Shape{1, 2};
    r.settings = {{"convention", "pytorch"}};
    std::vector<float> a(2);
    Arena arena;
    const Status s = run_method(method.name, r, arena, a.data());
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << method.name;
    EXPECT_NE(std::string(s.message()).find("convention"), std::string::npos) << s.message();
  }
  EXPECT_EQ(*lrp_convention_from_name("zennit"), LrpConvention::kZennit);
  EXPECT_FLOAT_EQ(lrp_default_epsilon(LrpConvention::kCaptum), 1e-9f);
  EXPECT_FLOAT_EQ(lrp_default_epsilon(LrpConvention::kZennit), 1e-6f);
}

}  // namespace
}  // namespace salient::explain
