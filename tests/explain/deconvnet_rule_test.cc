// deconvnet: every ReLU passes max(g, 0) with no forward mask (SPEC §6, §8 identity 7), so on a net
// without max pools the map does not depend on x at all; max-pool switches stay the gradient's.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

std::vector<float> explain(const Model& m, const std::vector<float>& x, const Shape& shape, const char* method,
                           std::vector<Setting> settings = {}) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = shape;
  r.settings = std::move(settings);
  const int32_t cols[1] = {0};
  r.target = Target{cols};
  std::vector<float> a(x.size());
  Arena arena;
  const Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return a;
}

TEST(DeconvNet, IgnoresForwardMasks) {
  Result<Model> m = Model::create(Shape{6}, {Layer::linear("l1", 6, 12), Layer::relu("r1"), Layer::linear("l2", 12, 8),
                                             Layer::relu("r2"), Layer::linear("l3", 8, 3)});
  ASSERT_TRUE(m.ok());
  m->init_default(5);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-3.0f, 3.0f);
  std::vector<float> first;
  bool differs_from_gradient = false;
  for (int trial = 0; trial < 8; ++trial) {
    std::vector<float> x(6);
    for (float& v : x) v = d(rng);
    const std::vector<float> a = explain(*m, x, Shape{1, 6}, "deconvnet");
    if (trial == 0) first = a;
    EXPECT_EQ(a, first);  // different inputs flip different ReLU masks: no change
    differs_from_gradient = differs_from_gradient || a != explain(*m, x, Shape{1, 6}, "saliency", {{"abs", "false"}});
  }
  EXPECT_TRUE(differs_from_gradient);
}

TEST(DeconvNet, DeepExplainNet) {
  // ReLU(ReLU(x1 − 1) − ReLU(x2)): signals (1, −1) reach the first ReLUs; deconvnet keeps (1, 0)
  // at (3, 1) and at (−10, −5) alike.
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("l1", 2, 2), Layer::relu("r1"), Layer::linear("l2", 2, 1, false),
                                             Layer::relu("r2")});
  ASSERT_TRUE(m.ok());
  const float w1[4] = {1, 0, 0, 1}, b1[2] = {-1, 0}, w2[2] = {1, -1};
  std::copy(w1, w1 + 4, m->parameter("l1.weight"));
  std::copy(b1, b1 + 2, m->parameter("l1.bias"));
  std::copy(w2, w2 + 2, m->parameter("l2.weight"));
  EXPECT_EQ(explain(*m, {3, 1}, Shape{1, 2}, "deconvnet"), (std::vector<float>{1, 0}));
  EXPECT_EQ(explain(*m, {-10, -5}, Shape{1, 2}, "deconvnet"), (std::vector<float>{1, 0}));
}

TEST(DeconvNet, KeepsMaxPoolSwitches) {
  // x → maxpool1d(2) → flatten → linear(W = 1): the signal reaches only each window's winner.
  Result<Model> m = Model::create(Shape{1, 4}, {Layer::relu("r"), Layer::maxpool1d("p", 2), Layer::flatten("f"),
                                                Layer::linear("l", 2, 1, false)});
  ASSERT_TRUE(m.ok());
  std::fill(m->parameter("l.weight"), m->parameter("l.weight") + 2, 1.0f);
  EXPECT_EQ(explain(*m, {0.5f, 2.0f, -1.0f, -3.0f}, Shape{1, 1, 4}, "deconvnet"), (std::vector<float>{0, 1, 1, 0}));
}

}  // namespace
}  // namespace salient::explain
