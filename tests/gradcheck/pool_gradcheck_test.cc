// Gradient checks of the pools. Max-pool inputs are a random permutation of distinct values spaced
// 0.01 apart, so every window's maximum beats its runner-up by >= 0.01 and the central-difference
// step h = 1e-6 never changes an argmax (no kinks by construction).
#include <gtest/gtest.h>

#include <vector>

#include "salient/ops.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

constexpr float kSpacing = 0.01f;

Input distinct_input(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  return Input{"x", shape, gradcheck::DistinctShuffled(rng, shape.numel(), kSpacing)};
}

Input random_input(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  return Input{"x", shape, gradcheck::Uniform(rng, shape.numel())};
}

// ---- max pools ---------------------------------------------------------------------------------

void check_maxpool1d(const Shape& shape, int kernel, int stride, uint64_t seed) {
  EXPECT_TRUE(gradcheck::Check(
      {distinct_input(shape, seed)},
      [=](Graph& g, const std::vector<Tensor>& t) { return maxpool1d(g, t[0], kernel, stride); },
      [=](const std::vector<Array>& a) { return refops::maxpool1d(a[0], kernel, stride); }));
}

void check_maxpool2d(const Shape& shape, Size2 kernel, Size2 stride, uint64_t seed) {
  EXPECT_TRUE(gradcheck::Check(
      {distinct_input(shape, seed)},
      [=](Graph& g, const std::vector<Tensor>& t) { return maxpool2d(g, t[0], kernel, stride); },
      [=](const std::vector<Array>& a) {
        return refops::maxpool2d(a[0], kernel.h, kernel.w, stride.h, stride.w);
      }));
}

TEST(GradcheckMaxPool1d, NonOverlappingWindows) { check_maxpool1d(Shape{2, 3, 8}, 2, 2, 401); }
// Stride < kernel: an input that is the maximum of two windows receives both signals.
TEST(GradcheckMaxPool1d, OverlappingWindows) { check_maxpool1d(Shape{2, 3, 9}, 3, 2, 402); }
TEST(GradcheckMaxPool1d, OverlappingStride1) { check_maxpool1d(Shape{2, 2, 7}, 3, 1, 403); }
// (10 − 3)/3 + 1 = 3 windows: the last input is in none and gets a zero gradient.
TEST(GradcheckMaxPool1d, UncoveredTail) { check_maxpool1d(Shape{1, 2, 10}, 3, 3, 404); }

TEST(GradcheckMaxPool2d, NonOverlappingWindows) {
  check_maxpool2d(Shape{2, 2, 6, 6}, {2, 2}, {2, 2}, 411);
}
TEST(GradcheckMaxPool2d, OverlappingWindows) {
  check_maxpool2d(Shape{2, 2, 7, 7}, {3, 3}, {2, 2}, 412);
}
TEST(GradcheckMaxPool2d, NonSquareOverlappingWindows) {
  check_maxpool2d(Shape{1, 3, 5, 7}, {2, 3}, {1, 2}, 413);
}
TEST(GradcheckMaxPool2d, UncoveredRowsAndColumns) {
  check_maxpool2d(Shape{1, 2, 7, 8}, {3, 3}, {3, 3}, 414);
}

// ---- average pools -----------------------------------------------------------------------------

void check_avgpool1d(const Shape& shape, int kernel, int stride, uint64_t seed) {
  EXPECT_TRUE(gradcheck::Check(
      {random_input(shape, seed)},
      [=](Graph& g, const std::vector<Tensor>& t) { return avgpool1d(g, t[0], kernel, stride); },
      [=](const std::vector<Array>& a) { return refops::avgpool1d(a[0], kernel, stride); }));
}

void check_avgpool2d(const Shape& shape, Size2 kernel, Size2 stride, uint64_t seed) {
  EXPECT_TRUE(gradcheck::Check(
      {random_input(shape, seed)},
      [=](Graph& g, const std::vector<Tensor>& t) { return avgpool2d(g, t[0], kernel, stride); },
      [=](const std::vector<Array>& a) {
        return refops::avgpool2d(a[0], kernel.h, kernel.w, stride.h, stride.w);
      }));
}

TEST(GradcheckAvgPool1d, NonOverlappingWindows) { check_avgpool1d(Shape{2, 3, 8}, 2, 2, 421); }
TEST(GradcheckAvgPool1d, OverlappingWindows) { check_avgpool1d(Shape{2, 3, 9}, 3, 2, 422); }
TEST(GradcheckAvgPool1d, UncoveredTail) { check_avgpool1d(Shape{1, 2, 10}, 4, 3, 423); }

TEST(GradcheckAvgPool2d, NonOverlappingWindows) {
  check_avgpool2d(Shape{2, 2, 6, 6}, {2, 2}, {2, 2}, 431);
}
TEST(GradcheckAvgPool2d, OverlappingNonSquareWindows) {
  check_avgpool2d(Shape{2, 2, 6, 7}, {3, 2}, {2, 1}, 432);
}
TEST(GradcheckAvgPool2d, UncoveredRowsAndColumns) {
  check_avgpool2d(Shape{1, 3, 7, 8}, {3, 3}, {3, 3}, 433);
}

// ---- global average pool -----------------------------------------------------------------------

TEST(GradcheckGlobalAvgPool, ThreeDimensionalInput) {
  EXPECT_TRUE(gradcheck::Check(
      {random_input(Shape{2, 3, 7}, 441)},
      [](Graph& g, const std::vector<Tensor>& t) { return global_avgpool(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::global_avgpool(a[0]); }));
}

TEST(GradcheckGlobalAvgPool, FourDimensionalInput) {
  EXPECT_TRUE(gradcheck::Check(
      {random_input(Shape{2, 3, 4, 5}, 442)},
      [](Graph& g, const std::vector<Tensor>& t) { return global_avgpool(g, t[0]); },
      [](const std::vector<Array>& a) { return refops::global_avgpool(a[0]); }));
}

}  // namespace
}  // namespace salient
