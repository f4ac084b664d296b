// Optimisers against PyTorch: three steps of torch.optim.Adam and torch.optim.SGD on fixed
// gradients, numbers produced by Debian's PyTorch 1.13 (script in the comment below). PyTorch ≥ 2.0
// computes Adam's first moment with lerp instead of mul/add, which rounds differently; both are
// within 8 float32 ulp (relative 1e-6) of each other after three steps, hence the tolerance.
//
//   w = [[0.5, -0.25], [1.5, 0.75]], b = [0.1, -0.2]; grads per step:
//   ([[0.3, -0.7], [1.1, 0.05]], [0.2, -0.4]), ([[-0.6, 0.2], [0.4, -1.3]], [0.9, 0.1]),
//   ([[0.01, 0.02], [-0.03, 2.5]], [-0.5, 0.3])
//   Adam(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-3); SGD(lr=0.1, momentum=0.9,
//   weight_decay=1e-3); opt.step() after assigning .grad each time.
#include "salient/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace salient {
namespace {

Model make_model() {
  // linear 2→2 (trainable weight, bias) then batchnorm1d (trainable weight/bias, buffers).
  Result<Model> m = Model::create(Shape{2}, {Layer::linear("fc", 2, 2), Layer::batchnorm1d("bn", 2)});
  SALIENT_ASSERT(m.ok());
  m->init_default(0);
  float* w = m->parameter("fc.weight");
  const float w0[4] = {0.5f, -0.25f, 1.5f, 0.75f};
  for (int i = 0; i < 4; ++i) w[i] = w0[i];
  m->parameter("fc.bias")[0] = 0.1f;
  m->parameter("fc.bias")[1] = -0.2f;
  return std::move(*m);
}

const float kGradW[3][4] = {{0.3f, -0.7f, 1.1f, 0.05f}, {-0.6f, 0.2f, 0.4f, -1.3f}, {0.01f, 0.02f, -0.03f, 2.5f}};
const float kGradB[3][2] = {{0.2f, -0.4f}, {0.9f, 0.1f}, {-0.5f, 0.3f}};
// A gradient for every batchnorm parameter too: buffers must ignore theirs, bn.weight/bias have none.
const float kJunk[2] = {100.0f, -100.0f};

template <class Optimizer>
void run_three_steps(Optimizer& opt, Model& m) {
  for (int s = 0; s < 3; ++s) {
    // parameters(): fc.weight, fc.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var
    const float* grads[6] = {kGradW[s], kGradB[s], nullptr, nullptr, kJunk, kJunk};
    ASSERT_TRUE(opt.step(m, grads).ok());
  }
}

void expect_close(const float* got, const std::vector<float>& want) {
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6 * std::fabs(want[i])) << i;
}

void expect_untouched_batchnorm(const Model& m) {
  EXPECT_EQ(m.parameter("bn.weight")[0], 1.0f);
  EXPECT_EQ(m.parameter("bn.bias")[1], 0.0f);
  EXPECT_EQ(m.parameter("bn.running_mean")[0], 0.0f);  // buffers: never updated by an optimiser
  EXPECT_EQ(m.parameter("bn.running_var")[1], 1.0f);
}

TEST(Optimizer, AdamMatchesPyTorch) {
  Model m = make_model();
  Adam adam(AdamOptions{.lr = 1e-2, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 1e-3});
  run_three_steps(adam, m);
  expect_close(m.parameter("fc.weight"), {0.496374249458313f, -0.23237179219722748f, 1.4744762182235718f,
                                          0.7440632581710815f});
  expect_close(m.parameter("fc.bias"), {0.07840500771999359f, -0.18612119555473328f});
  expect_untouched_batchnorm(m);
}

TEST(Optimizer, SgdWithMomentumMatchesPyTorch) {
  Model m = make_model();
  Sgd sgd(SgdOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
  run_three_steps(sgd, m);
  expect_close(m.parameter("fc.weight"), {0.531424880027771f, -0.10018438845872879f, 1.128104329109192f,
                                          0.733018159866333f});
  expect_close(m.parameter("fc.bias"), {-0.07523947954177856f, -0.14050200581550598f});
  expect_untouched_batchnorm(m);
}

TEST(Optimizer, PlainSgdIsOneGradientStep) {
  Model m = make_model();
  Sgd sgd(SgdOptions{.lr = 0.5});
  const float* grads[6] = {kGradW[0], kGradB[0], nullptr, nullptr, nullptr, nullptr};
  ASSERT_TRUE(sgd.step(m, grads).ok());
  EXPECT_FLOAT_EQ(m.parameter("fc.weight")[0], 0.5f - 0.5f * 0.3f);
  EXPECT_FLOAT_EQ(m.parameter("fc.bias")[1], -0.2f - 0.5f * -0.4f);
}

// Adam's first step moves every coordinate by lr·sign(g) (m̂/√v̂ = g/|g|) when eps ≪ |g|.
TEST(Optimizer, AdamFirstStepIsLrTimesSign) {
  Model m = make_model();
  Adam adam(AdamOptions{.lr = 0.01});
  const float* grads[6] = {kGradW[0], kGradB[0], nullptr, nullptr, nullptr, nullptr};
  ASSERT_TRUE(adam.step(m, grads).ok());
  const float w0[4] = {0.5f, -0.25f, 1.5f, 0.75f};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(m.parameter("fc.weight")[i], w0[i] - 0.01f * std::copysign(1.0f, kGradW[0][i]), 1e-6);
}

TEST(Optimizer, ParametersWithoutGradientKeepTheirStepCount) {
  // fc.bias has no gradient on the first step: its first Adam step happens on call two and must
  // equal a fresh first step (lr·sign(g)).
  Model m = make_model();
  Adam adam(AdamOptions{.lr = 0.01});
  const float* first[6] = {kGradW[0], nullptr, nullptr, nullptr, nullptr, nullptr};
  const float* second[6] = {kGradW[1], kGradB[1], nullptr, nullptr, nullptr, nullptr};
  ASSERT_TRUE(adam.step(m, first).ok());
  EXPECT_EQ(m.parameter("fc.bias")[0], 0.1f);
  ASSERT_TRUE(adam.step(m, second).ok());
  EXPECT_NEAR(m.parameter("fc.bias")[0], 0.1f - 0.01f, 1e-6);
  EXPECT_NEAR(m.parameter("fc.bias")[1], -0.2f - 0.01f, 1e-6);
}

TEST(Optimizer, InvalidHyperParametersAreErrors) {
  Model m = make_model();
  const float* grads[6] = {kGradW[0], kGradB[0], nullptr, nullptr, nullptr, nullptr};
  EXPECT_EQ(Sgd(SgdOptions{.lr = -1.0}).step(m, grads).code(), Code::kInvalidArgument);
  EXPECT_EQ(Sgd(SgdOptions{.momentum = -0.5}).step(m, grads).code(), Code::kInvalidArgument);
  EXPECT_EQ(Adam(AdamOptions{.beta1 = 1.0}).step(m, grads).code(), Code::kInvalidArgument);
  EXPECT_EQ(Adam(AdamOptions{.weight_decay = NAN}).step(m, grads).code(), Code::kInvalidArgument);
  EXPECT_EQ(m.parameter("fc.weight")[0], 0.5f);  // nothing moved
}

}  // namespace
}  // namespace salient
