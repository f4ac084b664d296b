// Gradient checks of linear, conv1d and conv2d: forward against the double reference and the
// backward of every input (data, weight, bias) against central differences (support/gradcheck.h).
#include <gtest/gtest.h>

#include <vector>

#include "salient/ops.h"
#include "support/gradcheck.h"
#include "support/reference_ops.h"

namespace salient {
namespace {

using gradcheck::Input;
using refops::Array;

// ---- linear ------------------------------------------------------------------------------------

void check_linear(const Shape& x_shape, int out, bool bias, uint64_t seed) {
  Rng rng(seed);
  const int in = static_cast<int>(x_shape.back());
  std::vector<Input> inputs = {gradcheck::RandomInput("x", x_shape, rng),
                               gradcheck::RandomInput("weight", Shape{out, in}, rng)};
  if (bias) inputs.push_back(gradcheck::RandomInput("bias", Shape{out}, rng));
  EXPECT_TRUE(gradcheck::Check(
      inputs,
      [bias](Graph& g, const std::vector<Tensor>& t) {
        return linear(g, t[0], t[1], bias ? &t[2] : nullptr);
      },
      [bias](const std::vector<Array>& a) { return refops::linear(a[0], a[1], bias ? &a[2] : nullptr); }));
}

TEST(GradcheckLinear, TwoDimensionalWithBias) { check_linear(Shape{4, 5}, 3, true, 101); }
TEST(GradcheckLinear, TwoDimensionalWithoutBias) { check_linear(Shape{4, 5}, 3, false, 102); }
// N×T×H sequences: the op treats every (n, t) as a row; the weight gradient sums over N·T rows.
TEST(GradcheckLinear, ThreeDimensionalSequenceWithBias) { check_linear(Shape{2, 3, 6}, 4, true, 103); }
TEST(GradcheckLinear, ThreeDimensionalSequenceWithoutBias) {
  check_linear(Shape{3, 4, 5}, 2, false, 104);
}
TEST(GradcheckLinear, SingleOutputFeature) { check_linear(Shape{5, 7}, 1, true, 105); }

// ---- conv1d ------------------------------------------------------------------------------------

struct Conv1dCase {
  int n, c_in, length, c_out, kernel, stride, padding;
  bool bias;
};

void check_conv1d(const Conv1dCase& k, uint64_t seed) {
  Rng rng(seed);
  std::vector<Input> inputs = {gradcheck::RandomInput("x", Shape{k.n, k.c_in, k.length}, rng),
                               gradcheck::RandomInput("weight", Shape{k.c_out, k.c_in, k.kernel}, rng)};
  if (k.bias) inputs.push_back(gradcheck::RandomInput("bias", Shape{k.c_out}, rng));
  EXPECT_TRUE(gradcheck::Check(
      inputs,
      [k](Graph& g, const std::vector<Tensor>& t) {
        return conv1d(g, t[0], t[1], k.bias ? &t[2] : nullptr, k.stride, k.padding);
      },
      [k](const std::vector<Array>& a) {
        return refops::conv1d(a[0], a[1], k.bias ? &a[2] : nullptr, k.stride, k.padding);
      }));
}

TEST(GradcheckConv1d, Stride1Pad0WithBias) { check_conv1d({2, 3, 9, 4, 3, 1, 0, true}, 201); }
TEST(GradcheckConv1d, Stride1Pad1WithoutBias) { check_conv1d({2, 2, 7, 3, 3, 1, 1, false}, 202); }
TEST(GradcheckConv1d, Stride2Pad0WithBias) { check_conv1d({2, 3, 10, 2, 4, 2, 0, true}, 203); }
// (8 + 2 − 3)/2 + 1 = 4 outputs: the last input sample is not covered by any window.
TEST(GradcheckConv1d, Stride2Pad1WithoutBiasUncoveredTail) {
  check_conv1d({3, 2, 8, 3, 3, 2, 1, false}, 204);
}
TEST(GradcheckConv1d, Stride2Pad1WithBias) { check_conv1d({2, 3, 9, 2, 2, 2, 1, true}, 205); }
// The kernel spans the whole padded input: a single output per channel.
TEST(GradcheckConv1d, KernelCoversPaddedInput) { check_conv1d({2, 2, 4, 3, 6, 1, 1, true}, 206); }

// ---- conv2d ------------------------------------------------------------------------------------

struct Conv2dCase {
  int n, c_in, h, w, c_out;
  Size2 kernel, stride, padding;
  bool bias;
};

void check_conv2d(const Conv2dCase& k, uint64_t seed) {
  Rng rng(seed);
  std::vector<Input> inputs = {
      gradcheck::RandomInput("x", Shape{k.n, k.c_in, k.h, k.w}, rng),
      gradcheck::RandomInput("weight", Shape{k.c_out, k.c_in, k.kernel.h, k.kernel.w}, rng)};
  if (k.bias) inputs.push_back(gradcheck::RandomInput("bias", Shape{k.c_out}, rng));
  EXPECT_TRUE(gradcheck::Check(
      inputs,
      [k](Graph& g, const std::vector<Tensor>& t) {
        return conv2d(g, t[0], t[1], k.bias ? &t[2] : nullptr, k.stride, k.padding);
      },
      [k](const std::vector<Array>& a) {
        return refops::conv2d(a[0], a[1], k.bias ? &a[2] : nullptr, k.stride.h, k.stride.w,
                              k.padding.h, k.padding.w);
      }));
}

TEST(GradcheckConv2d, Stride1Pad0WithBiasNonSquareKernel) {
  check_conv2d({2, 3, 5, 6, 4, {3, 2}, {1, 1}, {0, 0}, true}, 301);
}
TEST(GradcheckConv2d, Stride1Pad1WithoutBias) {
  check_conv2d({2, 2, 5, 5, 3, {3, 3}, {1, 1}, {1, 1}, false}, 302);
}
TEST(GradcheckConv2d, Stride2Pad0WithBias) {
  check_conv2d({2, 3, 7, 6, 2, {3, 2}, {2, 2}, {0, 0}, true}, 303);
}
TEST(GradcheckConv2d, Stride2Pad1WithoutBiasNonSquareKernel) {
  check_conv2d({2, 2, 6, 7, 3, {2, 3}, {2, 2}, {1, 1}, false}, 304);
}
TEST(GradcheckConv2d, Stride2Pad1WithBias) {
  check_conv2d({3, 2, 5, 5, 2, {3, 3}, {2, 2}, {1, 1}, true}, 305);
}
// Different stride and padding per axis, so a swapped h/w anywhere shows up.
TEST(GradcheckConv2d, MixedStrideAndPaddingPerAxis) {
  check_conv2d({2, 2, 6, 5, 3, {3, 2}, {2, 1}, {1, 0}, true}, 306);
}
TEST(GradcheckConv2d, OneByOneKernelMixesChannels) {
  check_conv2d({2, 4, 3, 3, 3, {1, 1}, {1, 1}, {0, 0}, true}, 307);
}

}  // namespace
}  // namespace salient
