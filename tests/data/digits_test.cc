// The shipped digits (data/digits/README): the embedded copy of scikit-learn's digits.csv.gz,
// checked against facts read from that csv.
#include <gtest/gtest.h>

#include <cmath>

#include "data/data_test_util.h"

namespace salient::data {
namespace {

using testing::make;

TEST(DataDigits, ShapeRangeAndLabelCounts) {
  const Dataset d = make("digits", 0, 0);
  EXPECT_EQ(d.name, "digits");
  EXPECT_EQ(d.x.shape, (Shape{1797, 1, 8, 8}));
  EXPECT_EQ(d.y.shape, (Shape{1797}));
  EXPECT_EQ(d.x.dtype, "<f4");
  EXPECT_FALSE(d.saliency.has_value());
  // Pixels are the csv's integers 0..16 divided by 16; their total in the csv is 561,718.
  double total = 0;
  int64_t off_grid = 0, out_of_range = 0;
  for (float v : d.x.data) {
    out_of_range += !(v >= 0.0f && v <= 1.0f);
    off_grid += v * 16 != std::round(v * 16);
    total += v * 16;
  }
  EXPECT_EQ(out_of_range, 0);
  EXPECT_EQ(off_grid, 0);
  EXPECT_EQ(total, 561718.0);
  // Class counts in the csv.
  const int expected[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  int counts[10] = {};
  for (float y : d.y.data) {
    ASSERT_TRUE(y >= 0 && y <= 9 && y == std::round(y)) << y;
    ++counts[static_cast<int>(y)];
  }
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[c], expected[c]) << "class " << c;
  // The test set is the last 1797/5 = 359 images as written; their classes in the csv:
  EXPECT_EQ(test_count(1797), 359);
  const int test_expected[10] = {35, 36, 34, 37, 37, 37, 37, 36, 33, 37};
  int test_counts[10] = {};
  for (int64_t i = train_count(1797); i < 1797; ++i) ++test_counts[static_cast<int>(d.y.data[static_cast<size_t>(i)])];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(test_counts[c], test_expected[c]) << "class " << c;
}

TEST(DataDigits, KnownPixelsOfTheFirstAndLastImages) {
  const Dataset d = make("digits", 0, 0);
  // csv row 1: "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,...", class 0.
  const float first_rows[16] = {0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0};
  for (int p = 0; p < 16; ++p) EXPECT_EQ(d.x.data[static_cast<size_t>(p)], first_rows[p] / 16) << "pixel " << p;
  EXPECT_EQ(d.y.data[0], 0.0f);
  // csv row 1797: "0,0,10,14,8,1,0,0,...,0,1,8,12,14,12,1,0", class 8.
  const float* last = d.x.data.data() + 1796 * 64;
  const float last_top[8] = {0, 0, 10, 14, 8, 1, 0, 0}, last_bottom[8] = {0, 1, 8, 12, 14, 12, 1, 0};
  for (int p = 0; p < 8; ++p) {
    EXPECT_EQ(last[p], last_top[p] / 16) << "pixel " << p;
    EXPECT_EQ(last[56 + p], last_bottom[p] / 16) << "pixel " << 56 + p;
  }
  EXPECT_EQ(d.y.data[1796], 8.0f);
}

TEST(DataDigits, FirstNAndLimits) {
  const Dataset all = make("digits", 0, 0), some = make("digits", 100, 7);
  EXPECT_EQ(some.x.shape, (Shape{100, 1, 8, 8}));
  EXPECT_TRUE(std::equal(some.x.data.begin(), some.x.data.end(), all.x.data.begin()));
  EXPECT_TRUE(std::equal(some.y.data.begin(), some.y.data.end(), all.y.data.begin()));
  EXPECT_EQ(make("digits", 1797, 0).x.data, all.x.data);

  DatasetOptions too_many;
  too_many.n = 1798;
  Result<Dataset> r = make_dataset("digits", too_many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(r.status().message()).find("1797"), std::string::npos) << r.status().message();
  DatasetOptions with_length;
  with_length.length = 8;
  EXPECT_EQ(make_dataset("digits", with_length).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace salient::data
