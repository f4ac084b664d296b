// LRP layer rules (SPEC §6, §8 identities 5 and 6): each rule on a linear layer and on conv1d/conv2d
// layers equals a float64 matrix-form re-implementation applied to the layer's weight matrix (for a
// conv: its Jacobian), Zennit's test strategy; rules conserve relevance without biases; z⁺ ≡ αβ(1,0),
// γ(0) ≡ LRP-0, γ → ∞ tends to z⁺ on positive inputs, flat ≡ w² with W := 1, b := 0.
//
// Tolerances: the engine runs in float32 and the references in float64; each relevance is a sum of
// at most a few dozen products divided by z', so 1e-4 relative to the largest |R| (max abs error /
// max |reference|) covers float32 rounding with margin (measured errors are printed, ~1e-7).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "salient/explain/backprop.h"
#include "salient/explain/lrp.h"
#include "salient/explain/equivalences.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::model_outputs;

double rel_err(const std::vector<double>& ref, const std::vector<float>& got) {
  double diff = 0.0, scale = 1e-30;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::fabs(ref[i] - got[i]));
    scale = std::max(scale, std::fabs(ref[i]));
  }
  return diff / scale;
}

// z = J x + b as a dense matrix, recovered from the layer (a model of the layer and a flatten).
struct Dense {
  int out = 0, in = 0;
  std::vector<double> w, b;  // [out, in], [out]
};

Dense jacobian(const Model& m, const Shape& shape) {
  Dense d;
  d.in = static_cast<int>(shape.numel());
  const std::vector<float> zero(static_cast<size_t>(d.in), 0.0f);
  const std::vector<float> b = model_outputs(m, zero.data(), shape);
  d.out = static_cast<int>(b.size());
  d.b.assign(b.begin(), b.end());
  d.w.assign(static_cast<size_t>(d.out) * d.in, 0.0);
  for (int i = 0; i < d.in; ++i) {
    std::vector<float> e = zero;
    e[static_cast<size_t>(i)] = 1.0f;
    const std::vector<float> y = model_outputs(m, e.data(), shape);
    for (int o = 0; o < d.out; ++o) d.w[static_cast<size_t>(o) * d.in + i] = y[static_cast<size_t>(o)] - b[static_cast<size_t>(o)];
  }
  return d;
}

double stab(double z, double eps) { return z >= 0 ? z + eps : z - eps; }
double pos(double v) { return v > 0 ? v : 0; }
double neg(double v) { return v < 0 ? v : 0; }

// Matrix-form reference of every rule: R_in for the output relevance r.
std::vector<double> reference(const LrpParams& p, const Dense& d, const std::vector<float>& xf,
                              const std::vector<double>& r, double low, double high) {
  const int in = d.in, out = d.out;
  std::vector<double> x(xf.begin(), xf.end()), res(static_cast<size_t>(in), 0.0);
  auto W = [&](int o, int i) { return d.w[static_cast<size_t>(o) * in + i]; };
  std::vector<double> rel = r;  // the output relevance the next group distributes
  // One group: Σ_t coef_t x'_t ⊙ ρ_t(W)ᵀ (R/stab(Σ_t coef_t ρ_t(W)x'_t + b')), times scale.
  struct Term {
    std::function<double(int)> x;
    std::function<double(int, int)> w;
    double coef;
  };
  auto group = [&](const std::vector<Term>& terms, std::function<double(int)> bias, double eps, double scale) {
    for (int o = 0; o < out; ++o) {
      double z = bias(o);
      for (const Term& t : terms)
        for (int i = 0; i < in; ++i) z += t.coef * t.w(o, i) * t.x(i);
      const double den = stab(z, eps);
      const double s = den != 0 ? rel[static_cast<size_t>(o)] / den : 0.0;
      for (const Term& t : terms)
        for (int i = 0; i < in; ++i) res[static_cast<size_t>(i)] += scale * t.coef * t.x(i) * t.w(o, i) * s;
    }
  };
  auto xs = [&](int i) { return x[static_cast<size_t>(i)]; };
  auto xp = [&](int i) { return pos(x[static_cast<size_t>(i)]); };
  auto xn = [&](int i) { return neg(x[static_cast<size_t>(i)]); };
  auto wp = [&](int o, int i) { return pos(W(o, i)); };
  auto wn = [&](int o, int i) { return neg(W(o, i)); };
  auto b = [&](int o) { return d.b[static_cast<size_t>(o)]; };
  switch (p.rule) {
    case LrpRule::kZero: group({{xs, W, 1}}, b, 0.0, 1); break;
    case LrpRule::kEpsilon: group({{xs, W, 1}}, b, p.epsilon, 1); break;
    case LrpRule::kZPlus:
    case LrpRule::kAlphaBeta: {
      const double alpha = p.rule == LrpRule::kZPlus ? 1.0 : p.alpha;
      const double beta = p.rule == LrpRule::kZPlus ? 0.0 : p.beta;
      if (p.convention == LrpConvention::kCaptum) {  // weights clamped, x and b as they are
        group({{xs, wp, 1}}, b, p.stabilizer, alpha);
        if (beta != 0) group({{xs, wn, 1}}, b, p.stabilizer, -beta);
        break;
      }
      group({{xp, wp, 1}, {xn, wn, 1}}, [&](int o) { return pos(b(o)); }, p.stabilizer, alpha);
      if (beta != 0) group({{xp, wn, 1}, {xn, wp, 1}}, [&](int o) { return neg(b(o)); }, p.stabilizer, -beta);
      break;
    }
    case LrpRule::kGamma: {
      auto gp = [&](double v) { return v + p.gamma * pos(v); };  // W + γW⁺
      auto gn = [&](double v) { return v + p.gamma * neg(v); };  // W + γW⁻
      if (p.convention == LrpConvention::kCaptum) {
        group({{xs, [&](int o, int i) { return gp(W(o, i)); }, 1}}, b, p.stabilizer, 1);
        break;
      }
      // Zennit: rows with z > 0 and z < 0 (z the layer output, b included) use different terms.
      std::vector<double> z(static_cast<size_t>(out));
      for (int o = 0; o < out; ++o) {
        z[static_cast<size_t>(o)] = b(o);
        for (int i = 0; i < in; ++i)
          z[static_cast<size_t>(o)] += W(o, i) * x[static_cast<size_t>(i)];
      }
      for (int o = 0; o < out; ++o)
        rel[static_cast<size_t>(o)] =
            z[static_cast<size_t>(o)] > 0 ? r[static_cast<size_t>(o)] : 0.0;
      group(
          {{xp, [&](int o, int i) { return gp(W(o, i)); }, 1},
           {xn, [&](int o, int i) { return gn(W(o, i)); }, 1}},
          [&](int o) { return gp(b(o)); }, p.stabilizer, 1);
      for (int o = 0; o < out; ++o)
        rel[static_cast<size_t>(o)] =
            z[static_cast<size_t>(o)] < 0 ? r[static_cast<size_t>(o)] : 0.0;
      group(
          {{xp, [&](int o, int i) { return gn(W(o, i)); }, 1},
           {xn, [&](int o, int i) { return gp(W(o, i)); }, 1}},
          [&](int o) { return gn(b(o)); }, p.stabilizer, 1);
      break;
    }
    case LrpRule::kWSquare:
      group({{[](int) { return 1.0; }, [&](int o, int i) { return W(o, i) * W(o, i); }, 1}},
            [&](int o) { return b(o) * b(o); }, p.stabilizer, 1);
      break;
    case LrpRule::kFlat:
      // The Jacobian's structural zeros (positions outside a conv window) stay zero under W := 1.
      group({{[](int) { return 1.0; }, [&](int o, int i) { return W(o, i) != 0 ? 1.0 : 0.0; }, 1}},
            [](int) { return 0.0; }, p.stabilizer, 1);
      break;
    case LrpRule::kZBox:
      group({{xs, W, 1}, {[&](int) { return low; }, wp, -1}, {[&](int) { return high; }, wn, -1}},
            [](int) { return 0.0; }, p.stabilizer, 1);
      break;
  }
  return res;
}

// The engine's rule applied to output relevance e_o (backprop seeds the one-hot), for every o.
std::vector<float> engine_rule(const Model& m, const std::vector<float>& x, const Shape& shape, const LrpParams& p,
                               int o) {
  const RuleSet rules = lrp_explicit_rules(&p);
  Arena arena;
  std::vector<float> a(x.size());
  const int32_t col[1] = {o};
  const Status s = backprop(m, x.data(), shape, Target{col}, rules, arena, a.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return a;
}

struct Case {
  const char* name;
  Model model;
  Shape shape;
};

std::vector<Case> layers(bool bias, uint64_t seed) {
  std::vector<Case> cases;
  {
    Result<Model> m = Model::create(Shape{7}, {Layer::linear("l", 7, 5, bias)});
    SALIENT_ASSERT(m.ok());
    m->init_default(seed);
    cases.push_back({"linear", std::move(*m), Shape{1, 7}});
  }
  {
    Result<Model> m = Model::create(Shape{2, 9}, {Layer::conv1d("c", 2, 3, 3, 2, 1, bias), Layer::flatten("f")});
    SALIENT_ASSERT(m.ok());
    m->init_default(seed + 1);
    cases.push_back({"conv1d", std::move(*m), Shape{1, 2, 9}});
  }
  {
    Result<Model> m = Model::create(Shape{2, 5, 5},
                                    {Layer::conv2d("c", 2, 2, {3, 3}, {2, 1}, {1, 1}, bias), Layer::flatten("f")});
    SALIENT_ASSERT(m.ok());
    m->init_default(seed + 2);
    cases.push_back({"conv2d", std::move(*m), Shape{1, 2, 5, 5}});
  }
  return cases;
}

LrpParams params(LrpRule rule) {
  LrpParams p;
  p.rule = rule;
  p.epsilon = 1e-3f;  // large enough that a misplaced ε would show
  return p;
}

const LrpConvention kConventions[] = {LrpConvention::kCaptum, LrpConvention::kZennit};
const LrpRule kAllRules[] = {LrpRule::kZero,  LrpRule::kEpsilon, LrpRule::kZPlus, LrpRule::kAlphaBeta,
                             LrpRule::kGamma, LrpRule::kWSquare, LrpRule::kFlat,  LrpRule::kZBox};

TEST(LrpRules, EqualTheMatrixFormOnLinearAndConvJacobians) {
  for (bool bias : {false, true})
    for (uint64_t seed : {1u, 2u, 3u}) {
      for (Case& c : layers(bias, seed)) {
        const std::vector<float> x = uniform_values(static_cast<size_t>(c.shape.numel()), static_cast<uint32_t>(seed * 7 + 1));
        const Dense d = jacobian(c.model, c.shape);
        const double low = *std::min_element(x.begin(), x.end()), high = *std::max_element(x.begin(), x.end());
        for (LrpConvention convention : kConventions)
          for (LrpRule rule : kAllRules) {
            LrpParams p = params(rule);
            p.convention = convention;
            double worst = 0.0;
            for (int o = 0; o < d.out; ++o) {
              std::vector<double> r(static_cast<size_t>(d.out), 0.0);
              r[static_cast<size_t>(o)] = 1.0;
              worst = std::max(worst, rel_err(reference(p, d, x, r, low, high),
                                              engine_rule(c.model, x, c.shape, p, o)));
            }
            EXPECT_LT(worst, 1e-4) << c.name << " " << lrp_rule_name(rule) << " bias=" << bias
                                   << " seed=" << seed << " " << lrp_convention_name(convention);
            if (seed == 1)
              std::printf("[lrp rules] %s %s %s bias=%d: max rel err vs matrix form %.2e\n",
                          lrp_convention_name(convention), c.name, lrp_rule_name(rule), bias,
                          worst);
          }
      }
    }
}

TEST(LrpRules, ConserveRelevancePerLayerWithoutBiases) {
  // Σ R_in = R_out (= 1) for LRP-0, ε (1e-9), z⁺, αβ, γ, w², flat, zB, to float32 rounding: 1e-4.
  // z⁺ and αβ conserve only where their denominators are non-zero (lrp_rap.md §7.5): an output
  // whose contributions all share one sign has D_β = 0 and αβ then gives α·R; those are skipped.
  for (uint64_t seed : {4u, 5u, 6u})
    for (Case& c : layers(false, seed)) {
      const std::vector<float> x = uniform_values(static_cast<size_t>(c.shape.numel()), static_cast<uint32_t>(seed));
      const Dense d = jacobian(c.model, c.shape);
      for (LrpConvention convention : kConventions)
        for (LrpRule rule : kAllRules) {
          LrpParams p = params(rule);
          p.epsilon = 1e-9f;
          p.convention = convention;
          double worst = 0.0;
          int checked = 0;
          for (int o = 0; o < d.out; ++o) {
            // The denominators of z⁺/αβ: Zennit's split the products w·x by sign, Captum's the
            // weights.
            double da = 0.0, db = 0.0;
            for (int i = 0; i < d.in; ++i) {
              const double w = d.w[static_cast<size_t>(o) * d.in + i];
              const double t = w * x[static_cast<size_t>(i)];
              if (convention == LrpConvention::kZennit) {
                (t > 0 ? da : db) += t;
              } else {
                (w > 0 ? da : db) += t;
              }
            }
            if ((rule == LrpRule::kZPlus || rule == LrpRule::kAlphaBeta) && da == 0.0) continue;
            if (rule == LrpRule::kAlphaBeta && db == 0.0) continue;
            const std::vector<float> r = engine_rule(c.model, x, c.shape, p, o);
            double sum = 0.0;
            for (float v : r) sum += v;
            worst = std::max(worst, std::fabs(sum - 1.0));
            ++checked;
          }
          EXPECT_GT(checked, 0);
          EXPECT_LT(worst, 1e-4) << c.name << " " << lrp_rule_name(rule) << " "
                                 << lrp_convention_name(convention);
          if (seed == 4)
            std::printf("[lrp rules] %s %s %s: conservation |ΣR_in − 1| max %.2e\n",
                        lrp_convention_name(convention), c.name, lrp_rule_name(rule), worst);
        }
    }
}

TEST(LrpRules, IdentitiesBetweenRules) {
  for (uint64_t seed : {7u, 8u})
    for (Case& c : layers(true, seed)) {
      const std::vector<float> x = uniform_values(static_cast<size_t>(c.shape.numel()), static_cast<uint32_t>(seed));
      const int outs = static_cast<int>(model_outputs(c.model, x.data(), c.shape).size());
      LrpParams ab = params(LrpRule::kAlphaBeta), g0 = params(LrpRule::kGamma);
      ab.alpha = 1.0f;
      ab.beta = 0.0f;
      g0.gamma = 0.0f;
      for (int o = 0; o < outs; ++o) {
        // z⁺ ≡ αβ(1, 0): the same arithmetic, bit for bit.
        EXPECT_EQ(engine_rule(c.model, x, c.shape, params(LrpRule::kZPlus), o), engine_rule(c.model, x, c.shape, ab, o));
        // γ(0) ≡ LRP-0 (the 1e-9 stabiliser of γ against none: ≤ 1e-9/|z|).
        const std::vector<float> zero = engine_rule(c.model, x, c.shape, params(LrpRule::kZero), o);
        const std::vector<double> zero64(zero.begin(), zero.end());
        EXPECT_LT(rel_err(zero64, engine_rule(c.model, x, c.shape, g0, o)), 1e-5) << c.name;
      }
    }
  // γ → ∞ tends to z⁺ for x ≥ 0 where z > 0 (error ∝ 1/γ; at γ = 1e4 the reference's 2.8e-5): a bias-free
  // linear layer with positive weights in the explained row keeps z > 0.
  Result<Model> m = Model::create(Shape{6}, {Layer::linear("l", 6, 3, false)});
  ASSERT_TRUE(m.ok());
  const std::vector<float> w = uniform_values(18, 11, 0.05f, 1.0f);
  std::copy(w.begin(), w.end(), m->parameter("l.weight"));
  m->parameter("l.weight")[3] = -0.5f;  // a negative weight so γ matters
  const std::vector<float> x = uniform_values(6, 12, 0.1f, 1.0f);
  LrpParams big = params(LrpRule::kGamma);
  big.gamma = 1e4f;
  const std::vector<float> zp = engine_rule(*m, x, Shape{1, 6}, params(LrpRule::kZPlus), 0);
  const double err = rel_err(std::vector<double>(zp.begin(), zp.end()), engine_rule(*m, x, Shape{1, 6}, big, 0));
  std::printf("[lrp rules] gamma=1e4 vs z+: rel err %.2e\n", err);
  EXPECT_LT(err, 1e-3);
}

TEST(LrpRules, FlatEqualsWSquareWithUnitWeights) {
  for (uint64_t seed : {9u, 10u}) {
    Result<Model> m = Model::create(Shape{6}, {Layer::linear("l", 6, 4, true)});
    ASSERT_TRUE(m.ok());
    m->init_default(seed);
    Result<Model> ones = Model::create(Shape{6}, {Layer::linear("l", 6, 4, true)});
    ASSERT_TRUE(ones.ok());
    std::fill(ones->parameter("l.weight"), ones->parameter("l.weight") + 24, 1.0f);  // W := 1, b := 0
    const std::vector<float> x = uniform_values(6, static_cast<uint32_t>(seed));
    const std::vector<float> other = uniform_values(6, static_cast<uint32_t>(seed + 100));
    for (int o = 0; o < 4; ++o) {
      const std::vector<float> flat = engine_rule(*m, x, Shape{1, 6}, params(LrpRule::kFlat), o);
      EXPECT_EQ(flat, engine_rule(*ones, x, Shape{1, 6}, params(LrpRule::kWSquare), o));
      // w² and flat do not depend on x.
      EXPECT_EQ(flat, engine_rule(*m, other, Shape{1, 6}, params(LrpRule::kFlat), o));
      EXPECT_EQ(engine_rule(*m, x, Shape{1, 6}, params(LrpRule::kWSquare), o),
                engine_rule(*m, other, Shape{1, 6}, params(LrpRule::kWSquare), o));
    }
  }
}

TEST(LrpRules, AlphaBetaNeedsAlphaMinusBetaOne) {
  EXPECT_TRUE(check_alpha_beta(2.0f, 1.0f).ok());
  EXPECT_TRUE(check_alpha_beta(1.0f, 0.0f).ok());
  EXPECT_FALSE(check_alpha_beta(1.5f, 1.0f).ok());
  EXPECT_FALSE(check_alpha_beta(0.0f, -1.0f).ok());
  EXPECT_FALSE(lrp_rule_from_name("nope").ok());
  EXPECT_EQ(*lrp_rule_from_name("lrp0"), LrpRule::kZero);
}

}  // namespace
}  // namespace salient::explain
