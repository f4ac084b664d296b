#include "salient/augment.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

namespace salient {
namespace {

// Each output image must be the input moved by one (dy, dx) in [−1, 1]² with zeros entering;
// over many draws every one of the 9 shifts appears.
TEST(Augment, ShiftImagesMovesEachImageByOneRandomOffset) {
  const int n = 200, c = 2, h = 4, w = 5;
  std::vector<float> original(n * c * h * w);
  for (size_t i = 0; i < original.size(); ++i) original[i] = 1.0f + static_cast<float>(i % (c * h * w));
  std::vector<float> shifted = original;
  Rng rng(3);
  shift_images(shifted.data(), n, Shape{n, c, h, w}, 1, rng);
  std::set<std::pair<int, int>> seen;
  for (int s = 0; s < n; ++s) {
    const float* in = original.data() + s * c * h * w;
    const float* out = shifted.data() + s * c * h * w;
    int matches = 0;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        bool same = true;
        for (int k = 0; k < c; ++k)
          for (int i = 0; i < h; ++i)
            for (int j = 0; j < w; ++j) {
              const int si = i - dy, sj = j - dx;
              const float want = si >= 0 && si < h && sj >= 0 && sj < w ? in[(k * h + si) * w + sj] : 0.0f;
              same = same && out[(k * h + i) * w + j] == want;
            }
        if (same) {
          ++matches;
          seen.insert({dy, dx});
        }
      }
    EXPECT_EQ(matches, 1) << "sample " << s;  // values are distinct, so exactly one shift fits
  }
  EXPECT_EQ(seen.size(), 9u);
}

TEST(Augment, ZeroShiftLeavesImagesAlone) {
  std::vector<float> x = {1, 2, 3, 4};
  Rng rng(1);
  shift_images(x.data(), 1, Shape{1, 1, 2, 2}, 0, rng);
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace salient
