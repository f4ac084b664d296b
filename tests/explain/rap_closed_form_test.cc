// RAP (salient/explain/rap.h) against a float64 closed-form re-derivation of the reference code's
// propagation (reference/lrp_rap.md §1, with the linear variant of the relevant-neuron criterion on
// every layer, docs/rules.md "RAP"), written here as scalar loops over each layer's weight matrix
// (a conv's Jacobian matrix, built index by index): the target layer's contributions, bias split
// and absolute influence normalisation; both branches of the criterion with their uniform shifts;
// zB with the global min/max at the first layer.
//
// Tolerance: the engine runs in float32, the reference in float64; each relevance is a few dozen
// products per layer through three layers, a division per output and one shift per sample, so
// 1e-4 relative to the largest |R| covers float32 rounding with margin (measured ~1e-6, printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "salient/explain/rap.h"

namespace salient::explain {
namespace {

constexpr double kTolerance = 1e-4;

double safe_div(double a, double b) { return b != 0.0 ? a / b : 0.0; }

// z = W a + b with W [out][in] row-major; `relu` or `tanh` applied after (the layer's activation).
enum class After { kNone, kRelu, kTanh };
struct Dense {
  int in, out;
  std::vector<double> w, b;
  After after;
  double at(int k, int j) const { return w[static_cast<size_t>(k * in + j)]; }
};

Dense linear_of(const Model& m, const char* name, int in, int out, After after) {
  Dense d{in, out, {}, {}, after};
  const float* w = m.parameter((std::string(name) + ".weight").c_str());
  const float* b = m.parameter((std::string(name) + ".bias").c_str());
  d.w.assign(w, w + in * out);
  d.b.assign(b, b + out);
  return d;
}

// The Jacobian matrix of a conv2d (stride 1) on c_in×h×w inputs with kernel k and padding p, and
// its bias per output element.
Dense conv_of(const Model& m, const char* name, int c_in, int h, int w, int c_out, int k, int p,
              After after) {
  const int oh = h + 2 * p - k + 1, ow = w + 2 * p - k + 1;
  Dense d{c_in * h * w, c_out * oh * ow, {}, {}, after};
  d.w.assign(static_cast<size_t>(d.in * d.out), 0.0);
  const float* wt = m.parameter((std::string(name) + ".weight").c_str());
  const float* bs = m.parameter((std::string(name) + ".bias").c_str());
  for (int o = 0; o < c_out; ++o)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j) {
        const int row = (o * oh + i) * ow + j;
        d.b.push_back(bs[o]);
        for (int c = 0; c < c_in; ++c)
          for (int u = 0; u < k; ++u)
            for (int v = 0; v < k; ++v) {
              const int y = i + u - p, x = j + v - p;
              if (y < 0 || y >= h || x < 0 || x >= w) continue;
              d.w[static_cast<size_t>(row * d.in + (c * h + y) * w + x)] =
                  wt[((o * c_in + c) * k + u) * k + v];
            }
      }
  return d;
}

// The reference code's first propagation for target c: r_j = x_j w_cj plus the bias shares, then
// R_j = |r_j| Σr / Σ|r|.
std::vector<double> target_layer(const Dense& d, const std::vector<double>& x, int c) {
  double z1 = 0, z2 = 0, z3 = 0, z4 = 0;
  for (int j = 0; j < d.in; ++j) {
    const double xp = std::max(x[j], 0.0), xn = std::min(x[j], 0.0);
    const double wp = std::max(d.at(c, j), 0.0), wn = std::min(d.at(c, j), 0.0);
    z1 += xp * wp, z2 += xp * wn, z3 += xn * wp, z4 += xn * wn;
  }
  const double pos = z1 + z4, neg = z2 + z3;
  const double bp = d.b[c] * safe_div(pos, pos + neg), bn = d.b[c] * safe_div(neg, pos + neg);
  std::vector<double> r(static_cast<size_t>(d.in));
  double sum = 0, abs_sum = 0;
  for (int j = 0; j < d.in; ++j) {
    const double xp = std::max(x[j], 0.0);
    r[j] = x[j] * d.at(c, j) + xp * std::max(d.at(c, j), 0.0) * safe_div(bp, z1) +
           xp * std::min(d.at(c, j), 0.0) * safe_div(bn, z2);
    sum += r[j];
    abs_sum += std::fabs(r[j]);
  }
  for (double& v : r) v = std::fabs(v) * safe_div(sum, abs_sum);
  return r;
}

// One branch of the relevant-neuron criterion with its uniform shift. Positive branch: A = x⁺w⁺,
// B = −x⁺w⁻; negative branch: A = −x⁻w⁺, B = x⁻w⁻. C_j = Σ_k A_jk R_k/P_k + B_jk R_k/(P_k + Q_k).
std::vector<double> criterion_branch(const Dense& d, const std::vector<double>& x,
                                     const std::vector<double>& r, bool positive) {
  auto a = [&](int k, int j) {
    return positive ? std::max(x[j], 0.0) * std::max(d.at(k, j), 0.0)
                    : -std::min(x[j], 0.0) * std::max(d.at(k, j), 0.0);
  };
  auto b = [&](int k, int j) {
    return positive ? -std::max(x[j], 0.0) * std::min(d.at(k, j), 0.0)
                    : std::min(x[j], 0.0) * std::min(d.at(k, j), 0.0);
  };
  std::vector<double> c(static_cast<size_t>(d.in), 0.0);
  for (int k = 0; k < d.out; ++k) {
    double p = 0, q = 0;
    for (int j = 0; j < d.in; ++j) p += a(k, j), q += b(k, j);
    for (int j = 0; j < d.in; ++j)
      c[j] += a(k, j) * safe_div(r[k], p) + b(k, j) * safe_div(r[k], p + q);
  }
  double excess = 0;
  int nonzero = 0;
  for (double v : c) excess += v, nonzero += v != 0.0;
  for (double v : r) excess -= v;
  for (double& v : c)
    if (v != 0.0) v -= excess / nonzero;
  return c;
}

// zB with l, h the global min and max of x.
std::vector<double> zbox_layer(const Dense& d, const std::vector<double>& x,
                               const std::vector<double>& r) {
  const double l = *std::min_element(x.begin(), x.end()), h = *std::max_element(x.begin(), x.end());
  auto term = [&](int k, int i) {
    return x[i] * d.at(k, i) - l * std::max(d.at(k, i), 0.0) - h * std::min(d.at(k, i), 0.0);
  };
  std::vector<double> out(static_cast<size_t>(d.in), 0.0);
  for (int k = 0; k < d.out; ++k) {
    double z = 0;
    for (int i = 0; i < d.in; ++i) z += term(k, i);
    for (int i = 0; i < d.in; ++i) out[i] += term(k, i) * safe_div(r[k], z);
  }
  return out;
}

// The whole closed form for one sample: forward, the target (argmax), then layer by layer down.
std::vector<double> rap_reference(const std::vector<Dense>& net, const float* sample,
                                  double* logit) {
  std::vector<std::vector<double>> inputs;
  std::vector<double> a(sample, sample + net[0].in);
  for (const Dense& d : net) {
    inputs.push_back(a);
    std::vector<double> z(static_cast<size_t>(d.out));
    for (int k = 0; k < d.out; ++k) {
      z[k] = d.b[k];
      for (int j = 0; j < d.in; ++j) z[k] += d.at(k, j) * a[j];
      if (d.after == After::kRelu) z[k] = std::max(z[k], 0.0);
      if (d.after == After::kTanh) z[k] = std::tanh(z[k]);
    }
    a = z;
  }
  const int c = static_cast<int>(std::max_element(a.begin(), a.end()) - a.begin());
  *logit = a[c];
  std::vector<double> r = target_layer(net.back(), inputs.back(), c);
  for (size_t l = net.size() - 1; l-- > 1;) {
    std::vector<double> pos = criterion_branch(net[l], inputs[l], r, true);
    const std::vector<double> neg = criterion_branch(net[l], inputs[l], r, false);
    for (size_t j = 0; j < pos.size(); ++j) pos[j] += neg[j];
    r = pos;
  }
  return zbox_layer(net[0], inputs[0], r);
}

// Runs rap on the model and compares every sample with the closed form; returns the per-sample
// input sums and logits of the reference.
void expect_matches(const Model& m, const std::vector<Dense>& net, const Shape& shape,
                    uint32_t seed, std::vector<double>* sums = nullptr,
                    std::vector<double>* logits = nullptr) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(shape.numel()));
  for (float& v : x) v = u(rng);
  std::vector<float> got(x.size());
  Arena arena;
  ASSERT_TRUE(rap(m, x.data(), shape, Target{}, arena, got.data()).ok());
  const int64_t per = shape.numel() / shape[0];
  double worst = 0.0;
  for (int64_t s = 0; s < shape[0]; ++s) {
    double logit = 0.0;
    const std::vector<double> want = rap_reference(net, x.data() + s * per, &logit);
    double diff = 0.0, scale = 1e-30, sum = 0.0;
    for (int64_t i = 0; i < per; ++i) {
      diff = std::max(diff, std::fabs(want[i] - got[s * per + i]));
      scale = std::max(scale, std::fabs(want[i]));
      sum += want[i];
    }
    worst = std::max(worst, diff / scale);
    if (sums) sums->push_back(sum);
    if (logits) logits->push_back(logit);
  }
  std::printf("rap vs closed form: max rel %.2e\n", worst);
  EXPECT_LE(worst, kTolerance);
}

TEST(RapClosedForm, MatchesOnAReluMlp) {
  Result<Model> m = Model::create(
      Shape{6}, {Layer::linear("l1", 6, 5), Layer::relu("a1"), Layer::linear("l2", 5, 4),
                 Layer::relu("a2"), Layer::linear("l3", 4, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(11);
  const std::vector<Dense> net = {linear_of(*m, "l1", 6, 5, After::kRelu),
                                  linear_of(*m, "l2", 5, 4, After::kRelu),
                                  linear_of(*m, "l3", 4, 3, After::kNone)};
  std::vector<double> sums, logits;
  expect_matches(*m, net, Shape{4, 6}, 1, &sums, &logits);
  // The closed form itself conserves the logit on a ReLU net (identity 8).
  for (size_t i = 0; i < sums.size(); ++i)
    EXPECT_NEAR(sums[i], logits[i], 1e-9 * (1 + std::fabs(logits[i])));
}

TEST(RapClosedForm, MatchesOnAReluCnnWithPadding) {
  Result<Model> m = Model::create(
      Shape{1, 3, 3}, {Layer::conv2d("c1", 1, 2, {2, 2}, {1, 1}, {1, 1}), Layer::relu("a1"),
                       Layer::conv2d("c2", 2, 2, {3, 3}, {1, 1}, {0, 0}), Layer::relu("a2"),
                       Layer::flatten("f"), Layer::linear("fc", 8, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(12);
  const std::vector<Dense> net = {conv_of(*m, "c1", 1, 3, 3, 2, 2, 1, After::kRelu),
                                  conv_of(*m, "c2", 2, 4, 4, 2, 3, 0, After::kRelu),
                                  linear_of(*m, "fc", 8, 3, After::kNone)};
  expect_matches(*m, net, Shape{3, 1, 3, 3}, 2);
}

// Mixed-sign inputs (tanh): the x⁻ branch is shifted on its own to Σ R as well, so that layer
// passes on 2·Σ R, as the reference code does (reference/lrp_rap.md §1, "checked").
TEST(RapClosedForm, MixedSignInputsPassTwiceTheRelevanceAsTheReference) {
  Result<Model> m = Model::create(
      Shape{6}, {Layer::linear("l1", 6, 5), Layer::tanh("a1"), Layer::linear("l2", 5, 4),
                 Layer::relu("a2"), Layer::linear("l3", 4, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(13);
  const std::vector<Dense> net = {linear_of(*m, "l1", 6, 5, After::kTanh),
                                  linear_of(*m, "l2", 5, 4, After::kRelu),
                                  linear_of(*m, "l3", 4, 3, After::kNone)};
  std::vector<double> sums, logits;
  expect_matches(*m, net, Shape{4, 6}, 3, &sums, &logits);
  for (size_t i = 0; i < sums.size(); ++i)
    EXPECT_NEAR(sums[i], 2 * logits[i], 1e-9 * (1 + std::fabs(logits[i])));
}

}  // namespace
}  // namespace salient::explain
