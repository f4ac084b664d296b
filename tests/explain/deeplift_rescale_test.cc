// deeplift (Rescale): completeness Σ attributions = F(x)_c − F(x̄)_c (SPEC §8 identity 5) on seeded
// random nets with biases, ReLU/tanh/sigmoid, max and avg pools, and random baselines.
// Tolerance: the multipliers are exact ratios Δf/Δz in float32; each sum has a few hundred terms of
// size ~|ΔF|, so |delta| < 1e-4·(1 + |ΔF|) (measured errors are printed, ~1e-7).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "salient/explain/deeplift.h"
#include "salient/explain/methods.h"
#include "salient/explain/equivalences.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::model_outputs;

TEST(DeepLiftRescale, IsCompleteOnRandomNets) {
  std::vector<std::pair<Model, Shape>> nets;
  for (uint64_t s = 1; s <= 3; ++s) {
    Result<Model> m = Model::create(Shape{6}, {Layer::linear("l1", 6, 10), Layer::tanh("t"), Layer::linear("l2", 10, 8),
                                               Layer::relu("r"), Layer::linear("l3", 8, 6), Layer::sigmoid("s"),
                                               Layer::linear("l4", 6, 3)});
    SALIENT_ASSERT(m.ok());
    m->init_default(s);
    nets.emplace_back(std::move(*m), Shape{4, 6});
  }
  for (uint64_t s = 1; s <= 3; ++s) {
    Result<Model> m = Model::create(
        Shape{2, 8, 8}, {Layer::conv2d("c1", 2, 3, {3, 3}, {1, 1}, {1, 1}), Layer::relu("r1"), Layer::maxpool2d("p1", {2, 2}),
                         Layer::conv2d("c2", 3, 4, {3, 3}), Layer::tanh("t2"), Layer::maxpool2d("p2", {2, 2}, {1, 1}),
                         Layer::avgpool2d("p3", {1, 1}), Layer::flatten("f"), Layer::linear("fc", 4, 3)});
    SALIENT_ASSERT(m.ok());
    m->init_default(10 + s);
    nets.emplace_back(std::move(*m), Shape{3, 2, 8, 8});
  }
  {
    Result<Model> m = Model::create(Shape{2, 10}, {Layer::conv1d("c", 2, 3, 3), Layer::sigmoid("s"), Layer::maxpool1d("p", 2),
                                                   Layer::flatten("f"), Layer::linear("fc", 12, 2)});
    SALIENT_ASSERT(m.ok());
    m->init_default(21);
    nets.emplace_back(std::move(*m), Shape{3, 2, 10});
  }
  double worst = 0.0;
  for (const auto& [model, shape] : nets) {
    const std::vector<float> x = uniform_values(static_cast<size_t>(shape.numel()), 1);
    const std::vector<float> ref = uniform_values(static_cast<size_t>(shape.numel()), 2);
    for (const float* baseline : {static_cast<const float*>(nullptr), ref.data()}) {
      Request r;
      r.model = &model;
      r.x = x.data();
      r.shape = shape;
      r.baseline = baseline;
      std::vector<float> a(x.size());
      Arena arena;
      ASSERT_TRUE(run_method("deeplift", r, arena, a.data()).ok());
      const std::vector<float> fx = model_outputs(model, x.data(), shape);
      const std::vector<float> fr = model_outputs(model, (baseline ? ref : std::vector<float>(x.size(), 0.0f)).data(), shape);
      const int64_t n = shape[0], c = static_cast<int64_t>(fx.size()) / n;
      std::vector<float> tx(static_cast<size_t>(n)), tr(static_cast<size_t>(n)), delta(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t col = std::max_element(fx.begin() + i * c, fx.begin() + (i + 1) * c) - (fx.begin() + i * c);
        tx[static_cast<size_t>(i)] = fx[static_cast<size_t>(i * c + col)];
        tr[static_cast<size_t>(i)] = fr[static_cast<size_t>(i * c + col)];
      }
      deeplift_convergence_delta(a.data(), tx.data(), tr.data(), n, shape.numel() / n, delta.data());
      for (int64_t i = 0; i < n; ++i) {
        const double scale = 1.0 + std::fabs(tx[static_cast<size_t>(i)] - tr[static_cast<size_t>(i)]);
        worst = std::max(worst, std::fabs(delta[static_cast<size_t>(i)]) / scale);
        EXPECT_LT(std::fabs(delta[static_cast<size_t>(i)]), 1e-4 * scale);
      }
    }
  }
  std::printf("[identity 5] DeepLIFT completeness, %zu nets x 2 baselines: max |delta|/(1+|dF|) %.2e\n", nets.size(), worst);
}

TEST(DeepLiftRescale, EqualsGradientTimesDeltaOnALinearModel) {
  Result<Model> m = Model::create(Shape{4}, {Layer::linear("l", 4, 2)});
  ASSERT_TRUE(m.ok());
  m->init_default(3);
  const std::vector<float> x = uniform_values(8, 4), b = uniform_values(8, 5);
  Request r;
  r.model = &*m;
  r.x = x.data();
  r.shape = Shape{2, 4};
  r.baseline = b.data();
  const int32_t cols[2] = {1, 0};
  r.target = Target{cols};
  std::vector<float> a(8);
  Arena arena;
  ASSERT_TRUE(run_method("deeplift", r, arena, a.data()).ok());
  const float* w = m->parameter("l.weight");
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(a[i * 4 + j], (x[i * 4 + j] - b[i * 4 + j]) * w[cols[i] * 4 + j], 1e-6);
}

}  // namespace
}  // namespace salient::explain
