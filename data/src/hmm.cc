// The "state" HMM of FIT, Dynamask and tint (reference/timeseries.md §1b), step by step as the
// reference code does it:
//
//   prev ~ Bernoulli(0.5); d = 0
//   for t in 0..T−1:
//     P(s_t = 1) = 0.95 − d/500 if prev = 1 (state 1's stay probability decays with the dwell d),
//                  0.05         if prev = 0
//     d = d + 1 if s_t = prev else 0
//     x_t ~ N(μ[s_t], C[s_t])                    (3 features, via the Cholesky factor of C)
//     y_t ~ Bernoulli(σ(2 · x_t[imp[s_t]]))       (the reference's "logit" has the factor 2)
//     prev = s_t
//
// μ[0] = (0.1, 1.6, 0.5), μ[1] = (−0.1, −0.4, −1.5); imp = (1, 2); C[s] = 0.801·I with
// C[imp[s]][0] = C[0][imp[s]] = 0.01. Ground truth (Dynamask's and tint's, not FIT's sparse one):
// saliency[t][imp[s_t]] = 1, one positive per step.
#include <algorithm>

#include "generators.h"
#include "sampling.h"

namespace salient::data::detail {
namespace {

constexpr uint64_t kTag = 0x686d6d;  // "hmm"
constexpr int kFeatures = 3;
constexpr double kMean[2][kFeatures] = {{0.1, 1.6, 0.5}, {-0.1, -0.4, -1.5}};
constexpr int kImportant[2] = {1, 2};  // imp_feature; correlated_feature = 0 in both states
constexpr double kVariance = 0.801;
constexpr double kCorrelation = 0.01;
constexpr double kStartProb = 0.5;   // P(prev = 1) before the first step
constexpr double kEnterProb = 0.05;  // P(s = 1 | prev = 0)
constexpr double kStayProb = 0.95;   // P(s = 1 | prev = 1) at dwell 0
constexpr double kDecay = 1.0 / 500.0;
constexpr double kLabelScale = 2.0;

}  // namespace

Result<Dataset> make_hmm(const Request& r) {
  const int64_t n = r.n, length = r.length;
  // The Cholesky factor of each state's covariance.
  double chol[2][kFeatures * kFeatures];
  for (int s = 0; s < 2; ++s) {
    double cov[kFeatures * kFeatures] = {0};
    for (int i = 0; i < kFeatures; ++i) cov[i * kFeatures + i] = kVariance;
    cov[kImportant[s] * kFeatures + 0] = cov[0 * kFeatures + kImportant[s]] = kCorrelation;
    if (!cholesky(cov, kFeatures, chol[s])) return Status::error(Code::kInternal, "hmm: covariance not positive definite");
  }

  Dataset d;
  d.name = "hmm";
  d.x = zeros(Shape{n, length, kFeatures});
  d.y = zeros(Shape{n, length});
  d.saliency = zeros(Shape{n, length, kFeatures});
  for (int64_t i = 0; i < n; ++i) {
    Rng rng(stream_seed(r.seed, kTag, static_cast<uint64_t>(i)));
    int prev = bernoulli(rng, kStartProb);
    int64_t dwell = 0;
    for (int64_t t = 0; t < length; ++t) {
      // The reference subtracts d/500 only when p > 0.8, i.e. in state 1; clamped at 0 for very
      // long sequences (unreachable at T = 200, where p ≥ 0.95 − 199/500).
      const double p = prev == 1 ? std::max(0.0, kStayProb - static_cast<double>(dwell) * kDecay) : kEnterProb;
      const int s = bernoulli(rng, p);
      dwell = s == prev ? dwell + 1 : 0;

      double z[kFeatures];
      for (double& v : z) v = rng.normal();
      const size_t at = static_cast<size_t>((i * length + t) * kFeatures);
      float* x = d.x.data.data() + at;
      for (int f = 0; f < kFeatures; ++f) {
        double v = kMean[s][f];
        for (int k = 0; k <= f; ++k) v += chol[s][f * kFeatures + k] * z[k];
        x[f] = static_cast<float>(v);
      }
      // The label model reads the stored float32 value, so P(y | x, s) is exact for the data.
      const int imp = kImportant[s];
      d.y.data[static_cast<size_t>(i * length + t)] =
          static_cast<float>(bernoulli(rng, sigmoid(kLabelScale * static_cast<double>(x[imp]))));
      d.saliency->data[at + static_cast<size_t>(imp)] = 1.0f;
      prev = s;
    }
    r.report(i + 1);
  }
  return d;
}

}  // namespace salient::data::detail
