// FIT's switch-feature set (reference/timeseries.md §1c; FIT's simulated_l2x_switchstate.py):
// a 3-state Markov chain, and in each run of one state (a segment) every feature an independent
// Gaussian process with the state's mean.
//
//   s_0 uniform in {0, 1, 2}; s_t ~ P[s_{t−1}] with P = [[.95, .02, .03], [.02, .95, .03], [.03, .02, .95]]
//   segment [a, b) of state s, L = b − a: x[a..b, f] ~ N(μ[s][f]·1, K_L) for f = 0, 1, 2, with
//     K_L[i][j] = 0.1 · exp(−(i − j)² / (2 · 0.2²)) + 1e-12·[i = j]   (RBF kernel over the segment's
//     time points 0..L−1, as the reference's GaussianProcess(lengthscale=0.2, variance=0.1) on
//     range(L)), sampled as μ + chol(K_L)·z
//   μ[0] = (.8, −.5, −.2), μ[1] = (0, −1, 0), μ[2] = (−.2, −.2, .8); imp[s] = s
//   y_t ~ Bernoulli(σ(3 · x_t[imp[s_t]]))
// Ground truth: saliency[t][imp[s_t]] = 1 at every step (like hmm's; as tint/ContraLSP read it).
//
// Differences from the reference: its initial state is Binomial(1, 1/3), so state 2 never starts
// a series (a bug); here s_0 is uniform over the 3 states. The reference's sparse "importance"
// (marked only at switches, plus the last feature) is not produced.
//
// With lengthscale 0.2 on integer time points, neighbouring steps correlate by e^−12.5 ≈ 4e-6:
// within a segment the features are practically independent N(μ, 0.1) draws. This is the
// reference's behaviour, kept as is.
#include <cmath>
#include <vector>

#include "generators.h"
#include "sampling.h"

namespace salient::data::detail {
namespace {

constexpr uint64_t kTag = 0x737769746368;  // "switch"
constexpr int kStates = 3;
constexpr int kFeatures = 3;
constexpr double kTransition[kStates][kStates] = {{0.95, 0.02, 0.03}, {0.02, 0.95, 0.03}, {0.03, 0.02, 0.95}};
constexpr double kMean[kStates][kFeatures] = {{0.8, -0.5, -0.2}, {0.0, -1.0, 0.0}, {-0.2, -0.2, 0.8}};
constexpr int kImportant[kStates] = {0, 1, 2};
constexpr double kLengthscale = 0.2;
constexpr double kGpVariance = 0.1;
constexpr double kJitter = 1e-12;  // the reference's diagonal term
constexpr double kLabelScale = 3.0;
// Factors of segments up to this length are kept; longer ones (probability ≈ 0.95^256 per start)
// are factored when they occur.
constexpr int kCachedLength = 256;

// chol(K_L) for each segment length L, computed once per length.
class GpFactors {
 public:
  const double* get(int length, bool& ok) {
    if (length <= kCachedLength) {
      if (cache_.size() <= static_cast<size_t>(length)) cache_.resize(static_cast<size_t>(length) + 1);
      std::vector<double>& f = cache_[static_cast<size_t>(length)];
      if (f.empty()) ok = factor(length, f);
      return f.data();
    }
    ok = factor(length, scratch_);
    return scratch_.data();
  }

 private:
  static bool factor(int length, std::vector<double>& out) {
    std::vector<double> k(static_cast<size_t>(length) * static_cast<size_t>(length));
    for (int i = 0; i < length; ++i)
      for (int j = 0; j < length; ++j) {
        const double dt = static_cast<double>(i - j);
        k[static_cast<size_t>(i * length + j)] =
            kGpVariance * std::exp(-dt * dt / (2.0 * kLengthscale * kLengthscale)) + (i == j ? kJitter : 0.0);
      }
    out.assign(k.size(), 0.0);
    return cholesky(k.data(), length, out.data());
  }

  std::vector<std::vector<double>> cache_;
  std::vector<double> scratch_;
};

}  // namespace

Result<Dataset> make_switch_feature(const Request& r) {
  const int64_t n = r.n, T = r.length;
  Dataset d;
  d.name = "switch-feature";
  d.x = zeros(Shape{n, T, kFeatures});
  d.y = zeros(Shape{n, T});
  d.saliency = zeros(Shape{n, T, kFeatures});
  GpFactors factors;
  std::vector<int> states(static_cast<size_t>(T));
  std::vector<double> z(static_cast<size_t>(T));
  for (int64_t i = 0; i < n; ++i) {
    Rng rng(stream_seed(r.seed, kTag, static_cast<uint64_t>(i)));
    states[0] = static_cast<int>(rng.below(kStates));
    for (int64_t t = 1; t < T; ++t)
      states[static_cast<size_t>(t)] = categorical(rng, kTransition[states[static_cast<size_t>(t - 1)]], kStates);

    float* x = d.x.data.data() + i * T * kFeatures;
    float* y = d.y.data.data() + i * T;
    float* saliency = d.saliency->data.data() + i * T * kFeatures;
    for (int64_t a = 0; a < T;) {
      const int s = states[static_cast<size_t>(a)];
      int64_t b = a + 1;
      while (b < T && states[static_cast<size_t>(b)] == s) ++b;
      const int len = static_cast<int>(b - a);
      bool ok = true;
      const double* l = factors.get(len, ok);
      if (!ok) return Status::error(Code::kInternal, "switch-feature: GP kernel of length %d not positive definite", len);
      for (int f = 0; f < kFeatures; ++f) {
        for (int k = 0; k < len; ++k) z[static_cast<size_t>(k)] = static_cast<double>(rng.normal());
        for (int row = 0; row < len; ++row) {
          double v = kMean[s][f];
          for (int k = 0; k <= row; ++k) v += l[row * len + k] * z[static_cast<size_t>(k)];
          x[(a + row) * kFeatures + f] = static_cast<float>(v);
        }
      }
      const int imp = kImportant[s];
      for (int64_t t = a; t < b; ++t) {
        y[t] = static_cast<float>(
            bernoulli(rng, sigmoid(kLabelScale * static_cast<double>(x[t * kFeatures + imp]))));
        saliency[t * kFeatures + imp] = 1.0f;
      }
      a = b;
    }
    r.report(i + 1);
  }
  return d;
}

}  // namespace salient::data::detail
