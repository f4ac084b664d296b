#include "salient/explain/backprop.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "salient/random.h"

namespace salient::explain {
namespace {

Model small_cnn() {
  Result<Model> m = Model::create(
      Shape{1, 6, 6}, {Layer::conv2d("conv", 1, 4, {3, 3}, {1, 1}, {1, 1}), Layer::relu("relu"),
                       Layer::maxpool2d("pool", {2, 2}), Layer::flatten("flat"), Layer::linear("fc", 36, 3)});
  SALIENT_ASSERT(m.ok());
  m->init_default(8);
  return std::move(*m);
}

std::vector<float> random_input(int n, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(n) * 36);
  Rng rng(seed);
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  return x;
}

// Reference: the gradient of output (sample, column) by a plain graph backward with a one-hot seed.
std::vector<float> gradient_of(const Model& m, const std::vector<float>& x, int n, int sample, int column) {
  Arena arena;
  Graph g(arena);
  Tensor xt = g.input(x.data(), Shape{n, 1, 6, 6}, true);
  Tensor y = m.forward(g, xt);
  std::vector<float> seed(static_cast<size_t>(y.numel()), 0.0f);
  seed[static_cast<size_t>(sample * 3 + column)] = 1.0f;
  SALIENT_ASSERT(g.backward(y, seed.data(), gradient_rules()).ok());
  return std::vector<float>(g.grad(xt) + sample * 36, g.grad(xt) + (sample + 1) * 36);
}

TEST(Backprop, EachSampleGetsTheGradientOfItsOwnTarget) {
  const Model m = small_cnn();
  const std::vector<float> x = random_input(3, 2);
  const int32_t targets[3] = {2, 0, 1};
  std::vector<float> attr(x.size()), out(9);
  std::vector<int32_t> chosen(3);
  Arena arena;
  Status s = backprop(m, x.data(), Shape{3, 1, 6, 6}, Target{targets}, gradient_rules(), arena, attr.data(),
                      out.data(), chosen.data());
  ASSERT_TRUE(s.ok()) << s.message();
  for (int n = 0; n < 3; ++n) {
    EXPECT_EQ(chosen[n], targets[n]);
    const std::vector<float> expected = gradient_of(m, x, 3, n, targets[n]);
    for (int i = 0; i < 36; ++i) EXPECT_EQ(attr[n * 36 + i], expected[i]) << n << "," << i;
  }
}

TEST(Backprop, DefaultTargetIsTheArgmax) {
  const Model m = small_cnn();
  const std::vector<float> x = random_input(4, 3);
  std::vector<float> attr(x.size()), out(12);
  std::vector<int32_t> chosen(4);
  Arena arena;
  ASSERT_TRUE(backprop(m, x.data(), Shape{4, 1, 6, 6}, Target{}, gradient_rules(), arena, attr.data(),
                       out.data(), chosen.data())
                  .ok());
  for (int n = 0; n < 4; ++n) {
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (out[n * 3 + c] > out[n * 3 + best]) best = c;
    EXPECT_EQ(chosen[n], best);
  }
}

TEST(Backprop, ErrorsAreStatuses) {
  const Model m = small_cnn();
  const std::vector<float> x = random_input(1, 4);
  std::vector<float> attr(x.size());
  Arena arena;
  const int32_t bad[1] = {3};
  Status s = backprop(m, x.data(), Shape{1, 1, 6, 6}, Target{bad}, gradient_rules(), arena, attr.data());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("target 3 of sample 0 is not in [0, 3)"), std::string::npos);

  Status shape = backprop(m, x.data(), Shape{1, 6, 6}, Target{}, gradient_rules(), arena, attr.data());
  EXPECT_EQ(shape.code(), Code::kInvalidArgument);

  Result<Model> seq = Model::create(Shape{0, 2}, {Layer::linear("fc", 2, 2)});
  std::vector<float> xs(1 * 3 * 2, 1.0f), as(xs.size());
  Status per_step = backprop(*seq, xs.data(), Shape{1, 3, 2}, Target{}, gradient_rules(), arena, as.data());
  EXPECT_NE(std::string(per_step.message()).find("not [N, C]"), std::string::npos);
}

}  // namespace
}  // namespace salient::explain
