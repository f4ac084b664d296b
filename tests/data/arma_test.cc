// The ARMA white-box sets rare-feature and rare-time (reference/timeseries.md §0.1, §1a).
//
// 200 samples × 50 steps × 50 features = 500,000 values per set (about 30 ms each under ASan).
// Bounds are multiples of the statistic's sd at this size (binomial or 1/sqrt(count), checked
// over 40 seeds): with ε standard normal, a mean has sd 0.0014, a variance 0.002, a lag
// correlation 0.0013.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

#include "data/data_test_util.h"

namespace salient::data {
namespace {

using testing::make;

constexpr int64_t kN = 200, kT = 50, kD = 50;

// One rare-feature and one rare-time set with the same seed (so the same x, different salient
// sets), shared by the tests.
class DataArma : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    feature_ = new Dataset(make("rare-feature", kN, 11));
    time_ = new Dataset(make("rare-time", kN, 11));
  }
  static void TearDownTestSuite() {
    delete feature_;
    delete time_;
    feature_ = time_ = nullptr;
  }
  static Dataset* feature_;
  static Dataset* time_;
};
Dataset* DataArma::feature_ = nullptr;
Dataset* DataArma::time_ = nullptr;

float at(const io::Array& a, int64_t i, int64_t t, int64_t f) {
  return a.data[static_cast<size_t>((i * kT + t) * kD + f)];
}

// x_t + 0.25·x_{t−1} + 0.10·x_{t−2} + 0.05·x_{t−3} (x_{<0} = 0): the noise ε_t, if the recursion is
// the reference's (negative AR coefficients, zero initial state, no burn-in).
double residual(const Dataset& d, int64_t i, int64_t t, int64_t f) {
  auto v = [&](int64_t s) { return s < 0 ? 0.0 : static_cast<double>(at(d.x, i, s, f)); };
  return v(t) + 0.25 * v(t - 1) + 0.10 * v(t - 2) + 0.05 * v(t - 3);
}

TEST_F(DataArma, ResidualRecoversUnitWhiteNoise) {
  const Dataset& d = *feature_;
  std::vector<double> e(d.x.data.size());
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 0; t < kT; ++t)
      for (int64_t f = 0; f < kD; ++f) e[static_cast<size_t>((i * kT + t) * kD + f)] = residual(d, i, t, f);
  auto eps = [&](int64_t i, int64_t t, int64_t f) { return e[static_cast<size_t>((i * kT + t) * kD + f)]; };
  double sum = 0, sq = 0, lag[4] = {}, cross = 0, count = 0, lag_count[4] = {};
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t t = 0; t < kT; ++t)
      for (int64_t f = 0; f < kD; ++f) {
        const double v = eps(i, t, f);
        sum += v;
        sq += v * v;
        ++count;
        for (int k = 1; k <= 3; ++k)
          if (t - k >= 0) {
            lag[k] += v * eps(i, t - k, f);
            ++lag_count[k];
          }
        if (f + 1 < kD) cross += v * eps(i, t, f + 1);
      }
  const double mean = sum / count, variance = sq / count - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.01);      // ~7 sd
  EXPECT_NEAR(variance, 1.0, 0.012);  // ~6 sd
  for (int k = 1; k <= 3; ++k) EXPECT_NEAR(lag[k] / lag_count[k], 0.0, 0.008) << "lag " << k;  // ~6 sd
  EXPECT_NEAR(cross / (count * (kD - 1) / kD), 0.0, 0.008) << "neighbouring features";
  // The first step is the noise itself: x_0 = ε_0 (zero initial state, no burn-in); its
  // variance is 1, below the stationary 1.0646.
  double first = 0;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t f = 0; f < kD; ++f) first += static_cast<double>(at(d.x, i, 0, f)) * at(d.x, i, 0, f);
  EXPECT_NEAR(first / (kN * kD), 1.0, 0.1);  // 10,000 values: sd 0.014
  std::printf("[ measured ] residual mean %.5f variance %.5f lag-1 corr %.5f\n", mean, variance, lag[1] / lag_count[1]);
}

// The stationary autocorrelation of x_t = ε_t − 0.25x_{t−1} − 0.10x_{t−2} − 0.05x_{t−3} from the
// Yule–Walker equations: ρ1 = −0.2258, ρ2 = −0.0323, γ0 = 1.0646. Positive coefficients (the naive
// reading of ArmaProcess([2, .5, .2, .1], [2])) would give ρ1 ≈ +0.3. Steps t ≥ 10 only, where
// the zero start has faded (its effect decays like 0.46^t).
TEST_F(DataArma, AutocorrelationHasTheNegativeSign) {
  const Dataset& d = *time_;
  double g0 = 0, g1 = 0, g2 = 0, count = 0;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t f = 0; f < kD; ++f)
      for (int64_t t = 10; t < kT; ++t) {
        const double v = at(d.x, i, t, f);
        g0 += v * v;
        g1 += v * at(d.x, i, t - 1, f);
        g2 += v * at(d.x, i, t - 2, f);
        ++count;
      }
  EXPECT_NEAR(g1 / g0, -0.2258, 0.008);  // sd 0.0012 over seeds
  EXPECT_NEAR(g2 / g0, -0.0323, 0.008);
  EXPECT_NEAR(g0 / count, 1.0646, 0.02);  // sd ~0.0025
  std::printf("[ measured ] rho1 %.4f rho2 %.4f gamma0 %.4f\n", g1 / g0, g2 / g0, g0 / count);
}

TEST_F(DataArma, RareFeatureSalientSet) {
  const Dataset& d = *feature_;
  ASSERT_TRUE(d.saliency.has_value());
  int chosen[kD] = {};
  int64_t not_binary = 0;
  for (int64_t i = 0; i < kN; ++i) {
    uint64_t features = 0;  // bit f: feature f is salient
    int64_t total = 0;
    for (int64_t t = 0; t < kT; ++t) {
      uint64_t here = 0;
      for (int64_t f = 0; f < kD; ++f) {
        const float s = at(*d.saliency, i, t, f);
        not_binary += s != 0.0f && s != 1.0f;
        if (s == 1.0f) here |= uint64_t{1} << f;
      }
      total += std::popcount(here);
      if (t >= 12 && t < 37) {
        EXPECT_EQ(std::popcount(here), 5) << "sample " << i << " t " << t;
        if (t == 12) features = here;
        EXPECT_EQ(here, features) << "the same 5 features at every salient time";
      } else {
        EXPECT_EQ(here, 0u) << "sample " << i << " t " << t;
      }
    }
    EXPECT_EQ(total, 125);
    for (int64_t f = 0; f < kD; ++f) chosen[f] += (features >> f) & 1;
  }
  EXPECT_EQ(not_binary, 0);
  // Each feature is in a sample's subset with probability 5/50: 20 of 200 expected, sd 4.2.
  for (int64_t f = 0; f < kD; ++f) {
    EXPECT_GE(chosen[f], 4) << "feature " << f;
    EXPECT_LE(chosen[f], 42) << "feature " << f;
  }
}

TEST_F(DataArma, RareTimeSalientSet) {
  const Dataset& d = *time_;
  std::set<int64_t> starts;
  for (int64_t i = 0; i < kN; ++i) {
    int64_t first = -1, total = 0;
    for (int64_t t = 0; t < kT; ++t) {
      int64_t count = 0;
      for (int64_t f = 0; f < kD; ++f) {
        const float s = at(*d.saliency, i, t, f);
        count += s == 1.0f;
        if (s == 1.0f) {
          EXPECT_TRUE(f >= 12 && f < 37) << "feature " << f;
        }
      }
      if (count) {
        EXPECT_EQ(count, 25);
        if (first < 0) first = t;
        EXPECT_LT(t, first + 5) << "5 consecutive salient times";
      }
      total += count;
    }
    EXPECT_EQ(total, 125);
    EXPECT_GE(first, 0);
    EXPECT_LT(first, 45);  // t_r uniform in [0, 45)
    starts.insert(first);
  }
  // 200 uniform draws from 45 values hit 44.5 distinct values on average; fewer than 38 would
  // mean a non-uniform start.
  EXPECT_GE(starts.size(), 38u);
}

TEST_F(DataArma, OutputIsTheWhiteBox) {
  for (const Dataset* d : {feature_, time_}) {
    EXPECT_EQ(d->y.shape, (Shape{kN, kT}));
    int64_t wrong = 0;
    for (int64_t i = 0; i < kN; ++i)
      for (int64_t t = 0; t < kT; ++t) {
        double f = 0;
        for (int64_t k = 0; k < kD; ++k) f += at(*d->saliency, i, t, k) * at(d->x, i, t, k) * at(d->x, i, t, k);
        const double y = d->y.data[static_cast<size_t>(i * kT + t)];
        wrong += std::abs(y - f) > 1e-5 * (1 + f);
      }
    EXPECT_EQ(wrong, 0) << d->name;
  }
}

// Same seed: the same noise, different salient sets (as the reference, whose two scripts seed
// NumPy alike and draw the ARMA sample first); another seed: other noise.
TEST_F(DataArma, BothSetsShareTheNoiseForASeed) {
  EXPECT_EQ(feature_->x.data, time_->x.data);
  EXPECT_NE(feature_->saliency->data, time_->saliency->data);
  EXPECT_NE(make("rare-time", 10, 12).x.data, make("rare-time", 10, 13).x.data);
}

TEST(DataArmaDefaults, DefaultsAreThePapersRun) {
  const Dataset d = make("rare-feature", 0, 0);
  EXPECT_EQ(d.x.shape, (Shape{10, 50, 50}));
  EXPECT_EQ(d.saliency->shape, (Shape{10, 50, 50}));
  // A longer series keeps the same noise (time-major draws) and scales the salient window.
  const Dataset longer = make("rare-feature", 2, 0, 80);
  for (int64_t t = 0; t < kT; ++t)
    EXPECT_EQ(std::memcmp(longer.x.data.data() + t * kD, d.x.data.data() + t * kD, kD * sizeof(float)), 0);
  int64_t total = 0;
  for (float s : longer.saliency->data) total += s == 1.0f;
  EXPECT_EQ(total, 2 * 5 * (60 - 20));  // times [80/4, 3·80/4)
}

}  // namespace
}  // namespace salient::data
