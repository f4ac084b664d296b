#include "salient/graph.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/ops.h"
#include "salient/rules.h"

namespace salient {
namespace {

bool contains(const char* text, const char* part) { return std::string(text).find(part) != std::string::npos; }

TEST(Graph, FirstErrorSticksAndLaterOpsReturnInvalidTensors) {
  Arena arena;
  Graph g(arena);
  std::vector<float> x(2 * 3, 1.0f), w(4 * 5, 0.5f);
  Tensor xt = g.input(x.data(), Shape{2, 3});
  Tensor wt = g.param(w.data(), Shape{4, 5});
  Tensor y = linear(g, xt, wt, nullptr);  // 3 != 5
  EXPECT_FALSE(y.valid());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(contains(g.status().message(), "linear: input [2, 3] does not match weight [4, 5]"))
      << g.status().message();
  Tensor z = relu(g, y);
  EXPECT_FALSE(z.valid());
  Tensor t = tanh(g, xt);  // even a valid input is refused once the graph failed
  EXPECT_FALSE(t.valid());
  EXPECT_TRUE(contains(g.status().message(), "linear"));  // still the first error
}

TEST(Graph, RecordsOneNodePerOpWithLayerNames) {
  Arena arena;
  Graph g(arena);
  std::vector<float> x(2 * 3, 1.0f), w(4 * 3, 0.5f);
  Tensor xt = g.input(x.data(), Shape{2, 3}, true);
  Tensor h;
  {
    LayerScope scope(g, "fc1");
    h = linear(g, xt, g.param(w.data(), Shape{4, 3}), nullptr);
  }
  {
    LayerScope scope(g, "act");
    h = relu(g, h);
  }
  h = sigmoid(g, h);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g.node_count(), 3);
  EXPECT_EQ(g.node(0).kind, OpKind::kLinear);
  EXPECT_STREQ(g.layer_name(g.node(0).layer), "fc1");
  EXPECT_EQ(g.node(0).in[0], xt.id);
  EXPECT_EQ(g.node(1).kind, OpKind::kRelu);
  EXPECT_STREQ(g.layer_name(g.node(1).layer), "act");
  EXPECT_EQ(g.node(1).in[0], g.node(0).out);  // the saved pre-activation z is the linear's output
  EXPECT_EQ(g.node(2).layer, -1);
  EXPECT_STREQ(g.layer_name(g.node(2).layer), "");
}

TEST(Graph, InferenceGraphRecordsNothingAndRefusesBackward) {
  Arena arena;
  Graph g(arena, GraphOptions{.record = false});
  std::vector<float> x = {-1.0f, 2.0f};
  Tensor xt = g.input(x.data(), Shape{1, 2}, true);
  Tensor y = relu(g, xt);
  ASSERT_TRUE(y.valid());
  EXPECT_EQ(y.data[0], 0.0f);
  EXPECT_EQ(y.data[1], 2.0f);
  EXPECT_EQ(g.node_count(), 0);
  Status s = g.backward(y, nullptr, gradient_rules());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(contains(s.message(), "records"));
}

TEST(Graph, BackwardFromAValueWithoutGradientIsAnError) {
  Arena arena;
  Graph g(arena);
  std::vector<float> x = {1.0f, 2.0f};
  Tensor y = relu(g, g.input(x.data(), Shape{1, 2}, /*requires_grad=*/false));
  EXPECT_FALSE(g.backward(y, nullptr, gradient_rules()).ok());
  EXPECT_FALSE(g.backward(Tensor{}, nullptr, gradient_rules()).ok());
}

TEST(Graph, GradientsOnlyForValuesThatRequireThem) {
  Arena arena;
  Graph g(arena);
  std::vector<float> a = {1.0f, 2.0f}, b = {3.0f, 4.0f};
  Tensor at = g.input(a.data(), Shape{1, 2}, true);
  Tensor bt = g.input(b.data(), Shape{1, 2}, false);
  Tensor y = mul(g, at, bt);
  ASSERT_TRUE(g.backward(y, nullptr, gradient_rules()).ok());
  ASSERT_NE(g.grad(at), nullptr);
  EXPECT_EQ(g.grad(at)[0], 3.0f);
  EXPECT_EQ(g.grad(at)[1], 4.0f);
  EXPECT_EQ(g.grad(bt), nullptr);
}

TEST(Graph, ParamsRequireGradientsOnlyWhenAsked) {
  Arena arena;
  std::vector<float> w = {1.0f};
  Graph inference(arena);
  EXPECT_FALSE(inference.value(inference.param(w.data(), Shape{1}).id).requires_grad);
  Graph training(arena, GraphOptions{.param_grads = true});
  EXPECT_TRUE(training.value(training.param(w.data(), Shape{1}).id).requires_grad);
}

TEST(Graph, ValuesUsedTwiceAccumulateTheirGradient) {
  Arena arena;
  Graph g(arena);
  std::vector<float> a = {1.5f, -2.0f};
  Tensor at = g.input(a.data(), Shape{2}, true);
  Tensor y = add(g, mul(g, at, at), at);  // y = a² + a, dy/da = 2a + 1
  ASSERT_TRUE(g.backward(y, nullptr, gradient_rules()).ok());
  EXPECT_FLOAT_EQ(g.grad(at)[0], 4.0f);
  EXPECT_FLOAT_EQ(g.grad(at)[1], -3.0f);
}

TEST(Graph, NullInputIsAnError) {
  Arena arena;
  Graph g(arena);
  EXPECT_FALSE(g.input(nullptr, Shape{1}).valid());
  EXPECT_TRUE(contains(g.status().message(), "null"));
}

TEST(Shape, NumelComparisonAndFormatting) {
  Shape s{2, 3, 4};
  EXPECT_EQ(s.rank, 3);
  EXPECT_EQ(s.numel(), 24);
  EXPECT_EQ(s.numel_from(1), 12);
  EXPECT_EQ(s.back(), 4);
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_EQ(s, (Shape{2, 3, 4}));
  EXPECT_NE(s, (Shape{2, 3}));
  EXPECT_STREQ(ShapeStr(s).c_str(), "[2, 3, 4]");
  EXPECT_STREQ(ShapeStr(Shape{}).c_str(), "[]");
}

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const uint64_t va = a.next_u64();
    EXPECT_EQ(va, b.next_u64());
    EXPECT_NE(va, c.next_u64());
  }
}

TEST(Rng, UniformAndNormalMoments) {
  Rng r(7);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const float u = r.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    su += u;
    const double z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  // Standard errors: uniform mean 0.29/√n ≈ 6.5e-4, normal mean 1/√n ≈ 2.2e-3; bounds are 5σ.
  EXPECT_NEAR(su / n, 0.5, 3.3e-3);
  EXPECT_NEAR(sn / n, 0.0, 1.1e-2);
  EXPECT_NEAR(sn2 / n, 1.0, 1.6e-2);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.below(7), 7u);
}

}  // namespace
}  // namespace salient
