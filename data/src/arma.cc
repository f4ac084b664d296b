// The rare-feature and rare-time white-box sets of Dynamask (reference/timeseries.md §0.1, §1a).
//
// Each of the D = 50 features is an independent ARMA series along time,
//   x_t = ε_t − 0.25·x_{t−1} − 0.10·x_{t−2} − 0.05·x_{t−3},  ε_t ~ N(0, 1),
// with zero initial state (x_{<0} = 0) and no burn-in: the reference's
// ArmaProcess(ar=[2, .5, .2, .1], ma=[2]) divides by ar[0] = 2, so the AR coefficients are
// NEGATIVE. Per sample, a salient set S of 125 entries:
//   rare-feature: times [⌊T/4⌋, ⌊3T/4⌋) = [12, 37) × a random 5-subset of the 50 features;
//   rare-time:    times [t_r, t_r + 5), t_r uniform in [0, T − 5) = [0, 45), × features
//                 [⌊D/4⌋, ⌊3D/4⌋) = [12, 37).
// The white box is f_t = Σ_{i : (t, i) ∈ S} x_{t,i}² (0 at times outside S); y holds f.
//
// Both sets draw their noise from the same per-sample stream (tag "arma") before the salient set,
// so with the same seed rare-feature and rare-time share x and differ in S, as in the reference
// (same np.random seed, the ARMA sample drawn first).
#include <numeric>
#include <vector>

#include "generators.h"
#include "sampling.h"

namespace salient::data::detail {
namespace {

constexpr uint64_t kTag = 0x61726d61;  // "arma"
constexpr int64_t kFeatures = 50;
constexpr int64_t kSelect = 5;
constexpr double kAr[3] = {0.25, 0.10, 0.05};  // x_t = ε_t − Σ_k kAr[k]·x_{t−1−k}

}  // namespace

Result<Dataset> make_rare(bool by_time, const Request& r) {
  const int64_t n = r.n, T = r.length, D = kFeatures;
  Dataset d;
  d.name = by_time ? "rare-time" : "rare-feature";
  d.x = zeros(Shape{n, T, D});
  d.y = zeros(Shape{n, T});
  d.saliency = zeros(Shape{n, T, D});
  std::vector<double> series(static_cast<size_t>(T * D));
  std::vector<int64_t> order(static_cast<size_t>(D));
  for (int64_t i = 0; i < n; ++i) {
    Rng rng(stream_seed(r.seed, kTag, static_cast<uint64_t>(i)));
    // Noise in time-major order (a longer T extends the same series), then the recursion.
    for (int64_t t = 0; t < T; ++t)
      for (int64_t f = 0; f < D; ++f) {
        double v = static_cast<double>(rng.normal());
        for (int k = 0; k < 3; ++k)
          if (t - 1 - k >= 0) v -= kAr[k] * series[static_cast<size_t>((t - 1 - k) * D + f)];
        series[static_cast<size_t>(t * D + f)] = v;
      }
    float* x = d.x.data.data() + i * T * D;
    for (int64_t k = 0; k < T * D; ++k) x[k] = static_cast<float>(series[static_cast<size_t>(k)]);

    // The salient rectangle: times [t0, t1) × the features in `order[0..count)`.
    int64_t t0, t1, count;
    if (!by_time) {
      t0 = T / 4;
      t1 = 3 * T / 4;
      count = kSelect;
      std::iota(order.begin(), order.end(), int64_t{0});  // partial Fisher–Yates: a uniform 5-subset
      for (int64_t k = 0; k < kSelect; ++k)
        std::swap(order[static_cast<size_t>(k)],
                  order[static_cast<size_t>(k + static_cast<int64_t>(rng.below(static_cast<uint64_t>(D - k))))]);
    } else {
      t0 = static_cast<int64_t>(rng.below(static_cast<uint64_t>(T - kSelect)));
      t1 = t0 + kSelect;
      count = 3 * D / 4 - D / 4;
      std::iota(order.begin(), order.end(), D / 4);
    }
    float* saliency = d.saliency->data.data() + i * T * D;
    for (int64_t t = t0; t < t1; ++t) {
      double f = 0.0;
      for (int64_t k = 0; k < count; ++k) {
        const int64_t feature = order[static_cast<size_t>(k)];
        const double v = static_cast<double>(x[t * D + feature]);
        f += v * v;
        saliency[t * D + feature] = 1.0f;
      }
      d.y.data[static_cast<size_t>(i * T + t)] = static_cast<float>(f);
    }
    r.report(i + 1);
  }
  return d;
}

}  // namespace salient::data::detail
