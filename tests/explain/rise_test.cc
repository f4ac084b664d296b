// rise: the mask stream (shape, range, mean p, bit-identical from a seed), the estimator against
// its closed-form expectation on a linear model with a derived Monte Carlo bound, any input rank,
// reproducibility across thread counts, and the key checks.
#include "salient/explain/rise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "salient/threads.h"

namespace salient::explain {
namespace {

struct Call {
  std::vector<float> attributions;
  Status status;
};

Call run_rise(const Model& m, const std::vector<float>& x, const Shape& shape,
              std::vector<Setting> settings, uint64_t seed = 0) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  r.seed = seed;
  Call call;
  call.attributions.assign(x.size(), -999.0f);
  Arena arena;
  call.status = run_method("rise", r, arena, call.attributions.data());
  return call;
}

// f = w·flatten(x) on per-sample shape `sample`, one output.
Model linear_model(const Shape& sample, const std::vector<float>& w) {
  std::vector<Layer> layers;
  if (sample.rank > 1) layers.push_back(Layer::flatten("flat"));
  layers.push_back(Layer::linear("fc", static_cast<int>(w.size()), 1));
  Result<Model> m = Model::create(sample, layers);
  SALIENT_ASSERT(m.ok());
  std::copy(w.begin(), w.end(), m->parameter("fc.weight"));
  *m->parameter("fc.bias") = 0;
  return std::move(*m);
}

TEST(RiseMasks, HaveTheShapeStayInTheUnitIntervalAndAverageP) {
  const int64_t extent[2] = {9, 7};
  const double p = 0.3;
  const int masks = 4000;
  RiseMaskSampler sampler(2, extent, 4, p, 17);
  ASSERT_EQ(sampler.size(), 63);
  std::vector<float> m(63);
  std::vector<double> mean(63, 0.0);
  bool fractional = false;
  for (int k = 0; k < masks; ++k) {
    sampler.next(m.data());
    for (int i = 0; i < 63; ++i) {
      ASSERT_GE(m[i], 0.0f);
      ASSERT_LE(m[i], 1.0f);
      fractional = fractional || (m[i] > 0.0f && m[i] < 1.0f);
      mean[i] += m[i] / double(masks);
    }
  }
  EXPECT_TRUE(fractional);  // bilinear upsampling, not a nearest-neighbour copy of the grid
  // E[M(i)] = p; M ∈ [0, 1] with mean p has Var ≤ p(1 − p), so the mean of 4000 masks is within
  // 4·sqrt(p(1 − p)/4000) = 0.029 of p (4σ).
  for (int i = 0; i < 63; ++i) EXPECT_NEAR(mean[i], p, 4 * std::sqrt(p * (1 - p) / masks)) << i;

  const int64_t length = 11;
  RiseMaskSampler one_d(1, &length, 3, 1.0, 2);
  ASSERT_EQ(one_d.size(), 11);
  std::vector<float> ones(11);
  one_d.next(ones.data());
  for (float v : ones) EXPECT_EQ(v, 1.0f);  // p = 1 keeps every cell
}

TEST(RiseMasks, ASeedReproducesTheStreamBitIdentically) {
  const int64_t extent[2] = {8, 8};
  RiseMaskSampler a(2, extent, 7, 0.5, 3), b(2, extent, 7, 0.5, 3), c(2, extent, 7, 0.5, 4);
  std::vector<float> ma(64), mb(64), mc(64);
  bool differs = false;
  for (int k = 0; k < 50; ++k) {
    a.next(ma.data());
    b.next(mb.data());
    c.next(mc.data());
    ASSERT_EQ(ma, mb) << k;
    differs = differs || ma != mc;
  }
  EXPECT_TRUE(differs);
}

// Half-pixel linear interpolation weight of grid node a at output index i (shift t), written as the
// tent max(0, 1 − |src − a|) with src clamped to [0, cell − 1] (salient/explain/rise.h).
double tent(int64_t i, int64_t t, int64_t a, int64_t extent, int64_t cell) {
  const int64_t c = (extent + cell - 1) / cell;
  double src = (double(i + t) + 0.5) * double(cell) / double((cell + 1) * c) - 0.5;
  src = std::min(std::max(src, 0.0), double(cell - 1));
  return std::max(0.0, 1.0 - std::fabs(src - double(a)));
}

// On f(x) = w·x (baseline 0) RISE's expectation is closed-form. With M(i) = Σ_a W_t(i, a) g_a
// (g ~ Bernoulli(p) independent, Σ_a W_t(i, a) = 1) and the shift t uniform:
//   E[M_i M_j] = p² + p(1 − p)·K_ij,  K_ij = E_t[Σ_a W_t(i, a) W_t(j, a)],
//   E[S_i] = E[f(x ⊙ M) M_i]/p = Σ_j w_j x_j (p + (1 − p) K_ij).
// Monte Carlo: S_i is the mean of n_masks draws of f·M_i/p with E[(f M_i)²] ≤ E[f²] (M ≤ 1) and
// E[f²] = Σ_jl w_j x_j w_l x_l E[M_j M_l], so σ(S_i) ≤ sqrt(E[f²]/n_masks)/p; we allow 4σ.
TEST(Rise, ConvergesToTheClosedFormExpectationOnALinearModel) {
  const int64_t h = 6, w = 6, cell = 3, d = h * w;
  const double p = 0.5;
  std::vector<float> weights(d), x(d);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      weights[size_t(i * w + j)] = j < w / 2 ? 1.0f : -1.0f;  // f(x) = 0: the local term dominates
      x[size_t(i * w + j)] = 1.0f + 0.1f * float(i);
    }
  const Model model = linear_model(Shape{1, h, w}, weights);

  const int64_t c = (h + cell - 1) / cell;
  std::vector<double> k(size_t(d * d), 0.0);
  for (int64_t ty = 0; ty < c; ++ty)
    for (int64_t tx = 0; tx < c; ++tx)
      for (int64_t i = 0; i < d; ++i)
        for (int64_t j = 0; j < d; ++j)
          for (int64_t ay = 0; ay < cell; ++ay)
            for (int64_t ax = 0; ax < cell; ++ax)
              k[size_t(i * d + j)] += tent(i / w, ty, ay, h, cell) * tent(i % w, tx, ax, w, cell) *
                                      tent(j / w, ty, ay, h, cell) * tent(j % w, tx, ax, w, cell) /
                                      double(c * c);
  std::vector<double> expected(size_t(d), 0.0);
  double f2 = 0;
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double mij = p * p + p * (1 - p) * k[size_t(i * d + j)];
      expected[size_t(i)] += double(weights[size_t(j)]) * x[size_t(j)] * mij / p;
      f2 += double(weights[size_t(i)]) * x[size_t(i)] * double(weights[size_t(j)]) * x[size_t(j)] *
            mij;
    }
  // The expectation is far from trivial: the left half is credited positively, the right
  // negatively.
  EXPECT_GT(expected[0], 0.3);
  EXPECT_LT(expected[size_t(w - 1)], -0.3);

  for (int n_masks : {1000, 200000}) {
    const Call call = run_rise(
        model, x, Shape{1, 1, h, w},
        {{"n_masks", std::to_string(n_masks)}, {"cell", std::to_string(cell)}, {"p", "0.5"}}, 7);
    ASSERT_TRUE(call.status.ok()) << call.status.message();
    const double bound = 4 * std::sqrt(f2 / n_masks) / p;
    for (int64_t i = 0; i < d; ++i)
      EXPECT_NEAR(call.attributions[size_t(i)], expected[size_t(i)], bound)
          << "n_masks " << n_masks << " at " << i;
  }
}

// p = 1 keeps every cell: each mask is all ones and S = f(x)·n/(n·1) = f(x) everywhere.
TEST(Rise, PEqualToOneGivesTheOutputEverywhere) {
  const std::vector<float> weights = {2, -1, 0.5f, 3};
  const Model model = linear_model(Shape{4}, weights);
  const std::vector<float> x = {1, 2, 3, 4, -1, 0, 2, 1};
  const Call call = run_rise(model, x, Shape{2, 4}, {{"p", "1"}, {"n_masks", "10"}});
  ASSERT_TRUE(call.status.ok()) << call.status.message();
  for (int s = 0; s < 2; ++s) {
    double f = 0;
    for (int i = 0; i < 4; ++i) f += double(weights[size_t(i)]) * x[size_t(s * 4 + i)];
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(call.attributions[size_t(s * 4 + i)], f, 1e-5 * std::fabs(f)) << s;
  }
}

// Images share the mask across channels, N×C×T across channels, N×T×D (into a GRU) across features.
TEST(Rise, AnyInputRankSharesTheMaskAcrossChannelsAndFeatures) {
  auto same_across = [](const std::vector<float>& a, int64_t outer, int64_t spatial,
                        int64_t inner) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < spatial; ++j)
        for (int64_t q = 0; q < inner; ++q)
          if (a[size_t((o * spatial + j) * inner + q)] != a[size_t(j * inner)]) return false;
    return true;
  };
  std::vector<float> x(2 * 3 * 8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * float(i));
  const std::vector<Setting> settings = {{"n_masks", "40"}, {"cell", "3"}};

  Result<Model> conv = Model::create(Shape{3, 8}, {Layer::conv1d("c", 3, 4, 3), Layer::relu("r"),
                                                   Layer::flatten("f"), Layer::linear("l", 24, 2)});
  ASSERT_TRUE(conv.ok());
  conv->init_default(1);
  const Call nct = run_rise(*conv, x, Shape{2, 3, 8}, settings);
  ASSERT_TRUE(nct.status.ok()) << nct.status.message();
  for (int s = 0; s < 2; ++s)
    EXPECT_TRUE(same_across(std::vector<float>(nct.attributions.begin() + s * 24,
                                               nct.attributions.begin() + (s + 1) * 24),
                            3, 8, 1));

  Result<Model> gru =
      Model::create(Shape{8, 3}, {Layer::gru("g", 3, 5, false), Layer::linear("l", 5, 2)});
  ASSERT_TRUE(gru.ok());
  gru->init_default(2);
  const Call ntd = run_rise(*gru, x, Shape{2, 8, 3}, settings);
  ASSERT_TRUE(ntd.status.ok()) << ntd.status.message();
  for (int s = 0; s < 2; ++s)
    EXPECT_TRUE(same_across(std::vector<float>(ntd.attributions.begin() + s * 24,
                                               ntd.attributions.begin() + (s + 1) * 24),
                            1, 8, 3));

  std::vector<float> image(2 * 2 * 4 * 4);
  for (size_t i = 0; i < image.size(); ++i) image[i] = std::cos(0.3f * float(i));
  Result<Model> cnn =
      Model::create(Shape{2, 4, 4}, {Layer::conv2d("c", 2, 3, {3, 3}), Layer::relu("r"),
                                     Layer::flatten("f"), Layer::linear("l", 12, 3)});
  ASSERT_TRUE(cnn.ok());
  cnn->init_default(3);
  const Call nchw = run_rise(*cnn, image, Shape{2, 2, 4, 4}, settings);
  ASSERT_TRUE(nchw.status.ok()) << nchw.status.message();
  for (int s = 0; s < 2; ++s)
    EXPECT_TRUE(same_across(std::vector<float>(nchw.attributions.begin() + s * 32,
                                               nchw.attributions.begin() + (s + 1) * 32),
                            2, 16, 1));
  // Tabular N×F: one value per feature, and the features do differ.
  const Model lin = linear_model(Shape{24}, std::vector<float>(x.begin(), x.begin() + 24));
  const Call nf = run_rise(lin, x, Shape{2, 24}, settings);
  ASSERT_TRUE(nf.status.ok()) << nf.status.message();
  EXPECT_NE(nf.attributions[0], nf.attributions[23]);
}

TEST(Rise, SeedsReproduceBitIdenticallyWhateverTheThreadCount) {
  Result<Model> cnn = Model::create(
      Shape{1, 8, 8}, {Layer::conv2d("c", 1, 4, {3, 3}, {1, 1}, {1, 1}), Layer::relu("r"),
                       Layer::flatten("f"), Layer::linear("l", 256, 3)});
  ASSERT_TRUE(cnn.ok());
  cnn->init_default(5);
  std::vector<float> x(3 * 64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * float(i));
  const std::vector<Setting> settings = {{"n_masks", "300"}};
  const int threads = thread_count();
  set_thread_count(4);  // a no-op in builds without threads
  const Call a = run_rise(*cnn, x, Shape{3, 1, 8, 8}, settings, 11);
  set_thread_count(1);
  const Call one = run_rise(*cnn, x, Shape{3, 1, 8, 8}, settings, 11);
  set_thread_count(threads);
  ASSERT_TRUE(a.status.ok() && one.status.ok());
  EXPECT_EQ(a.attributions, one.attributions);
  EXPECT_EQ(a.attributions, run_rise(*cnn, x, Shape{3, 1, 8, 8}, settings, 11).attributions);
  EXPECT_NE(a.attributions, run_rise(*cnn, x, Shape{3, 1, 8, 8}, settings, 12).attributions);
}

TEST(Rise, RejectsBadKeys) {
  const Model model = linear_model(Shape{4}, {1, 2, 3, 4});
  const std::vector<float> x = {1, 2, 3, 4};
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"p", "0"},
                                                        {"p", "1.5"},
                                                        {"p", "-0.2"},
                                                        {"p", "half"},
                                                        {"cell", "0"},
                                                        {"cell", "5000"},
                                                        {"n_masks", "0"},
                                                        {"n_masks", "x"}}) {
    const Call call = run_rise(model, x, Shape{1, 4}, {{key, value}});
    EXPECT_EQ(call.status.code(), Code::kInvalidArgument) << key << "=" << value;
    EXPECT_NE(std::string(call.status.message()).find(key + "=" + value), std::string::npos)
        << call.status.message();
  }
  EXPECT_EQ(run_rise(model, x, Shape{1, 4}, {{"n_sample", "3"}}).status.code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
