// deeplift-shap runs its baselines in chunks (a chunk of k: x repeated k times against the k
// baselines): the result is the mean of deeplift against each baseline, whatever the chunking, with
// explicit per-sample targets repeated along (and with the argmax targets).
// Tolerance 1e-5 relative (max |Δ| over max |want|): both sides run the same float32 rules; only
// the SGEMMs of the linear layers may sum in another order at another row count, so each value
// moves by a few float32 roundings (measured: printed, ~1e-7).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"
#include "salient/random.h"
#include "support/gradcheck.h"

namespace salient::explain {
namespace {

double rel_diff(const std::vector<float>& a, const std::vector<double>& b) {
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

TEST(DeepLiftShap, ChunkedBaselinesAverageDeepLiftWithTheirTargets) {
  Result<Model> m = Model::create(
      Shape{1, 6, 6}, {Layer::conv2d("c1", 1, 4, {3, 3}, {1, 1}, {1, 1}), Layer::relu("r1"), Layer::maxpool2d("p", {2, 2}),
                       Layer::flatten("f"), Layer::linear("fc1", 36, 8), Layer::relu("r2"), Layer::linear("fc2", 8, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  const int64_t n = 3, d = 36, B = 5;
  const Shape shape{n, 1, 6, 6};
  Rng rng(1);
  const std::vector<float> x = gradcheck::Uniform(rng, n * d);
  const std::vector<float> set = gradcheck::Uniform(rng, B * d);
  const int32_t targets[n] = {2, 0, 1};
  const size_t saved = batch_budget_bytes();
  for (bool explicit_targets : {true, false}) {
    // Oracle: deeplift against each baseline (repeated for every sample), averaged in double.
    std::vector<double> want(x.size(), 0.0);
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> tiled(x.size()), one(x.size());
      for (int64_t i = 0; i < n; ++i) std::copy_n(set.begin() + b * d, d, tiled.begin() + i * d);
      Request r;
      r.model = &*m;
      r.x = x.data();
      r.shape = shape;
      r.baseline = tiled.data();
      if (explicit_targets) r.target = Target{targets};
      Arena arena;
      ASSERT_TRUE(run_method("deeplift", r, arena, one.data()).ok());
      for (size_t i = 0; i < x.size(); ++i) want[i] += one[i] / static_cast<double>(B);
    }
    // The default budget (one chunk after the sizing one) and one that holds a single baseline.
    for (size_t budget : {saved, size_t{1}}) {
      set_batch_budget_bytes(budget);
      Request r;
      r.model = &*m;
      r.x = x.data();
      r.shape = shape;
      r.baselines = set.data();
      r.baselines_shape = Shape{B, 1, 6, 6};
      if (explicit_targets) r.target = Target{targets};
      std::vector<float> got(x.size());
      Arena arena;
      const Status s = run_method("deeplift-shap", r, arena, got.data());
      set_batch_budget_bytes(saved);
      ASSERT_TRUE(s.ok()) << s.message();
      const double e = rel_diff(got, want);
      std::printf("targets %s, budget %zu: max rel diff %.2e\n", explicit_targets ? "explicit" : "argmax", budget, e);
      EXPECT_LT(e, 1e-5);
    }
  }
}

}  // namespace
}  // namespace salient::explain
