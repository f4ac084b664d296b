// guided-backprop: the ReLU rule g·[z>0]·[g>0] (SPEC §6). It equals the gradient when every
// signal reaching a ReLU is positive, and zeroes the negative signals otherwise.
#include <gtest/gtest.h>

#include <vector>

#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

Model net(const float* w1, const float* b1, const float* w2) {
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("l1", 2, 2), Layer::relu("r1"), Layer::linear("l2", 2, 1),
                                             Layer::relu("r2")});
  SALIENT_ASSERT(m.ok());
  std::copy(w1, w1 + 4, m->parameter("l1.weight"));
  std::copy(b1, b1 + 2, m->parameter("l1.bias"));
  std::copy(w2, w2 + 2, m->parameter("l2.weight"));
  m->parameter("l2.bias")[0] = 0.0f;
  return std::move(*m);
}

std::vector<float> explain(const Model& m, const std::vector<float>& x, const char* method) {
  Request r;
  r.model = &m;
  r.x = x.data();
  r.shape = Shape{static_cast<int64_t>(x.size()) / 2, 2};
  std::vector<float> a(x.size());
  Arena arena;
  Status s = run_method(method, r, arena, a.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return a;
}

TEST(GuidedBackprop, EqualsTheGradientWhenEverySignalIsPositive) {
  const float w1[4] = {1.0f, -2.0f, 0.5f, 3.0f}, b1[2] = {0.1f, -0.2f}, w2[2] = {2.0f, 0.5f};
  const Model m = net(w1, b1, w2);
  const std::vector<float> x = {3.0f, 1.0f, 0.5f, 2.0f, -4.0f, 1.0f};
  const std::vector<float> g = explain(m, x, "guided-backprop");
  const std::vector<float> signed_grad = [&] {
    Request r;
    r.model = &m;
    r.x = x.data();
    r.shape = Shape{3, 2};
    r.settings = {{"abs", "false"}};
    std::vector<float> a(x.size());
    Arena arena;
    EXPECT_TRUE(run_method("saliency", r, arena, a.data()).ok());
    return a;
  }();
  EXPECT_EQ(g, signed_grad);
}

TEST(GuidedBackprop, DropsNegativeSignalsAtReLUs) {
  // DeepExplain's net ReLU(ReLU(x1 − 1) − ReLU(x2)) at (3, 1): the gradient is (1, −1); the signal
  // reaching ReLU(x2) is −1, so guided backprop zeroes it: (1, 0).
  const float w1[4] = {1, 0, 0, 1}, b1[2] = {-1, 0}, w2[2] = {1, -1};
  const Model m = net(w1, b1, w2);
  EXPECT_EQ(explain(m, {3, 1, -10, -5}, "guided-backprop"), (std::vector<float>{1, 0, 0, 0}));
}

}  // namespace
}  // namespace salient::explain
