#include <gtest/gtest.h>

#include <vector>

#include "salient/explain/methods.h"

namespace salient::explain {
namespace {

TEST(Baseline, ZeroAndMeanFollowSpec) {
  // N×F: one scalar mean per sample.
  const std::vector<float> flat = {1, 2, 3, 4, 10, 20, 30, 40};
  std::vector<float> out(8);
  ASSERT_TRUE(resolve_baseline("mean", flat.data(), Shape{2, 4}, out.data()).ok());
  EXPECT_EQ(out, (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f, 25, 25, 25, 25}));
  ASSERT_TRUE(resolve_baseline("zero", flat.data(), Shape{2, 4}, out.data()).ok());
  EXPECT_EQ(out, std::vector<float>(8, 0.0f));
  // N×T×D: per feature over time. One sample, T = 3, D = 2.
  const std::vector<float> seq = {1, 10, 2, 20, 3, 30};
  std::vector<float> seq_out(6);
  ASSERT_TRUE(resolve_baseline("mean", seq.data(), Shape{1, 3, 2}, seq_out.data()).ok());
  EXPECT_EQ(seq_out, (std::vector<float>{2, 20, 2, 20, 2, 20}));
  // N×C×H×W: per channel over H×W. One sample, C = 2, 1×2 images.
  const std::vector<float> img = {1, 3, 5, 9};
  std::vector<float> img_out(4);
  ASSERT_TRUE(resolve_baseline("mean", img.data(), Shape{1, 2, 1, 2}, img_out.data()).ok());
  EXPECT_EQ(img_out, (std::vector<float>{2, 2, 7, 7}));
  EXPECT_EQ(resolve_baseline("median", flat.data(), Shape{2, 4}, out.data()).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::explain
