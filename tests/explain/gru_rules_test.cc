// The explainer rules through a GRU (SPEC §6, §8 identity 9; salient/explain/gru_rules.h):
//  * ε-LRP with bias_factor = 1 conserves, Σ_t Σ R_x(t) + Σ R_h0 = f_c(x), on seeded GRU nets
//    (control: bias_factor = 0 does not); it equals an independent double-precision scalar
//    re-implementation of Arras et al.'s rule written here; the gates get nothing (W_in = 0 gives
//    R_x ≡ 0 although the gradient is not 0); with the gates forced (z ≡ 0, r ≡ 1) it equals ε-LRP
//    on the tanh RNN composed from elementary ops.
//  * DeepLIFT is complete through GRUs (Σ A = F(x) − F(x̄) by forward passes); gru_rule=gradient is
//    the plain gradient through the GRU times the Rescale multipliers of the rest, computed here;
//    on the fused GRU it equals DeepLIFT on the same GRU composed of elementary ops (mul's Shapley
//    split, Rescale at σ and tanh).
//  * guided backprop and deconvnet keep the GRU's exact gradient (its gates are no ReLUs).
//  * deeplift-shap is the mean of deeplift over the baselines.
#include "salient/explain/gru_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "salient/explain/backprop.h"
#include "salient/explain/deeplift.h"
#include "salient/explain/lrp.h"
#include "salient/explain/methods.h"
#include "salient/ops.h"
#include "salient/explain/equivalences.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::model_outputs;

Model make(const Shape& in, std::vector<Layer> layers, uint64_t seed) {
  Result<Model> m = Model::create(in, std::move(layers));
  SALIENT_ASSERT(m.ok());
  m->init_default(seed);
  return std::move(*m);
}

std::vector<float> run(const Model& m, const std::vector<float>& x, const Shape& shape,
                       const char* method, std::vector<Setting> settings = {},
                       const float* baseline = nullptr) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  r.baseline = baseline;
  std::vector<float> a(x.size());
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << method << ": " << s.message();
  return a;
}

double max_abs(const std::vector<float>& a) {
  double m = 0.0;
  for (float v : a) m = std::max(m, std::fabs(static_cast<double>(v)));
  return m;
}

double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return d / std::max(max_abs(b), 1e-30);
}

int argmax_row(const std::vector<float>& y, int64_t row, int64_t c) {
  int best = 0;
  for (int j = 1; j < c; ++j)
    if (y[static_cast<size_t>(row * c + j)] > y[static_cast<size_t>(row * c + best)]) best = j;
  return best;
}

// GRU nets of identity 9: bias-free readouts (a readout bias would absorb relevance).
std::vector<std::pair<Model, Shape>> conservation_nets() {
  std::vector<std::pair<Model, Shape>> nets;
  for (uint64_t s = 0; s < 4; ++s) {
    nets.emplace_back(
        make(Shape{5, 3}, {Layer::gru("g", 3, 6, false), Layer::linear("fc", 6, 3, false)}, s),
        Shape{4, 5, 3});
    nets.emplace_back(
        make(Shape{4, 2},
             {Layer::gru("g", 2, 5, true), Layer::flatten("f"), Layer::linear("fc", 20, 2, false)},
             10 + s),
        Shape{3, 4, 2});
    nets.emplace_back(
        make(Shape{7, 4},
             {Layer::gru("g", 4, 8, false), Layer::tanh("t"), Layer::linear("fc", 8, 3, false)},
             20 + s),
        Shape{2, 7, 4});
  }
  return nets;
}

// Explicit ε-LRP (ε = 1e-9) with the GRU rule: R_x and Σ R_h0 for R_out = y_c, and y_c.
struct GruLrp {
  std::vector<float> r_x, r_h0, y_c;
};
GruLrp gru_lrp(const Model& m, const std::vector<float>& x, const Shape& shape, float bias_factor) {
  const size_t n = static_cast<size_t>(shape[0]);
  GruLrp out{std::vector<float>(x.size()), std::vector<float>(n), std::vector<float>(n)};
  GruLrpParams gp;
  gp.bias_factor = bias_factor;
  Arena arena;
  const Status s = gru_epsilon_relevance(m, x.data(), shape, Target{}, gp, arena, out.r_x.data(),
                                         out.r_h0.data(), out.y_c.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

// max_n |Σ R_x + Σ R_h0 − y_c| / max_n (Σ |R_x| + |R_h0|): the float32 rounding of a sum scales
// with the magnitudes of its terms, and ε-LRP's relevances can exceed y_c by far where a sum in
// the GRU nearly cancels (h = (1 − z)n + z·h_{t−1} ≈ 0 makes u/stab(h) large).
double conservation_error(const GruLrp& l, int64_t per) {
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < l.y_c.size(); ++i) {
    double sum = l.r_h0[i], magnitude = std::fabs(l.r_h0[i]);
    for (int64_t j = 0; j < per; ++j)
      sum += l.r_x[i * per + j], magnitude += std::fabs(l.r_x[i * per + j]);
    worst = std::max(worst, std::fabs(sum - l.y_c[i]));
    scale = std::max(scale, magnitude);
  }
  return worst / scale;
}

// Tolerance 1e-5 relative to Σ|R| (see conservation_error): exact in real arithmetic; float32
// rounding of ~1e-7 per term over the steps, measured 1.4e-7 (2.4e-7 with SALIENT_MAX_ISA=scalar),
// printed. Σ|R| reaches 800·|y_c| on these nets, so relative to y_c the error reaches 1.3e-5.
TEST(GruRules, EpsilonLrpConservesWithBiasFactorOne) {
  double worst = 0.0, control = 1e30;
  for (const auto& [model, shape] : conservation_nets()) {
    const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 7);
    const int64_t per = shape.numel() / shape[0];
    const GruLrp one = gru_lrp(model, x, shape, 1.0f);
    worst = std::max(worst, conservation_error(one, per));
    control = std::min(control, conservation_error(gru_lrp(model, x, shape, 0.0f), per));
    // The registered method runs the same rules (explicit form because of the GRU).
    EXPECT_LT(rel_diff(run(model, x, shape, "lrp-epsilon", {{"bias_factor", "1"}}), one.r_x), 1e-6);
  }
  std::printf(
      "GRU ε-LRP conservation (bias_factor 1): %.2e; bias_factor 0 (control): at least %.2e\n",
      worst, control);
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(control, 1e-2);
}

// An independent scalar GRU ε-LRP in double (Arras et al.'s lrp_linear on PyTorch's equations),
// for a GRU(last) → linear(no bias) net, explained at column c of sample b.
struct TinyGru {
  int t, in, h;
  const float *w_ih, *w_hh, *b_ih, *b_hh;
};
std::vector<double> oracle_lrp(const TinyGru& g, const float* w_out, int c, const float* x,
                               double bf) {
  const double eps = 1e-9;
  auto stab = [&](double z) { return z >= 0 ? z + eps : z - eps; };
  auto sgn = [](double z) { return z >= 0 ? 1.0 : -1.0; };
  const int H = g.h, I = g.in;
  std::vector<std::vector<double>> hs(g.t + 1, std::vector<double>(H, 0.0)), r(g.t), z(g.t), n(g.t),
      m(g.t), pre(g.t);
  for (int s = 0; s < g.t; ++s) {
    r[s].resize(H), z[s].resize(H), n[s].resize(H), m[s].resize(H), pre[s].resize(H);
    for (int j = 0; j < H; ++j) {
      double gi[3], gh[3];
      for (int q = 0; q < 3; ++q) {
        gi[q] = g.b_ih[q * H + j];
        gh[q] = g.b_hh[q * H + j];
        for (int i = 0; i < I; ++i) gi[q] += g.w_ih[(q * H + j) * I + i] * x[s * I + i];
        for (int k = 0; k < H; ++k) gh[q] += g.w_hh[(q * H + j) * H + k] * hs[s][k];
      }
      r[s][j] = 1 / (1 + std::exp(-(gi[0] + gh[0])));
      z[s][j] = 1 / (1 + std::exp(-(gi[1] + gh[1])));
      m[s][j] = gh[2];
      pre[s][j] = gi[2] + r[s][j] * m[s][j];
      n[s][j] = std::tanh(pre[s][j]);
      hs[s + 1][j] = (1 - z[s][j]) * n[s][j] + z[s][j] * hs[s][j];
    }
  }
  double y = 0;
  for (int j = 0; j < H; ++j) y += w_out[c * H + j] * hs[g.t][j];
  std::vector<double> rh(H), rx(static_cast<size_t>(g.t) * I, 0.0);
  for (int j = 0; j < H; ++j)
    rh[j] = w_out[c * H + j] * hs[g.t][j] / stab(y) * y;  // ε on the readout
  for (int s = g.t - 1; s >= 0; --s) {
    std::vector<double> rn(H), rp(H), rm(H);
    double spread = 0;  // h = (1 − z) n + z h_prev, D = 2H
    for (int j = 0; j < H; ++j) {
      const double hj = (1 - z[s][j]) * n[s][j] + z[s][j] * hs[s][j];
      rn[j] = (1 - z[s][j]) * n[s][j] / stab(hj) * rh[j];
      rp[j] = z[s][j] * hs[s][j] / stab(hj) * rh[j];
      spread += bf * eps * sgn(hj) / stab(hj) * rh[j] / (2 * H);
    }
    for (int j = 0; j < H; ++j) rn[j] += spread, rp[j] += spread;
    spread = 0;  // pre = W_in x + b_in + r m, D = I + H
    for (int k = 0; k < H; ++k) {
      for (int i = 0; i < I; ++i)
        rx[s * I + i] += g.w_ih[(2 * H + k) * I + i] * x[s * I + i] / stab(pre[s][k]) * rn[k];
      rm[k] = r[s][k] * m[s][k] / stab(pre[s][k]) * rn[k];
      spread += bf * (g.b_ih[2 * H + k] + eps * sgn(pre[s][k])) / stab(pre[s][k]) * rn[k] / (I + H);
    }
    for (int i = 0; i < I; ++i) rx[s * I + i] += spread;
    for (int k = 0; k < H; ++k) rm[k] += spread;
    spread = 0;  // m = W_hn h_prev + b_hn, D = H
    for (int k = 0; k < H; ++k) {
      for (int j = 0; j < H; ++j)
        rp[j] += g.w_hh[(2 * H + k) * H + j] * hs[s][j] / stab(m[s][k]) * rm[k];
      spread += bf * (g.b_hh[2 * H + k] + eps * sgn(m[s][k])) / stab(m[s][k]) * rm[k] / H;
    }
    for (int j = 0; j < H; ++j) rh[j] = rp[j] + spread;
  }
  return rx;
}

// Tolerance 1e-5 relative to the largest |R_x|: float32 vs double through 4 steps (~1e-6 measured).
TEST(GruRules, EpsilonLrpMatchesAnIndependentScalarImplementation) {
  const int T = 4, I = 2, H = 3, C = 2;
  const Model model =
      make(Shape{T, I}, {Layer::gru("g", I, H, false), Layer::linear("fc", H, C, false)}, 3);
  const Shape shape{2, T, I};
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 11, -2.0f, 2.0f);
  const TinyGru g{T,
                  I,
                  H,
                  model.parameter("g.weight_ih_l0"),
                  model.parameter("g.weight_hh_l0"),
                  model.parameter("g.bias_ih_l0"),
                  model.parameter("g.bias_hh_l0")};
  const std::vector<float> y = model_outputs(model, x.data(), shape);
  for (float bf : {0.0f, 1.0f}) {
    const GruLrp got = gru_lrp(model, x, shape, bf);
    std::vector<float> want;
    for (int b = 0; b < 2; ++b) {
      const std::vector<double> rx = oracle_lrp(g, model.parameter("fc.weight"),
                                                argmax_row(y, b, C), x.data() + b * T * I, bf);
      want.insert(want.end(), rx.begin(), rx.end());
    }
    const double e = rel_diff(got.r_x, want);
    std::printf("GRU ε-LRP vs scalar double oracle, bias_factor %g: %.2e\n", bf, e);
    EXPECT_LT(e, 1e-5);
  }
}

TEST(GruRules, GateInputsGetNoRelevance) {
  // W_in = 0: x reaches the output only through the gates r and z, so R_x is exactly 0
  // (bias_factor 0), while the gradient (control) is not.
  Model model =
      make(Shape{5, 3},
           {Layer::gru("g", 3, 4, true), Layer::flatten("f"), Layer::linear("fc", 20, 2)}, 5);
  std::fill_n(model.parameter("g.weight_ih_l0") + 2 * 4 * 3, 4 * 3, 0.0f);
  const Shape shape{3, 5, 3};
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 2);
  EXPECT_EQ(max_abs(run(model, x, shape, "lrp-epsilon")), 0.0);
  EXPECT_EQ(max_abs(run(model, x, shape, "lrp-zplus")), 0.0);
  EXPECT_GT(max_abs(run(model, x, shape, "input-x-gradient")), 1e-3);
}

// ε-LRP over a sum y = a + b (test-local): R_a = a/stab(y)·R, R_b = b/stab(y)·R, ε = 1e-9.
void lrp_sum(const Node& node, BackwardContext& ctx, const void*) {
  const float* a = ctx.input(node, 0).data;
  const float* b = ctx.input(node, 1).data;
  const float* r = ctx.grad_out(node);
  float* ra = ctx.grad_in(node, 0);
  float* rb = ctx.grad_in(node, 1);
  for (int64_t i = 0; i < ctx.output(node).shape.numel(); ++i) {
    const float y = a[i] + b[i];
    const float q = r[i] / (y >= 0.0f ? y + 1e-9f : y - 1e-9f);
    if (ra) ra[i] += a[i] * q;
    if (rb) rb[i] += b[i] * q;
  }
}

// Tolerance 1e-5 relative: the two graphs round differently (the GRU's fused gate kernel vs
// separate linear and add nodes), ~1e-7 per step; z = σ(−50) ≈ 2e-22 is not exactly 0.
TEST(GruRules, EpsilonLrpWithForcedGatesEqualsTheTanhRnn) {
  const int T = 6, I = 3, H = 5, C = 3;
  Model model = make(Shape{T, I}, {Layer::gru("g", I, H, false), Layer::linear("fc", H, C)}, 8);
  float* b_ih = model.parameter("g.bias_ih_l0");
  std::fill_n(b_ih, H, 50.0f);       // r = σ(≥ 45) = 1
  std::fill_n(b_ih + H, H, -50.0f);  // z = σ(≤ −45) ≈ 0
  const Shape shape{4, T, I};
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 4);
  const std::vector<float> gru = run(model, x, shape, "lrp-epsilon");

  // h_t = tanh(W_in x_t + b_in + W_hn h_{t−1} + b_hn), h_0 = 0, y = W_o h_T + b_o.
  Arena arena;
  Graph g(arena, GraphOptions{});
  const Tensor in = g.input(x.data(), shape, true);
  const Tensor w_in = g.param(model.parameter("g.weight_ih_l0") + 2 * H * I, Shape{H, I});
  const Tensor b_in = g.param(model.parameter("g.bias_ih_l0") + 2 * H, Shape{H});
  const Tensor w_hn = g.param(model.parameter("g.weight_hh_l0") + 2 * H * H, Shape{H, H});
  const Tensor b_hn = g.param(model.parameter("g.bias_hh_l0") + 2 * H, Shape{H});
  const std::vector<float> zeros(static_cast<size_t>(4 * H), 0.0f);
  Tensor h = g.input(zeros.data(), Shape{4, H});
  for (int t = 0; t < T; ++t)
    h = tanh(g, add(g, linear(g, time_step(g, in, t), w_in, &b_in), linear(g, h, w_hn, &b_hn)));
  const Tensor fc_w = g.param(model.parameter("fc.weight"), Shape{C, H});
  const Tensor fc_b = g.param(model.parameter("fc.bias"), Shape{C});
  const Tensor y = linear(g, h, fc_w, &fc_b);
  ASSERT_TRUE(g.ok()) << g.status().message();
  LrpParams eps;
  RuleSet rules = lrp_explicit_rules(&eps);
  rules.set(OpKind::kAdd, Rule{lrp_sum, nullptr, "lrp-sum"});
  std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
  std::vector<float> yc(4);
  for (int b = 0; b < 4; ++b) {
    const int c = argmax_row(std::vector<float>(y.data, y.data + y.numel()), b, C);
    seed[static_cast<size_t>(b * C + c)] = 1.0f;
    yc[static_cast<size_t>(b)] = y.data[b * C + c];
  }
  ASSERT_TRUE(g.backward(y, seed.data(), rules).ok());
  std::vector<float> rnn(x.size());
  for (size_t i = 0; i < x.size(); ++i) rnn[i] = g.grad(in)[i] * yc[i / (T * I)];
  const double e = rel_diff(gru, rnn);
  std::printf("GRU with forced gates vs tanh RNN, ε-LRP: %.2e\n", e);
  EXPECT_LT(e, 1e-5);
}

std::vector<std::pair<Model, Shape>> deeplift_nets() {
  std::vector<std::pair<Model, Shape>> nets;
  for (uint64_t s = 0; s < 3; ++s) {
    nets.emplace_back(
        make(Shape{6, 3}, {Layer::gru("g", 3, 7, false), Layer::linear("fc", 7, 3)}, s),
        Shape{4, 6, 3});
    nets.emplace_back(
        make(Shape{5, 2},
             {Layer::gru("g", 2, 4, true), Layer::flatten("f"), Layer::linear("l1", 20, 6),
              Layer::relu("r"), Layer::linear("l2", 6, 2)},
             30 + s),
        Shape{3, 5, 2});
    nets.emplace_back(
        make(Shape{8, 4},
             {Layer::gru("g", 4, 5, false, false), Layer::tanh("t"), Layer::linear("fc", 5, 3)},
             40 + s),
        Shape{2, 8, 4});
  }
  return nets;
}

// |Σ A − ΔF| / max(|ΔF|, |F(x)_c|, |F(x̄)_c|) over the batch, ΔF = F(x)_c − F(x̄)_c: ΔF is known
// only to the float32 rounding of the two outputs it cancels (|ΔF| reaches 2e-4 here, next to
// outputs ~0.3), so the error is relative to the largest of the three.
double completeness_error(const Model& m, const std::vector<float>& x,
                          const std::vector<float>& ref, const Shape& shape,
                          const std::vector<float>& a) {
  const std::vector<float> fx = model_outputs(m, x.data(), shape), fr = model_outputs(m, ref.data(), shape);
  const int64_t n = shape[0], c = static_cast<int64_t>(fx.size()) / n, per = shape.numel() / n;
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const int col = argmax_row(fx, i, c);
    double sum = 0.0;
    for (int64_t j = 0; j < per; ++j) sum += a[static_cast<size_t>(i * per + j)];
    const double df = static_cast<double>(fx[static_cast<size_t>(i * c + col)]) -
                      fr[static_cast<size_t>(i * c + col)];
    const double scale =
        std::max({std::fabs(df), std::fabs(double{fx[static_cast<size_t>(i * c + col)]}),
                  std::fabs(double{fr[static_cast<size_t>(i * c + col)]})});
    worst = std::max(worst, std::fabs(sum - df) / scale);
  }
  return worst;
}

// Tolerance 1e-5 relative (the bound of the issue): exact Δ-identities in float32, whose rounding
// (a few 1e-8 absolute, measured) is far below it.
TEST(GruRules, DeepLiftIsCompleteThroughGrus) {
  double worst = 0.0, control = 0.0;
  for (const auto& [model, shape] : deeplift_nets()) {
    const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 1);
    const std::vector<float> ref = uniform_values(static_cast<size_t>(shape.numel()), 2);
    const std::vector<float> zero(x.size(), 0.0f);
    for (const std::vector<float>* b : {&zero, &ref}) {
      worst = std::max(worst, completeness_error(model, x, *b, shape,
                                                 run(model, x, shape, "deeplift", {}, b->data())));
      control = std::max(control, completeness_error(model, x, *b, shape,
                                                     run(model, x, shape, "deeplift",
                                                         {{"gru_rule", "gradient"}}, b->data())));
    }
  }
  std::printf("DeepLIFT completeness through GRUs: %.2e (gru_rule=gradient, control: %.2e)\n",
              worst, control);
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(control, 1e-2);
}

// The GRU of `m` (layer "g", last step) then its linear "fc", composed of elementary ops on the
// graph, with 1 − z = σ(−a_z): r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), likewise z and 1 − z,
// n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
Tensor composed_gru_classifier(Graph& g, const Model& m, const Tensor& x, int h_size, int c_size,
                               std::vector<std::vector<float>>* keep) {
  const int64_t rows = x.shape[0], steps = x.shape[1], in = x.shape[2];
  const float* w_ih = m.parameter("g.weight_ih_l0");
  const float* w_hh = m.parameter("g.weight_hh_l0");
  const float* b_ih = m.parameter("g.bias_ih_l0");
  const float* b_hh = m.parameter("g.bias_hh_l0");
  auto block = [&](const float* p, int gate, int64_t cols, float sign) {
    keep->emplace_back(p + gate * h_size * cols, p + (gate + 1) * h_size * cols);
    for (float& v : keep->back()) v *= sign;
    return g.param(keep->back().data(), cols == 1 ? Shape{h_size} : Shape{h_size, cols});
  };
  keep->reserve(64);
  keep->emplace_back(static_cast<size_t>(rows * h_size), 0.0f);
  Tensor h = g.input(keep->back().data(), Shape{rows, h_size});
  auto gate = [&](const Tensor& xt, int k, float sign) {
    const Tensor wi = block(w_ih, k, in, sign), bi = block(b_ih, k, 1, sign);
    const Tensor wh = block(w_hh, k, h_size, sign), bh = block(b_hh, k, 1, sign);
    return sigmoid(g, add(g, linear(g, xt, wi, &bi), linear(g, h, wh, &bh)));
  };
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor xt = time_step(g, x, t);
    const Tensor r = gate(xt, 0, 1.0f), z = gate(xt, 1, 1.0f), one_minus_z = gate(xt, 1, -1.0f);
    const Tensor wn = block(w_ih, 2, in, 1.0f), bn = block(b_ih, 2, 1, 1.0f);
    const Tensor whn = block(w_hh, 2, h_size, 1.0f), bhn = block(b_hh, 2, 1, 1.0f);
    const Tensor n = tanh(g, add(g, linear(g, xt, wn, &bn), mul(g, r, linear(g, h, whn, &bhn))));
    h = add(g, mul(g, one_minus_z, n), mul(g, z, h));
  }
  const Tensor fc_w = g.param(m.parameter("fc.weight"), Shape{c_size, h_size});
  const Tensor fc_b = g.param(m.parameter("fc.bias"), Shape{c_size});
  return linear(g, h, fc_w, &fc_b);
}

// A reference x̄ for which every gate r, z differs from x's by at least 1e-2 at every step: Rescale's
// Δσ/Δa amplifies the float32 rounding of σ by 1/|Δσ|, and the fused and the elementary graphs round
// σ differently (a plain random reference here had |Δσ| = 4e-5, i.e. 1e-3 relative noise).
std::vector<float> reference_with_distinct_gates(const Model& m, const std::vector<float>& x, const Shape& shape,
                                                 int h) {
  const int n = static_cast<int>(shape[0]), steps = static_cast<int>(shape[1]);
  for (uint32_t seed = 13; seed < 10013; ++seed) {
    std::vector<float> both = x;
    const std::vector<float> ref = uniform_values(x.size(), seed, -0.5f, 0.5f);
    both.insert(both.end(), ref.begin(), ref.end());
    Arena arena;
    Graph g(arena, GraphOptions{});
    Shape doubled = shape;
    doubled[0] = 2 * n;
    m.forward(g, g.input(both.data(), doubled));
    double closest = 1.0;
    for (int k = 0; k < g.node_count(); ++k)
      if (g.node(k).kind == OpKind::kGru)
        for (int s = 0; s < steps; ++s)
          for (int b = 0; b < n; ++b)
            for (int j = 0; j < 2 * h; ++j)
              closest = std::min(closest, std::fabs(double{gru_saved_gates(g.node(k).saved, s, b, 2 * n, h)[j]} -
                                                    gru_saved_gates(g.node(k).saved, s, b + n, 2 * n, h)[j]));
    if (closest >= 1e-2) return ref;
  }
  ADD_FAILURE() << "no reference with distinct gates";
  return x;
}

// Tolerance 1e-5 relative: the fused rule and the elementary rules compute the same multipliers
// (the Shapley split at mul nodes, Rescale at σ(−a_z) = 1 − z) in a different float32 order, with
// every |Δσ| >= 1e-2 (rounding ~6e-8/1e-2 per gate multiplier).
TEST(GruRules, DeepLiftOnTheFusedGruEqualsTheComposedGru) {
  const int T = 4, I = 3, H = 3, C = 3;
  const Model model =
      make(Shape{T, I}, {Layer::gru("g", I, H, false), Layer::linear("fc", H, C)}, 17);
  const Shape shape{2, T, I};
  const int64_t total = shape.numel();
  const std::vector<float> x = uniform_values(static_cast<size_t>(total), 12);
  const std::vector<float> ref = reference_with_distinct_gates(model, x, shape, H);
  const std::vector<float> fused = run(model, x, shape, "deeplift", {}, ref.data());

  std::vector<float> both = x;
  both.insert(both.end(), ref.begin(), ref.end());
  std::vector<std::vector<float>> keep;
  Arena arena;
  Graph g(arena, GraphOptions{});
  const Tensor in = g.input(both.data(), Shape{4, T, I}, true);
  const Tensor y = composed_gru_classifier(g, model, in, H, C, &keep);
  ASSERT_TRUE(g.ok()) << g.status().message();
  std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
  const std::vector<float> fx = model_outputs(model, x.data(), shape),
                           fr = model_outputs(model, ref.data(), shape);
  std::vector<double> delta_f(2);
  for (int b = 0; b < 2; ++b) {
    const int c = argmax_row(fx, b, C);
    seed[static_cast<size_t>(b * C + c)] = 1.0f;
    delta_f[static_cast<size_t>(b)] = static_cast<double>(fx[static_cast<size_t>(b * C + c)]) -
                                      fr[static_cast<size_t>(b * C + c)];
  }
  ASSERT_TRUE(g.backward(y, seed.data(), deeplift_rules()).ok());
  std::vector<float> composed(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i)
    composed[static_cast<size_t>(i)] =
        (x[static_cast<size_t>(i)] - ref[static_cast<size_t>(i)]) * g.grad(in)[i];
  const double e = rel_diff(composed, fused);
  std::printf("DeepLIFT, fused GRU vs GRU of elementary ops: %.2e\n", e);
  EXPECT_LT(e, 1e-5);
  // The composed GRU is complete too (outputs are O(1), so 1e-5 absolute is 1e-5 relative).
  for (int b = 0; b < 2; ++b) {
    double sum = 0.0;
    for (int64_t j = 0; j < T * I; ++j) sum += composed[static_cast<size_t>(b * T * I + j)];
    EXPECT_NEAR(sum, delta_f[static_cast<size_t>(b)], 1e-5) << b;
  }
}

// The GRU alone, with the parameters of `full`'s layer "g".
Model gru_alone(const Model& full, const Shape& in, int i, int h) {
  Model m = make(in, {Layer::gru("g", i, h, false)}, 0);
  const std::pair<const char*, int> params[] = {{"g.weight_ih_l0", 3 * h * i},
                                                {"g.weight_hh_l0", 3 * h * h},
                                                {"g.bias_ih_l0", 3 * h},
                                                {"g.bias_hh_l0", 3 * h}};
  for (const auto& [name, count] : params)
    std::copy_n(full.parameter(name), count, m.parameter(name));
  return m;
}

// Jᵀ·seed of the GRU alone at x (the exact gradient backward seeded with `seed` [N, H]).
std::vector<float> gru_vjp(const Model& gru, const std::vector<float>& x, const Shape& shape,
                           const std::vector<float>& seed) {
  Arena arena;
  Graph g(arena, GraphOptions{});
  const Tensor in = g.input(x.data(), shape, true);
  const Tensor y = gru.forward(g, in);
  EXPECT_TRUE(g.ok() && g.backward(y, seed.data(), gradient_rules()).ok());
  return std::vector<float>(g.grad(in), g.grad(in) + in.numel());
}

// Tolerance 1e-5 relative: the same float32 gradient computed by two graphs.
TEST(GruRules, DeepLiftGruRuleGradientIsThePlainGradientThroughTheGru) {
  const int T = 5, I = 3, H = 6, K = 4, C = 3;
  const Model model = make(Shape{T, I},
                           {Layer::gru("g", I, H, false), Layer::linear("l1", H, K),
                            Layer::relu("r"), Layer::linear("l2", K, C)},
                           9);
  const Shape shape{3, T, I};
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 5);
  const std::vector<float> ref = uniform_values(static_cast<size_t>(shape.numel()), 6, -0.5f, 0.5f);
  const Model gru = gru_alone(model, Shape{T, I}, I, H);
  const std::vector<float> hx = model_outputs(gru, x.data(), shape), hr = model_outputs(gru, ref.data(), shape);
  const std::vector<float> fx = model_outputs(model, x.data(), shape);
  const float* w1 = model.parameter("l1.weight");
  const float* b1 = model.parameter("l1.bias");
  const float* w2 = model.parameter("l2.weight");
  std::vector<float> m_h(static_cast<size_t>(3 * H),
                         0.0f);  // Rescale multipliers at the GRU output
  for (int b = 0; b < 3; ++b) {
    const int c = argmax_row(fx, b, C);
    for (int k = 0; k < K; ++k) {
      double z = b1[k], zr = b1[k];
      for (int j = 0; j < H; ++j)
        z += w1[k * H + j] * hx[b * H + j], zr += w1[k * H + j] * hr[b * H + j];
      const double slope =
          std::fabs(z - zr) < 1e-10 ? (z > 0) : (std::max(z, 0.0) - std::max(zr, 0.0)) / (z - zr);
      for (int j = 0; j < H; ++j)
        m_h[static_cast<size_t>(b * H + j)] +=
            static_cast<float>(w2[c * K + k] * slope * w1[k * H + j]);
    }
  }
  const std::vector<float> grad = gru_vjp(gru, x, shape, m_h);
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = (x[i] - ref[i]) * grad[i];
  const double e =
      rel_diff(run(model, x, shape, "deeplift", {{"gru_rule", "gradient"}}, ref.data()), want);
  const double control = rel_diff(run(model, x, shape, "deeplift", {}, ref.data()), want);
  std::printf(
      "deeplift gru_rule=gradient vs Rescale-multipliers × GRU gradient: %.2e (rescale: %.2e)\n", e,
      control);
  EXPECT_LT(e, 1e-5);
  EXPECT_GT(control, 1e-3);
}

// Tolerance 1e-6 relative: the same gradient backward through the same GRU kernels.
TEST(GruRules, GuidedBackpropAndDeconvnetKeepTheGruGradient) {
  const int T = 4, I = 2, H = 6, C = 3;
  const Model model = make(
      Shape{T, I}, {Layer::gru("g", I, H, false), Layer::relu("r"), Layer::linear("fc", H, C)}, 12);
  const Shape shape{3, T, I};
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 8);
  const Model gru = gru_alone(model, Shape{T, I}, I, H);
  const std::vector<float> h = model_outputs(gru, x.data(), shape), y = model_outputs(model, x.data(), shape);
  const float* w = model.parameter("fc.weight");
  std::vector<float> guided(static_cast<size_t>(3 * H)), deconv(guided.size());
  int negative = 0;
  for (int b = 0; b < 3; ++b) {
    const int c = argmax_row(y, b, C);
    for (int j = 0; j < H; ++j) {
      const float g = w[c * H + j];  // the signal at the ReLU's output
      negative += g < 0.0f;
      guided[static_cast<size_t>(b * H + j)] =
          h[static_cast<size_t>(b * H + j)] > 0.0f && g > 0.0f ? g : 0.0f;
      deconv[static_cast<size_t>(b * H + j)] = std::max(g, 0.0f);
    }
  }
  ASSERT_GT(negative, 0);  // else guided backprop would be the gradient
  EXPECT_LT(rel_diff(run(model, x, shape, "guided-backprop"), gru_vjp(gru, x, shape, guided)),
            1e-6);
  EXPECT_LT(rel_diff(run(model, x, shape, "deconvnet"), gru_vjp(gru, x, shape, deconv)), 1e-6);
}

Status run_shap(const Model& m, const std::vector<float>& x, const Shape& shape,
                const std::vector<float>& set, const Shape& set_shape, std::vector<float>* a,
                std::vector<Setting> settings = {}) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  r.baselines = set.empty() ? nullptr : set.data();
  r.baselines_shape = set_shape;
  a->assign(x.size(), 0.0f);
  Arena arena;
  return run_method("deeplift-shap", r, arena, a->data());
}

// Tolerance 1e-6 relative: the same deeplift runs, averaged in double vs summed here in double.
TEST(GruRules, DeepLiftShapAveragesDeepLiftOverTheBaselines) {
  const auto nets = deeplift_nets();
  const auto& [model, shape] = nets[1];
  const int64_t n = shape[0], per = shape.numel() / n, B = 3;
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 3);
  const std::vector<float> set = uniform_values(static_cast<size_t>(B * per), 4, -0.5f, 0.5f);
  Shape set_shape = shape;
  set_shape[0] = B;
  for (const char* rule : {"rescale", "gradient"}) {
    std::vector<float> a;
    ASSERT_TRUE(run_shap(model, x, shape, set, set_shape, &a, {{"gru_rule", rule}}).ok());
    std::vector<double> mean(x.size(), 0.0);
    std::vector<double> f_mean(static_cast<size_t>(n), 0.0);
    const std::vector<float> fx = model_outputs(model, x.data(), shape);
    const int64_t c = static_cast<int64_t>(fx.size()) / n;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> tiled;
      for (int64_t i = 0; i < n; ++i)
        tiled.insert(tiled.end(), set.begin() + b * per, set.begin() + (b + 1) * per);
      const std::vector<float> one =
          run(model, x, shape, "deeplift", {{"gru_rule", rule}}, tiled.data());
      for (size_t i = 0; i < x.size(); ++i) mean[i] += one[i] / static_cast<double>(B);
      const std::vector<float> fb = model_outputs(model, tiled.data(), shape);
      for (int64_t i = 0; i < n; ++i)
        f_mean[static_cast<size_t>(i)] +=
            fb[static_cast<size_t>(i * c + argmax_row(fx, i, c))] / static_cast<double>(B);
    }
    EXPECT_LT(rel_diff(a, std::vector<float>(mean.begin(), mean.end())), 1e-6) << rule;
    if (std::string(rule) == "rescale")
      for (int64_t i = 0; i < n; ++i) {  // Σ A = F(x)_c − mean_b F(b)_c
        double sum = 0.0;
        for (int64_t j = 0; j < per; ++j) sum += a[static_cast<size_t>(i * per + j)];
        const double df =
            fx[static_cast<size_t>(i * c + argmax_row(fx, i, c))] - f_mean[static_cast<size_t>(i)];
        EXPECT_NEAR(sum, df, 1e-5 * std::fabs(df)) << "sample " << i;
      }
  }
}

TEST(GruRules, BadSettingsAndBaselineSetsAreErrors) {
  const auto nets = deeplift_nets();
  const auto& [model, shape] = nets[0];
  const int64_t per = shape.numel() / shape[0];
  const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 3);
  std::vector<float> a;
  Shape one_shape = shape, two_shape = shape;
  one_shape[0] = 1;
  two_shape[0] = 2;
  const Status missing = run_shap(model, x, shape, {}, Shape{}, &a);
  EXPECT_NE(std::string(missing.message()).find("--baselines"), std::string::npos)
      << missing.message();
  const Status one =
      run_shap(model, x, shape, std::vector<float>(static_cast<size_t>(per)), one_shape, &a);
  EXPECT_NE(std::string(one.message()).find("at least 2 baselines"), std::string::npos)
      << one.message();
  const Status rule = run_shap(model, x, shape, std::vector<float>(static_cast<size_t>(2 * per)),
                               two_shape, &a, {{"gru_rule", "exact"}});
  EXPECT_NE(std::string(rule.message()).find("gru_rule=exact"), std::string::npos)
      << rule.message();
  Request r;
  r.model = &model;
  r.x = x.data();
  r.shape = shape;
  r.settings = {{"bias_factor", "-1"}};
  Arena arena;
  a.assign(x.size(), 0.0f);
  const Status bf = run_method("lrp-zplus", r, arena, a.data());
  EXPECT_NE(std::string(bf.message()).find("bias_factor"), std::string::npos) << bf.message();
}

}  // namespace
}  // namespace salient::explain
