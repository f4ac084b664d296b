// Known answers for the double-precision reference ops themselves: the gradient checks trust them
// as the oracle, so each is pinned to a hand-computed example (and the 1-D/2-D pairs to each other).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "salient/random.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using refops::Array;

void expect_array(const Array& got, const std::vector<int64_t>& shape,
                  const std::vector<double>& want) {
  ASSERT_EQ(got.shape, shape);
  ASSERT_EQ(got.data.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.data[i], want[i], 1e-12) << i;
}

TEST(GradcheckReference, LinearHandExample) {
  const Array x({2, 2}, {1, 2, 3, -1});
  const Array w({3, 2}, {1, 0, 0, 1, 1, 1});
  const Array b({3}, {0.5, 0, -1});
  expect_array(refops::linear(x, w, &b), {2, 3}, {1.5, 2, 2, 3.5, -1, 1});
  expect_array(refops::linear(x, w, nullptr), {2, 3}, {1, 2, 3, 3, -1, 2});
  // N×T×H input: same rows, leading dims kept.
  expect_array(refops::linear(refops::reshape(x, {1, 2, 2}), w, &b), {1, 2, 3},
               {1.5, 2, 2, 3.5, -1, 1});
}

TEST(GradcheckReference, Conv2dPaddedStridedHandExample) {
  // x = 1..9 as 3×3, w = [[1, 2], [3, 4]], padding 1, stride 2: each output sees the taps that
  // land inside the image (worked out by hand in the kernel tests too).
  Array x = Array::zeros({1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) x.data[i] = i + 1;
  const Array w({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_array(refops::conv2d(x, w, nullptr, 2, 2, 1, 1), {1, 1, 2, 2}, {4, 18, 36, 77});
  // Unpadded, stride 1, with a bias: y[i,j] = x[i,j] + 2x[i,j+1] + 3x[i+1,j] + 4x[i+1,j+1] + 1.
  const Array b({1}, {1});
  expect_array(refops::conv2d(x, w, &b, 1, 1, 0, 0), {1, 1, 2, 2}, {38, 48, 68, 78});
}

TEST(GradcheckReference, Conv2dChannelsHandExample) {
  // 1×1 kernel over 2 input channels, 2 output channels: y[o] = Σ_c w[o,c]·x[c] + b[o].
  const Array x({1, 2, 1, 2}, {1, 2, 3, 4});
  const Array w({2, 2, 1, 1}, {1, 10, 100, 1000});
  const Array b({2}, {1, -1});
  expect_array(refops::conv2d(x, w, &b, 1, 1, 0, 0), {1, 2, 1, 2}, {32, 43, 3099, 4199});
}

TEST(GradcheckReference, Conv1dHandExample) {
  const Array x({1, 1, 5}, {1, 2, 3, 4, 5});
  const Array w({1, 1, 3}, {1, 0, -1});
  expect_array(refops::conv1d(x, w, nullptr, 2, 1), {1, 1, 3}, {-2, -2, 4});
  expect_array(refops::conv1d(x, w, nullptr, 1, 0), {1, 1, 3}, {-2, -2, -2});
}

TEST(GradcheckReference, Conv1dEqualsConv2dWithUnitHeight) {
  Rng rng(7);
  Array x_data = Array::zeros({2, 3, 9});
  for (double& v : x_data.data) v = rng.uniform(-1.0f, 1.0f);
  Array w = Array::zeros({4, 3, 3});
  for (double& v : w.data) v = rng.uniform(-1.0f, 1.0f);
  const Array b({4}, {0.1, -0.2, 0.3, -0.4});
  const Array y1 = refops::conv1d(x_data, w, &b, 2, 1);
  const Array y2 = refops::conv2d(refops::reshape(x_data, {2, 3, 1, 9}), refops::reshape(w, {4, 3, 1, 3}),
                                  &b, 1, 2, 0, 1);
  expect_array(y1, {2, 4, 5}, y2.data);
}

TEST(GradcheckReference, PoolsHandExample) {
  const Array x1({1, 1, 5}, {1, 3, 2, 5, 4});
  expect_array(refops::maxpool1d(x1, 2, 2), {1, 1, 2}, {3, 5});
  expect_array(refops::maxpool1d(x1, 3, 1), {1, 1, 3}, {3, 5, 5});
  expect_array(refops::avgpool1d(x1, 2, 1), {1, 1, 4}, {2, 2.5, 3.5, 4.5});

  Array x2 = Array::zeros({1, 1, 3, 4});
  for (int i = 0; i < 12; ++i) x2.data[i] = i + 1;
  expect_array(refops::maxpool2d(x2, 2, 2, 1, 2), {1, 1, 2, 2}, {6, 8, 10, 12});
  expect_array(refops::avgpool2d(x2, 2, 2, 1, 2), {1, 1, 2, 2}, {3.5, 5.5, 7.5, 9.5});

  const Array x3({1, 2, 2, 2}, {1, 2, 3, 4, 0, 0, 0, 8});
  expect_array(refops::global_avgpool(x3), {1, 2}, {2.5, 2});
  expect_array(refops::global_avgpool(refops::reshape(x3, {1, 2, 4})), {1, 2}, {2.5, 2});
}

TEST(GradcheckReference, ActivationsHandExample) {
  const Array x({4}, {-1, 0, 2, -0.5});
  expect_array(refops::relu(x), {4}, {0, 0, 2, 0});
  expect_array(refops::tanh(x), {4}, {std::tanh(-1.0), 0, std::tanh(2.0), std::tanh(-0.5)});
  expect_array(refops::sigmoid(x), {4},
               {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0)), 1 / (1 + std::exp(0.5))});

  // Row [0, ln 3] → softmax [1/4, 3/4]; a second row shifted by 1000 gives the same.
  const Array s({2, 2}, {0, std::log(3.0), 1000, 1000 + std::log(3.0)});
  expect_array(refops::softmax(s), {2, 2}, {0.25, 0.75, 0.25, 0.75});
  expect_array(refops::log_softmax(s), {2, 2},
               {std::log(0.25), std::log(0.75), std::log(0.25), std::log(0.75)});

  const Array a({3}, {1, -2, 0.5});
  const Array b({3}, {4, 3, -2});
  expect_array(refops::add(a, b), {3}, {5, 1, -1.5});
  expect_array(refops::mul(a, b), {3}, {4, -6, -1});
}

}  // namespace
}  // namespace salient
