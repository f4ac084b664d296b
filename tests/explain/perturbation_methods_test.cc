// Perturbation explainers through the registry: occlusion, feature-ablation, feature-permutation,
// shapley-exact and shapley-sampling. Known answers from DeepExplain (reference/lrp_rap.md §7) and
// Captum's tests (reference/captum.md §2, case 18), Shapley values against brute force over all
// orderings, completeness, convergence of sampling and bit-identical reproduction from a seed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "salient/explain/methods.h"
#include "salient/io/npy.h"
#include "salient/random.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::deepexplain_net;

// Captum's BasicModel_MultiLayer: out0 = relu(s − 10) + 3·relu(s + 1) − 1 with s = Σx.
Model captum_mlp() {
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("lin0", 3, 3), Layer::linear("lin1", 3, 4),
                                             Layer::relu("relu"), Layer::linear("lin2", 4, 2)});
  SALIENT_ASSERT(m.ok());
  const float w0[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, b0[3] = {0, 0, 0}, b1[4] = {-10, 1, 1, 1}, b2[2] = {-1, 1};
  std::copy(w0, w0 + 9, m->parameter("lin0.weight"));
  std::copy(b0, b0 + 3, m->parameter("lin0.bias"));
  std::fill(m->parameter("lin1.weight"), m->parameter("lin1.weight") + 12, 1.0f);
  std::copy(b1, b1 + 4, m->parameter("lin1.bias"));
  std::fill(m->parameter("lin2.weight"), m->parameter("lin2.weight") + 8, 1.0f);
  std::copy(b2, b2 + 2, m->parameter("lin2.bias"));
  return std::move(*m);
}

// A small random nonlinear net F → 3.
Model random_net(int features, uint64_t seed) {
  Result<Model> m = Model::create(Shape{features}, {Layer::linear("l1", features, 6), Layer::tanh("t"),
                                                    Layer::linear("l2", 6, 5), Layer::relu("r"),
                                                    Layer::linear("l3", 5, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(seed);
  return std::move(*m);
}

struct Call {
  std::vector<float> attributions;
  Status status;
};

Call explain(const Model& m, const std::vector<float>& x, const Shape& shape, const std::string& method,
             std::vector<Setting> settings = {}, const std::vector<float>* baseline = nullptr,
             const std::vector<int32_t>* target = nullptr, uint64_t seed = 0) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  r.seed = seed;
  if (baseline) r.baseline = baseline->data();
  if (target) r.target.columns = target->data();
  Call call;
  call.attributions.assign(x.size(), -999.0f);
  Arena arena;
  call.status = run_method(method, r, arena, call.attributions.data());
  return call;
}

std::vector<float> ok(const Call& c) {
  EXPECT_TRUE(c.status.ok()) << c.status.message();
  return c.attributions;
}

void expect_near(const std::vector<float>& a, const std::vector<float>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

// The target logit of model m at one sample.
float logit(const Model& m, const std::vector<float>& x, int column) {
  Arena arena;
  GraphOptions o;
  o.record = false;
  Graph g(arena, o);
  Shape shape = m.input_shape();
  Shape batch;
  batch.rank = shape.rank + 1;
  batch[0] = 1;
  for (int i = 0; i < shape.rank; ++i) batch[i + 1] = shape[i];
  const Tensor y = m.forward(g, g.input(x.data(), batch));
  SALIENT_ASSERT(g.ok());
  return y.data[column];
}

std::string write_mask(const char* name, const std::vector<float>& ids, const Shape& shape) {
  const std::string path = testing::TempDir() + "salient_" + std::to_string(getpid()) + "_" + name;
  Status s = io::write_npy(path.c_str(), ids.data(), shape);
  SALIENT_ASSERT(s.ok());
  return path;
}

TEST(Occlusion, DeepExplainKnownAnswer) {
  const Model m = deepexplain_net();
  EXPECT_EQ(ok(explain(m, {3, 1}, Shape{1, 2}, "occlusion", {{"window", "1"}})), (std::vector<float>{1, -1}));
}

TEST(Occlusion, CaptumMultiLayerCases) {
  const Model m = captum_mlp();
  const std::vector<int32_t> t0 = {0}, t00 = {0, 0};
  const std::vector<float> x = {20, 50, 30};
  expect_near(ok(explain(m, x, Shape{1, 3}, "occlusion", {{"window", "1"}}, nullptr, &t0)), {80, 200, 120}, 1e-4);
  const std::vector<float> ten = {10, 10, 10};
  expect_near(ok(explain(m, x, Shape{1, 3}, "occlusion", {{"window", "2"}}, &ten, &t0)), {200, 220, 240}, 1e-4);
  expect_near(ok(explain(m, x, Shape{1, 3}, "occlusion", {{"window", "2"}, {"stride", "2"}}, nullptr, &t0)),
              {280, 280, 120}, 1e-4);
  expect_near(ok(explain(m, {2, 10, 3, 20, 50, 30}, Shape{2, 3}, "occlusion", {{"window", "1"}}, nullptr, &t00)),
              {8, 35, 12, 80, 200, 120}, 1e-4);
}

TEST(Occlusion, ImageWindowsMatchBlockAblation) {
  // N×1×4×4 through a conv net: non-overlapping 2×2 windows equal feature ablation of 2×2 blocks.
  Result<Model> m = Model::create(Shape{1, 4, 4}, {Layer::conv2d("c", 1, 2, {3, 3}), Layer::relu("r"),
                                                   Layer::flatten("f"), Layer::linear("l", 8, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(7);
  Rng rng(3);
  std::vector<float> x(2 * 16);
  for (float& v : x) v = rng.uniform(-1, 2);
  std::vector<float> blocks(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) blocks[i * 4 + j] = static_cast<float>((i / 2) * 2 + j / 2);
  const std::string mask = write_mask("perturbation_blocks.npy", blocks, Shape{1, 4, 4});
  const std::vector<float> occ = ok(explain(*m, x, Shape{2, 1, 4, 4}, "occlusion", {{"window", "1,2,2"}, {"stride", "1,2,2"}}));
  const std::vector<float> abl = ok(explain(*m, x, Shape{2, 1, 4, 4}, "feature-ablation", {{"feature_mask", mask}}));
  expect_near(occ, abl, 1e-6);
  // Overlapping windows (stride 1): every element is the mean of the windows covering it; a
  // corner is covered by one window only, so it equals that window's ablation.
  const std::vector<float> over = ok(explain(*m, x, Shape{2, 1, 4, 4}, "occlusion", {{"window", "1,2,2"}}));
  EXPECT_NEAR(over[0], occ[0], 1e-6);
}

TEST(Occlusion, ChunksLargeInputsAcrossForwards) {
  // 2^19 floats per sample: two rows per forward, so 3 samples × 2 windows take three chunks.
  const int d = 1 << 19;
  Result<Model> m = Model::create(Shape{d}, {Layer::linear("l", d, 2)});
  ASSERT_TRUE(m.ok());
  float* w = m->parameter("l.weight");
  for (int i = 0; i < 2 * d; ++i) w[i] = static_cast<float>(i % 3 - 1);  // integer sums: exact in float
  std::vector<float> x(3 * static_cast<size_t>(d));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i % 5) + 1);
  const std::vector<int32_t> t = {1, 0, 1};
  const std::vector<float> a =
      ok(explain(*m, x, Shape{3, d}, "occlusion", {{"window", std::to_string(d / 2)}, {"stride", std::to_string(d / 2)}},
                 nullptr, &t));
  for (int s = 0; s < 3; ++s)
    for (int half = 0; half < 2; ++half) {
      double expected = 0;
      for (int i = half * d / 2; i < (half + 1) * d / 2; ++i) expected += double(w[t[s] * d + i]) * x[size_t(s) * d + i];
      EXPECT_EQ(a[size_t(s) * d + half * d / 2], expected);
      EXPECT_EQ(a[size_t(s) * d + half * d / 2], a[size_t(s) * d + half * d / 2 + 17]);
    }
}

TEST(Occlusion, ErrorsNameTheProblem) {
  const Model m = deepexplain_net();
  Call missing = explain(m, {3, 1}, Shape{1, 2}, "occlusion");
  EXPECT_EQ(missing.status.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(missing.status.message()).find("window is required"), std::string::npos);
  EXPECT_FALSE(explain(m, {3, 1}, Shape{1, 2}, "occlusion", {{"window", "1,1"}}).status.ok());
  EXPECT_FALSE(explain(m, {3, 1}, Shape{1, 2}, "occlusion", {{"window", "3"}}).status.ok());
  EXPECT_FALSE(explain(m, {3, 1}, Shape{1, 2}, "occlusion", {{"window", "x"}}).status.ok());
  // The model output must be [N, C].
  Result<Model> seq = Model::create(Shape{2}, {Layer::linear("l", 2, 2), Layer::reshape("r", Shape{2, 1})});
  ASSERT_TRUE(seq.ok());
  Call bad = explain(*seq, {3, 1}, Shape{1, 2}, "occlusion", {{"window", "1"}});
  EXPECT_NE(std::string(bad.status.message()).find("not [N, C]"), std::string::npos) << bad.status.message();
}

TEST(FeatureAblation, KnownAnswersAndGroups) {
  const Model mlp = captum_mlp();
  const std::vector<int32_t> t0 = {0};
  const std::vector<float> x = {20, 50, 30};
  expect_near(ok(explain(mlp, x, Shape{1, 3}, "feature-ablation", {}, nullptr, &t0)), {80, 200, 120}, 1e-4);
  const std::string mask = write_mask("perturbation_mask3.npy", {4, 4, -1}, Shape{3});
  expect_near(ok(explain(mlp, x, Shape{1, 3}, "feature-ablation", {{"feature_mask", mask}}, nullptr, &t0)),
              {280, 280, 120}, 1e-4);
  const Model de = deepexplain_net();
  EXPECT_EQ(ok(explain(de, {3, 1}, Shape{1, 2}, "feature-ablation")), (std::vector<float>{1, -1}));
  // Errors: a mask of the wrong shape, non-integer ids, a missing file.
  const std::string wrong = write_mask("perturbation_mask2.npy", {0, 1}, Shape{2});
  EXPECT_FALSE(explain(mlp, x, Shape{1, 3}, "feature-ablation", {{"feature_mask", wrong}}).status.ok());
  const std::string frac = write_mask("perturbation_maskf.npy", {0, 0.5f, 1}, Shape{3});
  EXPECT_FALSE(explain(mlp, x, Shape{1, 3}, "feature-ablation", {{"feature_mask", frac}}).status.ok());
  EXPECT_FALSE(explain(mlp, x, Shape{1, 3}, "feature-ablation", {{"feature_mask", "/nonexistent.npy"}}).status.ok());
}

TEST(FeaturePermutation, SwapsAcrossTheBatch) {
  // Linear f = w·x: with two samples the only non-identity permutation swaps them, so
  // attribution_n,i = w_i (x_n,i − x_other,i).
  Result<Model> m = Model::create(Shape{3}, {Layer::linear("l", 3, 1)});
  ASSERT_TRUE(m.ok());
  const float w[3] = {2, -1, 0.5f};
  std::copy(w, w + 3, m->parameter("l.weight"));
  *m->parameter("l.bias") = 4;
  const std::vector<float> x = {1, 2, 3, 5, -1, 1};
  const std::vector<float> a = ok(explain(*m, x, Shape{2, 3}, "feature-permutation", {}, nullptr, nullptr, 11));
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[n * 3 + i], w[i] * (x[n * 3 + i] - x[(1 - n) * 3 + i]), 1e-5);
  Call one = explain(*m, {1, 2, 3}, Shape{1, 3}, "feature-permutation");
  EXPECT_EQ(one.status.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(one.status.message()).find("batch of 1"), std::string::npos) << one.status.message();
  // Seeded: the same seed reproduces, on a larger batch.
  std::vector<float> big(8 * 3);
  Rng rng(5);
  for (float& v : big) v = rng.uniform(-1, 1);
  EXPECT_EQ(ok(explain(*m, big, Shape{8, 3}, "feature-permutation", {}, nullptr, nullptr, 9)),
            ok(explain(*m, big, Shape{8, 3}, "feature-permutation", {}, nullptr, nullptr, 9)));
}

// Shapley values by brute force over all F! orderings, calling the model one input at a time.
std::vector<double> brute_force_shapley(const Model& m, const std::vector<float>& x, const std::vector<float>& b,
                                        int column) {
  const int f = static_cast<int>(x.size());
  std::vector<int> order(f);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> phi(f, 0.0);
  int count = 0;
  do {
    std::vector<float> cur = b;
    float prev = logit(m, cur, column);
    for (int i : order) {
      cur[i] = x[i];
      const float now = logit(m, cur, column);
      phi[i] += double(now) - double(prev);
      prev = now;
    }
    ++count;
  } while (std::next_permutation(order.begin(), order.end()));
  for (double& p : phi) p /= count;
  return phi;
}

TEST(ShapleyExact, MatchesBruteForceAndIsComplete) {
  const int f = 5;
  const Model m = random_net(f, 21);
  Rng rng(8);
  std::vector<float> x(2 * f), b(2 * f);
  for (float& v : x) v = rng.uniform(-2, 2);
  for (float& v : b) v = rng.uniform(-0.5f, 0.5f);
  const std::vector<int32_t> t = {2, 0};
  const std::vector<float> a = ok(explain(m, x, Shape{2, f}, "shapley-exact", {}, &b, &t));
  for (int n = 0; n < 2; ++n) {
    const std::vector<float> xn(x.begin() + n * f, x.begin() + (n + 1) * f), bn(b.begin() + n * f, b.begin() + (n + 1) * f);
    const std::vector<double> phi = brute_force_shapley(m, xn, bn, t[n]);
    double sum = 0;
    for (int i = 0; i < f; ++i) {
      EXPECT_NEAR(a[n * f + i], phi[i], 1e-5);
      sum += a[n * f + i];
    }
    EXPECT_NEAR(sum, double(logit(m, xn, t[n])) - logit(m, bn, t[n]), 1e-5);
  }
  // The DeepExplain net: f(3, 1) = 1, f(0, 0) = 0, f(3, 0) = 2, f(0, 1) = 0 → φ = (1.5, −0.5).
  expect_near(ok(explain(deepexplain_net(), {3, 1}, Shape{1, 2}, "shapley-exact")), {1.5f, -0.5f}, 1e-6);
}

TEST(ShapleyExact, GroupsAndTheFeatureLimit) {
  const Model mlp = captum_mlp();
  const std::string mask = write_mask("perturbation_shapley_mask.npy", {0, 0, 1}, Shape{3});
  const std::vector<int32_t> t0 = {0};
  // Two players: A = {x1, x2} (70), B = {x3} (30); v(∅) = 2, v(A) = 272, v(B) = 112, v(AB) = 392.
  // φ_A = ½(270 + 280) = 275, φ_B = ½(110 + 120) = 115.
  expect_near(ok(explain(mlp, {20, 50, 30}, Shape{1, 3}, "shapley-exact", {{"feature_mask", mask}}, nullptr, &t0)),
              {275, 275, 115}, 1e-3);
  Result<Model> wide = Model::create(Shape{17}, {Layer::linear("l", 17, 2)});
  ASSERT_TRUE(wide.ok());
  Call too_many = explain(*wide, std::vector<float>(17, 1.0f), Shape{1, 17}, "shapley-exact");
  EXPECT_EQ(too_many.status.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(too_many.status.message()).find("limit is 16"), std::string::npos) << too_many.status.message();
}

TEST(ShapleySampling, CompleteReproducibleAndConvergesToExact) {
  const int f = 4;
  const Model m = random_net(f, 33);
  Rng rng(4);
  std::vector<float> x(3 * f);
  for (float& v : x) v = rng.uniform(-2, 2);
  const std::vector<float> exact = ok(explain(m, x, Shape{3, f}, "shapley-exact"));
  // Every ordering is complete, so the estimate is too, at any n_samples.
  const std::vector<float> few = ok(explain(m, x, Shape{3, f}, "shapley-sampling", {{"n_samples", "3"}}, nullptr, nullptr, 1));
  for (int n = 0; n < 3; ++n) {
    double s_exact = 0, s_few = 0;
    for (int i = 0; i < f; ++i) s_exact += exact[n * f + i], s_few += few[n * f + i];
    EXPECT_NEAR(s_few, s_exact, 1e-4);
  }
  // Seeds reproduce bit-identically; another seed gives another estimate.
  EXPECT_EQ(few, ok(explain(m, x, Shape{3, f}, "shapley-sampling", {{"n_samples", "3"}}, nullptr, nullptr, 1)));
  EXPECT_NE(few, ok(explain(m, x, Shape{3, f}, "shapley-sampling", {{"n_samples", "3"}}, nullptr, nullptr, 2)));
  // Convergence: each marginal contribution lies within ±R (R = the spread of the target logit over
  // all coalitions), so with n orderings the error is below 4R/√n with overwhelming probability.
  const int n_samples = 2000;
  const std::vector<float> many =
      ok(explain(m, x, Shape{3, f}, "shapley-sampling", {{"n_samples", std::to_string(n_samples)}}, nullptr, nullptr, 7));
  for (int n = 0; n < 3; ++n) {
    double lo = 1e30, hi = -1e30;
    const int column = [&] {
      std::vector<float> xn(x.begin() + n * f, x.begin() + (n + 1) * f);
      int best = 0;
      for (int c = 1; c < 3; ++c)
        if (logit(m, xn, c) > logit(m, xn, best)) best = c;
      return best;
    }();
    for (int mask = 0; mask < (1 << f); ++mask) {
      std::vector<float> xs(f);
      for (int i = 0; i < f; ++i) xs[i] = (mask >> i) & 1 ? x[n * f + i] : 0.0f;
      const double v = logit(m, xs, column);
      lo = std::min(lo, v), hi = std::max(hi, v);
    }
    const double bound = 4.0 * (hi - lo) / std::sqrt(double(n_samples));
    for (int i = 0; i < f; ++i) EXPECT_NEAR(many[n * f + i], exact[n * f + i], bound);
  }
  // A linear model's Shapley values are exact from any ordering: w_i (x_i − b_i).
  Result<Model> lin = Model::create(Shape{3}, {Layer::linear("l", 3, 1)});
  ASSERT_TRUE(lin.ok());
  const float w[3] = {1, -2, 3};
  std::copy(w, w + 3, lin->parameter("l.weight"));
  const std::vector<float> b = {1, 1, 1};
  expect_near(ok(explain(*lin, {2, 3, 4}, Shape{1, 3}, "shapley-sampling", {}, &b)), {1, -4, 9}, 1e-5);
  EXPECT_FALSE(explain(*lin, {2, 3, 4}, Shape{1, 3}, "shapley-sampling", {{"n_samples", "0"}}).status.ok());
}

}  // namespace
}  // namespace salient::explain
