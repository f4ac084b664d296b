// Every backward rule must ADD into its input's gradient buffer (kernels.h): a value used by two
// nodes (shared weights, a skip connection) receives the sum of both signals. Each test feeds the
// same value to two nodes of one op kind, so a rule that overwrote the buffer (= instead of +=)
// would lose the first node's contribution and fail the gradient check.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "salient/ops.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

// One weight and bias shared by two linear nodes on different inputs, plus an input used twice.
TEST(GradcheckAccumulate, LinearSharedWeightAndBias) {
  Rng rng(701);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x1", Shape{3, 4}, rng), gradcheck::RandomInput("x2", Shape{3, 4}, rng),
       gradcheck::RandomInput("weight", Shape{5, 4}, rng), gradcheck::RandomInput("bias", Shape{5}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        return add(g, linear(g, t[0], t[2], &t[3]), linear(g, t[1], t[2], &t[3]));
      },
      [](const std::vector<Array>& a) {
        return refops::add(refops::linear(a[0], a[2], &a[3]), refops::linear(a[1], a[2], &a[3]));
      }));
}

TEST(GradcheckAccumulate, LinearSameInputTwoWeights) {
  Rng rng(702);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 3, 4}, rng), gradcheck::RandomInput("w1", Shape{3, 4}, rng),
       gradcheck::RandomInput("w2", Shape{3, 4}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        return add(g, linear(g, t[0], t[1], nullptr), linear(g, t[0], t[2], nullptr));
      },
      [](const std::vector<Array>& a) {
        return refops::add(refops::linear(a[0], a[1], nullptr), refops::linear(a[0], a[2], nullptr));
      }));
}

TEST(GradcheckAccumulate, Conv2dSharedWeightAndBias) {
  Rng rng(703);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x1", Shape{2, 2, 5, 4}, rng), gradcheck::RandomInput("x2", Shape{2, 2, 5, 4}, rng),
       gradcheck::RandomInput("weight", Shape{3, 2, 2, 3}, rng), gradcheck::RandomInput("bias", Shape{3}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        return add(g, conv2d(g, t[0], t[2], &t[3], {2, 1}, {1, 1}),
                   conv2d(g, t[1], t[2], &t[3], {2, 1}, {1, 1}));
      },
      [](const std::vector<Array>& a) {
        return refops::add(refops::conv2d(a[0], a[2], &a[3], 2, 1, 1, 1),
                           refops::conv2d(a[1], a[2], &a[3], 2, 1, 1, 1));
      }));
}

TEST(GradcheckAccumulate, Conv1dSameInputTwoWeights) {
  Rng rng(704);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 3, 8}, rng), gradcheck::RandomInput("w1", Shape{2, 3, 3}, rng),
       gradcheck::RandomInput("w2", Shape{2, 3, 3}, rng), gradcheck::RandomInput("b1", Shape{2}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        return add(g, conv1d(g, t[0], t[1], &t[3], 2, 1), conv1d(g, t[0], t[2], nullptr, 2, 1));
      },
      [](const std::vector<Array>& a) {
        return refops::add(refops::conv1d(a[0], a[1], &a[3], 2, 1),
                           refops::conv1d(a[0], a[2], nullptr, 2, 1));
      }));
}

// y = f(x) + f(x) for single-input ops: ∂L/∂x = 2·f'(x)ᵀc.
struct UnaryCase {
  const char* name;
  std::function<Tensor(Graph&, const Tensor&)> op;
  std::function<Array(const Array&)> ref;
};

void check_used_twice(const std::vector<UnaryCase>& cases, const std::vector<float>& x,
                      const Shape& shape) {
  for (const UnaryCase& k : cases) {
    SCOPED_TRACE(k.name);
    EXPECT_TRUE(gradcheck::Check(
        {Input{"x", shape, x}},
        [&k](Graph& g, const std::vector<Tensor>& t) { return add(g, k.op(g, t[0]), k.op(g, t[0])); },
        [&k](const std::vector<Array>& a) { return refops::add(k.ref(a[0]), k.ref(a[0])); }));
  }
}

TEST(GradcheckAccumulate, ActivationsUsedTwice) {
  Rng rng(705);
  const Shape shape{3, 6};
  // Away from relu's kink, so the same data serve every activation.
  const std::vector<float> x = gradcheck::AwayFromZero(rng, shape.numel(), 0.05f, 2.0f);
  check_used_twice(
      {
          {"relu", [](Graph& g, const Tensor& t) { return relu(g, t); },
           [](const Array& a) { return refops::relu(a); }},
          {"tanh", [](Graph& g, const Tensor& t) { return tanh(g, t); },
           [](const Array& a) { return refops::tanh(a); }},
          {"sigmoid", [](Graph& g, const Tensor& t) { return sigmoid(g, t); },
           [](const Array& a) { return refops::sigmoid(a); }},
          {"softmax", [](Graph& g, const Tensor& t) { return softmax(g, t); },
           [](const Array& a) { return refops::softmax(a); }},
          {"log_softmax", [](Graph& g, const Tensor& t) { return log_softmax(g, t); },
           [](const Array& a) { return refops::log_softmax(a); }},
      },
      x, shape);
}

TEST(GradcheckAccumulate, PoolsUsedTwice) {
  Rng rng(706);
  // Distinct values 0.01 apart: unique window maxima (no kinks), fine for the other pools too.
  const Shape shape3{2, 2, 7};
  check_used_twice(
      {
          {"maxpool1d", [](Graph& g, const Tensor& t) { return maxpool1d(g, t, 3, 2); },
           [](const Array& a) { return refops::maxpool1d(a, 3, 2); }},
          {"avgpool1d", [](Graph& g, const Tensor& t) { return avgpool1d(g, t, 3, 2); },
           [](const Array& a) { return refops::avgpool1d(a, 3, 2); }},
          {"global_avgpool", [](Graph& g, const Tensor& t) { return global_avgpool(g, t); },
           [](const Array& a) { return refops::global_avgpool(a); }},
      },
      gradcheck::DistinctShuffled(rng, shape3.numel(), 0.01f), shape3);
  const Shape shape4{2, 2, 5, 5};
  check_used_twice(
      {
          {"maxpool2d", [](Graph& g, const Tensor& t) { return maxpool2d(g, t, {3, 2}, {2, 1}); },
           [](const Array& a) { return refops::maxpool2d(a, 3, 2, 2, 1); }},
          {"avgpool2d", [](Graph& g, const Tensor& t) { return avgpool2d(g, t, {3, 2}, {2, 1}); },
           [](const Array& a) { return refops::avgpool2d(a, 3, 2, 2, 1); }},
          {"global_avgpool", [](Graph& g, const Tensor& t) { return global_avgpool(g, t); },
           [](const Array& a) { return refops::global_avgpool(a); }},
      },
      gradcheck::DistinctShuffled(rng, shape4.numel(), 0.01f), shape4);
}

TEST(GradcheckAccumulate, ShapeOpsAndEvalDropoutUsedTwice) {
  Rng rng(707);
  const Shape shape{2, 3, 4};
  check_used_twice(
      {
          {"flatten", [](Graph& g, const Tensor& t) { return flatten(g, t); },
           [](const Array& a) { return refops::reshape(a, {2, 12}); }},
          {"reshape", [](Graph& g, const Tensor& t) { return reshape(g, t, Shape{-1, 6}); },
           [](const Array& a) { return refops::reshape(a, {2, 2, 6}); }},
          {"dropout (eval)", [](Graph& g, const Tensor& t) { return dropout(g, t, 0.5f); },
           [](const Array& a) { return a; }},
      },
      gradcheck::Uniform(rng, shape.numel()), shape);
}

// Two training-mode dropout nodes on one input draw two masks: gradient c ⊙ (m1 + m2).
TEST(GradcheckAccumulate, TrainingDropoutUsedTwice) {
  Rng rng(708);
  gradcheck::Options options;
  options.graph.training = true;
  options.graph.seed = 31;
  std::vector<std::vector<double>> masks;
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{4, 10}, rng)},
      [&masks](Graph& g, const std::vector<Tensor>& t) {
        masks.clear();
        const Tensor a = dropout(g, t[0], 0.5f);
        const Tensor b = dropout(g, t[0], 0.5f);
        for (int32_t i = 0; i < g.node_count(); ++i)
          if (g.node(i).kind == OpKind::kDropout && g.node(i).saved)
            masks.emplace_back(g.node(i).saved, g.node(i).saved + t[0].numel());
        return add(g, a, b);
      },
      [&masks](const std::vector<Array>& a) {
        Array y = Array::zeros(a[0].shape);
        for (size_t i = 0; i < y.data.size(); ++i)
          y.data[i] = a[0].data[i] * masks.at(0).at(i) + a[0].data[i] * masks.at(1).at(i);
        return y;
      },
      options));
  ASSERT_EQ(masks.size(), 2u);
  EXPECT_NE(masks[0], masks[1]) << "each dropout node draws its own mask";
}

}  // namespace
}  // namespace salient
