// Gradient checks of flatten, reshape, dropout, add and mul, and of small chains where gradients
// accumulate (a value used twice, a value used by two ops).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

// The node that produced value `id`, or nullptr.
const Node* producer(const Graph& g, int32_t id) {
  for (int32_t i = 0; i < g.node_count(); ++i)
    if (g.node(i).out == id) return &g.node(i);
  return nullptr;
}

// ---- flatten / reshape -------------------------------------------------------------------------

TEST(GradcheckFlatten, FourDimensionalToTwo) {
  Rng rng(601);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 3, 2, 4}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return flatten(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::reshape(a[0], {2, 24}); }));
}

// Flatten feeding a linear layer: the signal must come back in the original element order.
TEST(GradcheckFlatten, FeedsLinear) {
  Rng rng(602);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 2, 3}, rng), gradcheck::RandomInput("weight", Shape{3, 6}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return linear(g, flatten(g, t[0]), t[1], nullptr); },
      [](const std::vector<Array>& a) {
        return refops::linear(refops::reshape(a[0], {2, 6}), a[1], nullptr);
      }));
}

TEST(GradcheckReshape, InferredDimension) {
  Rng rng(611);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 12}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return reshape(g, t[0], Shape{3, -1}); },
      [](const std::vector<Array>& a) { return refops::reshape(a[0], {2, 3, 4}); }));
}

TEST(GradcheckReshape, InferredMiddleDimension) {
  Rng rng(612);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 3, 4}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return reshape(g, t[0], Shape{2, -1, 3}); },
      [](const std::vector<Array>& a) { return refops::reshape(a[0], {2, 2, 2, 3}); }));
}

TEST(GradcheckReshape, ExplicitDimensions) {
  Rng rng(613);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{3, 2, 6}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return reshape(g, t[0], Shape{4, 3}); },
      [](const std::vector<Array>& a) { return refops::reshape(a[0], {3, 4, 3}); }));
}

// Reshape then a row-wise op over the NEW last dimension: checks the element order both ways.
TEST(GradcheckReshape, FeedsSoftmaxOverNewLastDim) {
  Rng rng(614);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 12}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return softmax(g, reshape(g, t[0], Shape{-1, 4})); },
      [](const std::vector<Array>& a) { return refops::softmax(refops::reshape(a[0], {2, 3, 4})); }));
}

// ---- dropout -----------------------------------------------------------------------------------

TEST(GradcheckDropout, EvalModeIsIdentity) {
  Rng rng(621);
  const Input x = gradcheck::RandomInput("x", Shape{3, 8}, rng);
  gradcheck::Options options;
  options.graph.training = false;
  EXPECT_TRUE(gradcheck::Check(
      {x}, [](Graph& g, const std::vector<Tensor>& t) { return dropout(g, t[0], 0.5f); },
      [](const std::vector<Array>& a) { return a[0]; }, options));

  // Bit-identical output, no mask, and the gradient is exactly the upstream signal.
  Arena arena;
  Graph g(arena, options.graph);
  const Tensor in = g.input(x.data.data(), x.shape, true);
  const Tensor y = dropout(g, in, 0.5f);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const Node* node = producer(g, y.id);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->kind, OpKind::kDropout);
  EXPECT_EQ(node->saved, nullptr);
  EXPECT_EQ(std::memcmp(y.data, x.data.data(), x.data.size() * sizeof(float)), 0);
  const std::vector<float> seed = gradcheck::Uniform(rng, y.numel());
  ASSERT_TRUE(g.backward(y, seed.data(), gradient_rules()).ok());
  ASSERT_NE(g.grad(in), nullptr);
  for (size_t i = 0; i < seed.size(); ++i) EXPECT_EQ(g.grad(in)[i], seed[i]) << i;
}

TEST(GradcheckDropout, TrainingMatchesRecordedMask) {
  constexpr float kP = 0.3f;
  const float keep_scale = 1.0f / (1.0f - kP);
  Rng rng(631);
  const Input x = gradcheck::RandomInput("x", Shape{4, 25}, rng);
  gradcheck::Options options;
  options.graph.training = true;
  options.graph.seed = 77;

  // The reference needs the mask the engine drew: read it from the tape after building.
  std::vector<double> mask;
  EXPECT_TRUE(gradcheck::Check(
      {x},
      [&mask](Graph& g, const std::vector<Tensor>& t) {
        const Tensor y = dropout(g, t[0], kP);
        const Node* node = producer(g, y.id);
        if (node && node->saved) mask.assign(node->saved, node->saved + y.numel());
        return y;
      },
      [&mask](const std::vector<Array>& a) {
        Array y = a[0];
        for (size_t i = 0; i < y.data.size(); ++i) y.data[i] *= mask.at(i);
        return y;
      },
      options));
  ASSERT_EQ(mask.size(), x.data.size());

  // The mask holds exactly 0 or 1/(1 − p), and the gradient is c ⊙ mask.
  Arena arena;
  Graph g(arena, options.graph);
  const Tensor in = g.input(x.data.data(), x.shape, true);
  const Tensor y = dropout(g, in, kP);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const Node* node = producer(g, y.id);
  ASSERT_TRUE(node && node->saved);
  EXPECT_FLOAT_EQ(node->p, kP);
  int dropped = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    EXPECT_TRUE(node->saved[i] == 0.0f || node->saved[i] == keep_scale) << i << ": " << node->saved[i];
    EXPECT_EQ(node->saved[i], static_cast<float>(mask[i])) << "same seed, same mask";
    EXPECT_FLOAT_EQ(y.data[i], x.data[i] * node->saved[i]) << i;
    dropped += node->saved[i] == 0.0f;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, y.numel());
  const std::vector<float> seed = gradcheck::Uniform(rng, y.numel());
  ASSERT_TRUE(g.backward(y, seed.data(), gradient_rules()).ok());
  const float* gx = g.grad(in);
  ASSERT_NE(gx, nullptr);
  for (int64_t i = 0; i < y.numel(); ++i) EXPECT_FLOAT_EQ(gx[i], seed[i] * node->saved[i]) << i;
}

// Over many elements the kept fraction is 1 − p within 6 standard deviations (σ = √(p(1−p)/n)),
// and the kept values are scaled by 1/(1 − p) so that E[y] = x (inverted dropout): on x = 1 the
// mean of y is 1 within 6σ, σ = √(p/((1−p)n)).
TEST(GradcheckDropout, KeptFractionIsNearOneMinusP) {
  constexpr int64_t kCount = 100000;
  const std::vector<float> ones(kCount, 1.0f);
  for (float p : {0.1f, 0.5f, 0.8f}) {
    SCOPED_TRACE(p);
    Arena arena;
    GraphOptions options;
    options.training = true;
    options.seed = 2024;
    Graph g(arena, options);
    const Tensor y = dropout(g, g.input(ones.data(), Shape{100, kCount / 100}, true), p);
    ASSERT_TRUE(g.ok()) << g.status().message();
    const float keep_scale = 1.0f / (1.0f - p);
    int64_t kept = 0, wrong_values = 0;
    double sum = 0.0;
    for (int64_t i = 0; i < kCount; ++i) {
      kept += y.data[i] != 0.0f;
      wrong_values += y.data[i] != 0.0f && y.data[i] != keep_scale;
      sum += y.data[i];
    }
    EXPECT_EQ(wrong_values, 0) << "kept values must be exactly 1/(1 - p)";
    const double fraction = static_cast<double>(kept) / kCount;
    EXPECT_NEAR(fraction, 1.0 - p, 6.0 * std::sqrt(p * (1.0 - p) / kCount));
    EXPECT_NEAR(sum / kCount, 1.0, 6.0 * std::sqrt(p / ((1.0 - p) * kCount)));
  }
}

TEST(GradcheckDropout, SameSeedReproducesTheMaskBitIdentically) {
  Rng rng(641);
  const std::vector<float> x = gradcheck::Uniform(rng, 1000);
  auto draw_mask = [&x](uint64_t seed) {
    Arena arena;
    GraphOptions options;
    options.training = true;
    options.seed = seed;
    Graph g(arena, options);
    const Tensor y = dropout(g, g.input(x.data(), Shape{10, 100}, true), 0.5f);
    const Node* node = producer(g, y.id);
    std::vector<float> mask;
    if (g.ok() && node && node->saved) mask.assign(node->saved, node->saved + y.numel());
    return mask;
  };
  const std::vector<float> a = draw_mask(99);
  const std::vector<float> b = draw_mask(99);
  const std::vector<float> c = draw_mask(100);
  ASSERT_EQ(a.size(), x.size());
  ASSERT_EQ(b.size(), x.size());
  ASSERT_EQ(c.size(), x.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_NE(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)), 0)
      << "a different seed should draw a different mask";
}

// p = 0 in training draws nothing: the identity, like eval mode.
TEST(GradcheckDropout, ZeroProbabilityInTrainingIsIdentity) {
  Rng rng(651);
  gradcheck::Options options;
  options.graph.training = true;
  options.graph.seed = 5;
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 9}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return dropout(g, t[0], 0.0f); },
      [](const std::vector<Array>& a) { return a[0]; }, options));
}

// ---- add / mul ---------------------------------------------------------------------------------

TEST(GradcheckAdd, SameShapeTensors) {
  Rng rng(661);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("a", Shape{3, 4, 5}, rng), gradcheck::RandomInput("b", Shape{3, 4, 5}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return add(g, t[0], t[1]); },
      [](const std::vector<Array>& a) { return refops::add(a[0], a[1]); }));
}

TEST(GradcheckMul, SameShapeTensors) {
  Rng rng(671);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("a", Shape{3, 4, 5}, rng), gradcheck::RandomInput("b", Shape{3, 4, 5}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) { return mul(g, t[0], t[1]); },
      [](const std::vector<Array>& a) { return refops::mul(a[0], a[1]); }));
}

// y = a ⊙ a: both slots of one node name the same value, so its gradient accumulates to 2·a·c.
TEST(GradcheckMul, SameTensorTwiceAccumulates) {
  Rng rng(681);
  const Input a = gradcheck::RandomInput("a", Shape{4, 6}, rng);
  EXPECT_TRUE(gradcheck::Check(
      {a}, [](Graph& g, const std::vector<Tensor>& t) { return mul(g, t[0], t[0]); },
      [](const std::vector<Array>& x) { return refops::mul(x[0], x[0]); }));

  Arena arena;
  Graph g(arena);
  const Tensor in = g.input(a.data.data(), a.shape, true);
  const Tensor y = mul(g, in, in);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const std::vector<float> seed = gradcheck::Uniform(rng, y.numel());
  ASSERT_TRUE(g.backward(y, seed.data(), gradient_rules()).ok());
  ASSERT_NE(g.grad(in), nullptr);
  for (size_t i = 0; i < seed.size(); ++i)
    EXPECT_FLOAT_EQ(g.grad(in)[i], 2.0f * a.data[i] * seed[i]) << i;
}

// ---- chains ------------------------------------------------------------------------------------

// x feeds two different ops (mul and tanh) whose results are added: its gradient is the sum
// c ⊙ w + c ⊙ (1 − tanh²x), accumulated across nodes.
TEST(GradcheckChain, ValueUsedByTwoOpsAccumulates) {
  Rng rng(691);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{3, 5}, rng), gradcheck::RandomInput("w", Shape{3, 5}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        return add(g, mul(g, t[0], t[1]), tanh(g, t[0]));
      },
      [](const std::vector<Array>& a) {
        return refops::add(refops::mul(a[0], a[1]), refops::tanh(a[0]));
      }));
}

// A small CNN classifier head: conv2d → tanh → avgpool2d → flatten → linear → log-softmax.
TEST(GradcheckChain, ConvTanhPoolLinearLogSoftmax) {
  Rng rng(692);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 2, 6, 6}, rng), gradcheck::RandomInput("conv.weight", Shape{3, 2, 3, 3}, rng),
       gradcheck::RandomInput("conv.bias", Shape{3}, rng), gradcheck::RandomInput("fc.weight", Shape{4, 27}, rng),
       gradcheck::RandomInput("fc.bias", Shape{4}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        Tensor h = conv2d(g, t[0], t[1], &t[2], {1, 1}, {1, 1});
        h = avgpool2d(g, tanh(g, h), {2, 2}, {2, 2});
        return log_softmax(g, linear(g, flatten(g, h), t[3], &t[4]));
      },
      [](const std::vector<Array>& a) {
        Array h = refops::conv2d(a[0], a[1], &a[2], 1, 1, 1, 1);
        h = refops::avgpool2d(refops::tanh(h), 2, 2, 2, 2);
        return refops::log_softmax(refops::linear(refops::reshape(h, {2, 27}), a[3], &a[4]));
      }));
}

// A 1-D sequence model: conv1d → sigmoid → global average pool → linear → softmax.
TEST(GradcheckChain, Conv1dSigmoidGlobalPoolLinearSoftmax) {
  Rng rng(693);
  EXPECT_TRUE(gradcheck::Check(
      {gradcheck::RandomInput("x", Shape{2, 3, 10}, rng), gradcheck::RandomInput("conv.weight", Shape{4, 3, 3}, rng),
       gradcheck::RandomInput("conv.bias", Shape{4}, rng), gradcheck::RandomInput("fc.weight", Shape{3, 4}, rng),
       gradcheck::RandomInput("fc.bias", Shape{3}, rng)},
      [](Graph& g, const std::vector<Tensor>& t) {
        Tensor h = sigmoid(g, conv1d(g, t[0], t[1], &t[2], 2, 1));
        return softmax(g, linear(g, global_avgpool(g, h), t[3], &t[4]));
      },
      [](const std::vector<Array>& a) {
        Array h = refops::sigmoid(refops::conv1d(a[0], a[1], &a[2], 2, 1));
        return refops::softmax(refops::linear(refops::global_avgpool(h), a[3], &a[4]));
      }));
}

}  // namespace
}  // namespace salient
