// FIT's switch-feature set (reference/timeseries.md §1c) against its definition, with statistics
// on 300 series × 100 steps (30,000 steps; 29,700 transitions). Bounds are multiples of the
// statistic's sd at this size (binomial, or measured over 40 seeds).
#include <gtest/gtest.h>

#include <cmath>

#include "data/data_test_util.h"

namespace salient::data {
namespace {

using testing::make;
using testing::marked_feature;

constexpr int64_t kN = 300, kT = 100;
constexpr double kTransition[3][3] = {{0.95, 0.02, 0.03}, {0.02, 0.95, 0.03}, {0.03, 0.02, 0.95}};
constexpr double kMean[3][3] = {{0.8, -0.5, -0.2}, {0.0, -1.0, 0.0}, {-0.2, -0.2, 0.8}};

class DataSwitchFeature : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { set_ = new Dataset(make("switch-feature", kN, 4242)); }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
  }
  // The state is the marked feature (imp_feature = [[0], [1], [2]]).
  static int state(int64_t i, int64_t t) { return marked_feature(*set_, i, t); }
  static const float* x(int64_t i, int64_t t) { return set_->x.data.data() + (i * kT + t) * 3; }
  static Dataset* set_;
};
Dataset* DataSwitchFeature::set_ = nullptr;

TEST_F(DataSwitchFeature, ShapesAndGroundTruthLayout) {
  EXPECT_EQ(set_->x.shape, (Shape{kN, kT, 3}));
  EXPECT_EQ(set_->y.shape, (Shape{kN, kT}));
  ASSERT_TRUE(set_->saliency.has_value());
  EXPECT_EQ(set_->saliency->shape, (Shape{kN, kT, 3}));
  int64_t bad = 0;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 0; t < kT; ++t) bad += state(i, t) < 0;
  EXPECT_EQ(bad, 0) << "one marked feature per step";
  int64_t not_binary = 0;
  for (float y : set_->y.data) not_binary += y != 0.0f && y != 1.0f;
  EXPECT_EQ(not_binary, 0) << "labels are 0/1";
}

TEST_F(DataSwitchFeature, TransitionsMatchTheMatrix) {
  double counts[3][3] = {}, from[3] = {};
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 1; t < kT; ++t) {
      counts[state(i, t - 1)][state(i, t)] += 1;
      from[state(i, t - 1)] += 1;
    }
  double stays = 0, total = 0;
  for (int a = 0; a < 3; ++a) {
    ASSERT_GT(from[a], 5000);
    stays += counts[a][a];
    total += from[a];
    for (int b = 0; b < 3; ++b) {
      const double p = kTransition[a][b];
      // 5 binomial sd of the count.
      EXPECT_NEAR(counts[a][b], p * from[a], 5 * std::sqrt(from[a] * p * (1 - p))) << "P(" << b << " | " << a << ")";
    }
  }
  // Persistence 0.95; sd 0.0013: ±0.008 is 6 sd.
  EXPECT_NEAR(stays / total, 0.95, 0.008);
  std::printf("[ measured ] persistence %.4f\n", stays / total);
}

TEST_F(DataSwitchFeature, PerStateFeatureMeansAndVariance) {
  double sum[3][3] = {}, sq[3][3] = {}, count[3] = {}, neighbours = 0, pairs = 0;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 0; t < kT; ++t) {
      const int s = state(i, t);
      count[s] += 1;
      for (int f = 0; f < 3; ++f) {
        sum[s][f] += x(i, t)[f];
        sq[s][f] += static_cast<double>(x(i, t)[f]) * x(i, t)[f];
      }
      if (t > 0 && state(i, t - 1) == s) {  // same segment: the GP's neighbour covariance
        neighbours += (x(i, t)[0] - kMean[s][0]) * (x(i, t - 1)[0] - kMean[s][0]);
        pairs += 1;
      }
    }
  for (int s = 0; s < 3; ++s) {
    ASSERT_GT(count[s], 5000);
    for (int f = 0; f < 3; ++f) {
      const double m = sum[s][f] / count[s];
      // sd sqrt(0.1 / count) ≤ 0.0045: ±0.02 is about 4.5 sd or more.
      EXPECT_NEAR(m, kMean[s][f], 0.02) << "state " << s << " feature " << f;
      // The GP variance 0.1; sd 0.1·sqrt(2 / count) ≤ 0.002: ±0.012 is 6 sd.
      EXPECT_NEAR(sq[s][f] / count[s] - m * m, 0.1, 0.012) << "state " << s << " feature " << f;
    }
  }
  // RBF with lengthscale 0.2 on integer times: neighbours correlate by e^−12.5 ≈ 4e-6, i.e. not at
  // all; the covariance estimate has sd 0.1/sqrt(pairs) ≈ 0.0006.
  EXPECT_NEAR(neighbours / pairs, 0.0, 0.004);
}

// The reference starts in state 0 or 1 only (Binomial(1, 1/3)); here the start is uniform.
TEST(DataSwitchFeatureStart, InitialStateIsUniform) {
  const Dataset d = make("switch-feature", 3000, 5, 1);
  int counts[3] = {};
  for (int64_t i = 0; i < 3000; ++i) ++counts[marked_feature(d, i, 0)];
  // 1000 each, binomial sd 25.8: ±130 is 5 sd.
  for (int s = 0; s < 3; ++s) EXPECT_NEAR(counts[s], 1000, 130) << "state " << s;
}

// y_t ~ Bernoulli(σ(3·x_t[imp])): calibrated per bin of p, and the Bayes rule's accuracy matches
// its expectation.
TEST_F(DataSwitchFeature, LabelsFollowTheLogit) {
  double bin_p[5] = {}, bin_y[5] = {}, bin_var[5] = {}, expected = 0, correct = 0;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 0; t < kT; ++t) {
      const double v = x(i, t)[state(i, t)];
      const double p = 1.0 / (1.0 + std::exp(-3.0 * v));
      const float y = set_->y.data[static_cast<size_t>(i * kT + t)];
      const int bin = std::min(4, static_cast<int>(p * 5));
      bin_p[bin] += p;
      bin_y[bin] += y;
      bin_var[bin] += p * (1 - p);
      expected += std::max(p, 1 - p);
      correct += (v > 0) == (y == 1.0f);
    }
  for (int b = 0; b < 5; ++b) EXPECT_NEAR(bin_y[b], bin_p[b], 5 * std::sqrt(bin_var[b]) + 1) << "bin " << b;
  const double steps = kN * kT;
  // Expected accuracy 0.902 (measured over 40 seeds, sd 0.0007); the rule on the labels has sd
  // sqrt(0.1·0.9/30000) ≈ 0.0017: ±0.01 is 6 sd.
  EXPECT_NEAR(correct / steps, expected / steps, 0.01);
  std::printf("[ measured ] expected Bayes accuracy %.4f, rule accuracy %.4f\n", expected / steps, correct / steps);
}

}  // namespace
}  // namespace salient::data
