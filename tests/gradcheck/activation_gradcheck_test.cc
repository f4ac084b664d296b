// Gradient checks of relu, tanh, sigmoid, softmax and log-softmax. relu inputs keep |x| >= 0.05
// so that ±h never crosses the kink; relu'(0) = 0 is checked exactly on its own.
#include <gtest/gtest.h>

#include <vector>

#include "salient/arena.h"
#include "salient/ops.h"
#include "salient/rules.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

Input uniform_input(const Shape& shape, float lo, float hi, uint64_t seed) {
  Rng rng(seed);
  return Input{"x", shape, gradcheck::Uniform(rng, shape.numel(), lo, hi)};
}

TEST(GradcheckRelu, AwayFromTheKink) {
  Rng rng(501);
  const Shape shape{3, 4, 5};
  EXPECT_TRUE(gradcheck::Check(
      {Input{"x", shape, gradcheck::AwayFromZero(rng, shape.numel(), 0.05f, 2.0f)}},
      [](Graph& g, const std::vector<Tensor>& t) { return relu(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::relu(a[0]); }));
}

// relu'(0) = 0 by definition (SPEC; PyTorch's convention): exact zeros, of either sign, get no
// signal; positive inputs pass it unchanged, negative ones block it. Checked exactly.
TEST(GradcheckRelu, DerivativeAtZeroIsZero) {
  const std::vector<float> x = {0.0f, -0.0f, 1.5f, -2.0f, 0.0f, 0.25f, -0.0f, 3.0f};
  const std::vector<float> seed = {0.5f, -1.0f, 0.75f, 2.0f, -0.25f, 1.25f, 4.0f, -3.0f};
  Arena arena;
  Graph g(arena);
  const Tensor in = g.input(x.data(), Shape{2, 4}, true);
  const Tensor y = relu(g, in);
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_TRUE(g.backward(y, seed.data(), gradient_rules()).ok());
  const float* gx = g.grad(in);
  ASSERT_NE(gx, nullptr);
  for (size_t i = 0; i < x.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(y.data[i], x[i] > 0.0f ? x[i] : 0.0f);
    EXPECT_EQ(gx[i], x[i] > 0.0f ? seed[i] : 0.0f);
  }
}

TEST(GradcheckTanh, RandomInputs) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{4, 6}, -3.0f, 3.0f, 511)},
      [](Graph& g, const std::vector<Tensor>& t) { return tanh(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::tanh(a[0]); }));
}

TEST(GradcheckSigmoid, RandomInputsBothBranches) {
  // Both branches of the kernel (x >= 0 and x < 0) are exercised.
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{4, 6}, -5.0f, 5.0f, 521)},
      [](Graph& g, const std::vector<Tensor>& t) { return sigmoid(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::sigmoid(a[0]); }));
}

TEST(GradcheckSoftmax, TwoDimensional) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{4, 7}, -3.0f, 3.0f, 531)},
      [](Graph& g, const std::vector<Tensor>& t) { return softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::softmax(a[0]); }));
}

TEST(GradcheckSoftmax, ThreeDimensionalOverLastDim) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{2, 3, 5}, -3.0f, 3.0f, 532)},
      [](Graph& g, const std::vector<Tensor>& t) { return softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::softmax(a[0]); }));
}

// Logits around 30 (e^30 ≈ 1e13): the max subtraction keeps the forward and backward accurate.
TEST(GradcheckSoftmax, LargeLogits) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{3, 5}, 28.0f, 32.0f, 533)},
      [](Graph& g, const std::vector<Tensor>& t) { return softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::softmax(a[0]); }));
}

// One column: y ≡ 1, the gradient is exactly zero.
TEST(GradcheckSoftmax, SingleColumn) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{4, 1}, -2.0f, 2.0f, 534)},
      [](Graph& g, const std::vector<Tensor>& t) { return softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::softmax(a[0]); }));
}

TEST(GradcheckLogSoftmax, TwoDimensional) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{4, 7}, -3.0f, 3.0f, 541)},
      [](Graph& g, const std::vector<Tensor>& t) { return log_softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::log_softmax(a[0]); }));
}

TEST(GradcheckLogSoftmax, ThreeDimensionalOverLastDim) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{2, 3, 5}, -3.0f, 3.0f, 542)},
      [](Graph& g, const std::vector<Tensor>& t) { return log_softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::log_softmax(a[0]); }));
}

TEST(GradcheckLogSoftmax, LargeLogits) {
  EXPECT_TRUE(gradcheck::Check(
      {uniform_input(Shape{3, 5}, 28.0f, 32.0f, 543)},
      [](Graph& g, const std::vector<Tensor>& t) { return log_softmax(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::log_softmax(a[0]); }));
}

}  // namespace
}  // namespace salient
