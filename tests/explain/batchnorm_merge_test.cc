// SPEC §6: a batchnorm after a linear/conv layer is merged into it before any rule runs. The merged
// copy computes the same function (within 1e-5), and the LRP methods explain the merged model.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "salient/explain/batchnorm_merge.h"
#include "salient/explain/equivalences.h"
#include "salient/explain/methods.h"
#include "support/explain_fixtures.h"

namespace salient::explain {
namespace {

using testing_explain::model_outputs;

// Non-trivial batchnorm statistics and affine parameters.
void randomize_batchnorm(Model& m, const char* name, int features, uint32_t seed) {
  const std::string p = name;
  const std::vector<float> g = uniform_values(static_cast<size_t>(features), seed, 0.5f, 2.0f);
  const std::vector<float> b = uniform_values(static_cast<size_t>(features), seed + 1, -0.5f, 0.5f);
  const std::vector<float> mu = uniform_values(static_cast<size_t>(features), seed + 2, -0.3f, 0.3f);
  const std::vector<float> var = uniform_values(static_cast<size_t>(features), seed + 3, 0.2f, 3.0f);
  std::copy(g.begin(), g.end(), m.parameter((p + ".weight").c_str()));
  std::copy(b.begin(), b.end(), m.parameter((p + ".bias").c_str()));
  std::copy(mu.begin(), mu.end(), m.parameter((p + ".running_mean").c_str()));
  std::copy(var.begin(), var.end(), m.parameter((p + ".running_var").c_str()));
}

std::vector<float> explain(const Model& m, const std::vector<float>& x, const Shape& shape, const char* method,
                           std::vector<Setting> settings = {}) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  std::vector<float> a(x.size());
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << method << ": " << s.message();
  return a;
}

RandomNet cnn_with_batchnorm(bool conv_bias) {
  Result<Model> m = Model::create(
      Shape{2, 8, 8}, {Layer::conv2d("c1", 2, 4, {3, 3}, {1, 1}, {1, 1}, conv_bias), Layer::batchnorm2d("bn1", 4),
                       Layer::relu("r1"), Layer::maxpool2d("p1", {2, 2}), Layer::flatten("f"),
                       Layer::linear("l1", 64, 16, false), Layer::batchnorm1d("bn2", 16), Layer::relu("r2"),
                       Layer::linear("l2", 16, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(7);
  randomize_batchnorm(*m, "bn1", 4, 11);
  randomize_batchnorm(*m, "bn2", 16, 21);
  return {std::move(*m), Shape{3, 2, 8, 8}};
}

TEST(BatchnormMerge, MergedModelComputesTheSameOutputs) {
  for (bool conv_bias : {true, false}) {
    const RandomNet n = cnn_with_batchnorm(conv_bias);
    ASSERT_TRUE(has_mergeable_batchnorm(n.model));
    int merged_count = 0;
    Result<Model> merged = merge_batchnorm(n.model, &merged_count);
    ASSERT_TRUE(merged.ok()) << merged.status().message();
    EXPECT_EQ(merged_count, 2);
    EXPECT_EQ(merged->layers().size(), n.model.layers().size() - 2);
    for (const Layer& l : merged->layers()) {
      EXPECT_NE(l.type, OpKind::kBatchNorm1d);
      EXPECT_NE(l.type, OpKind::kBatchNorm2d);
    }
    EXPECT_TRUE(merged->layer("c1")->bias);
    EXPECT_TRUE(merged->layer("l1")->bias);
    EXPECT_FALSE(has_mergeable_batchnorm(*merged));
    const std::vector<float> x = uniform_values(static_cast<size_t>(n.shape.numel()), 5);
    const std::vector<float> a = model_outputs(n.model, x.data(), n.shape), b = model_outputs(*merged, x.data(), n.shape);
    ASSERT_EQ(a.size(), b.size());
    double worst = 0.0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
    std::printf("[batchnorm merge] conv bias %d: max |F_merged − F| %.2e\n", conv_bias, worst);
    EXPECT_LT(worst, 1e-5);
  }
}

TEST(BatchnormMerge, LrpExplainsTheMergedModel) {
  const RandomNet n = cnn_with_batchnorm(true);
  Result<Model> merged = merge_batchnorm(n.model);
  ASSERT_TRUE(merged.ok());
  const std::vector<float> x = uniform_values(static_cast<size_t>(n.shape.numel()), 9);
  for (const char* method : {"lrp-zplus", "lrp-gamma", "lrp-epsilon-plus", "lrp-epsilon-gamma-box"}) {
    const std::vector<float> on_original = explain(n.model, x, n.shape, method);
    const std::vector<float> on_merged = explain(*merged, x, n.shape, method);
    EXPECT_LT(relative_difference(on_merged, on_original), 1e-5) << method;
  }
  // The explicit ε form with an override on a merged layer.
  EXPECT_LT(relative_difference(explain(*merged, x, n.shape, "lrp-epsilon", {{"rule.c1", "zplus"}}),
                                explain(n.model, x, n.shape, "lrp-epsilon", {{"rule.c1", "zplus"}})),
            1e-5);
}

TEST(BatchnormMerge, LeavesUnmergeablePairs) {
  // conv1d → batchnorm1d: the engine's batchnorm1d normalises the last dim (the length), so it is
  // not per output channel; a batchnorm after a ReLU follows no affine layer.
  Result<Model> m = Model::create(Shape{2, 6}, {Layer::conv1d("c", 2, 3, 3, 1, 1), Layer::batchnorm1d("bn", 6), Layer::relu("r"),
                                                Layer::batchnorm1d("bn2", 6), Layer::flatten("f"), Layer::linear("l", 18, 2)});
  ASSERT_TRUE(m.ok()) << m.status().message();
  m->init_default(3);
  EXPECT_FALSE(has_mergeable_batchnorm(*m));
  int count = -1;
  Result<Model> merged = merge_batchnorm(*m, &count);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(count, 0);
  EXPECT_EQ(merged->layers().size(), m->layers().size());
  const std::vector<float> x = uniform_values(24, 1);
  EXPECT_EQ(model_outputs(*m, x.data(), Shape{2, 2, 6}), model_outputs(*merged, x.data(), Shape{2, 2, 6}));
}

}  // namespace
}  // namespace salient::explain
