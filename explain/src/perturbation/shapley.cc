// Shapley values of feature groups, with "absent" meaning "at the baseline".
// shapley-exact: v(S) for all 2^F coalitions S (one forward row each, per sample), then
//   φ_i = Σ_{S ⊆ F∖{i}} |S|!·(F − |S| − 1)!/F! · (v(S ∪ {i}) − v(S)).
// shapley-sampling (Captum's ShapleyValueSampling): for each of n_samples random orderings of the
// groups (one ordering shared by the batch), start from the baseline and switch the groups to x one
// by one; each group gets the change of the target logit it causes; the mean over orderings.
// Both are complete: Σ_i φ_i = f(x) − f(baseline) (sampling: for every ordering).
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "perturbation.h"

namespace salient::explain {
namespace {

using perturbation::Evaluator;
using perturbation::Groups;

constexpr int64_t kMaxExactFeatures = 16;

}  // namespace

Status shapley_exact(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("shapley-exact");
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t f = groups->count, n = ev.samples(), d = ev.sample_numel();
  if (f > kMaxExactFeatures)
    return Status::error(Code::kInvalidArgument,
                         "shapley-exact: %lld features need 2^%lld coalitions per sample; the "
                         "limit is %lld features "
                         "(group them with feature_mask, or use shapley-sampling)",
                         static_cast<long long>(f), static_cast<long long>(f),
                         static_cast<long long>(kMaxExactFeatures));
  const int64_t subsets = int64_t{1} << f;
  std::vector<float> v(static_cast<size_t>(n * subsets));
  SALIENT_RETURN_IF_ERROR(ev.evaluate(
      n * subsets,
      [&](int64_t row, float* dst) {
        const int64_t s = row / subsets, mask = row % subsets;
        const float* x = ev.x(s);
        const float* b = ev.baseline(s);
        for (int64_t i = 0; i < d; ++i)
          dst[i] = (mask >> groups->group_of[static_cast<size_t>(i)]) & 1 ? x[i] : b[i];
        return s;
      },
      v.data()));
  // weight[k] = k!·(F − k − 1)!/F! for a coalition of size k not containing i.
  std::vector<double> weight(static_cast<size_t>(f));
  for (int64_t k = 0; k < f; ++k)
    weight[static_cast<size_t>(k)] = std::exp(
        std::lgamma(double(k + 1)) + std::lgamma(double(f - k)) - std::lgamma(double(f + 1)));
  std::vector<double> phi(static_cast<size_t>(f));
  for (int64_t s = 0; s < n; ++s) {
    const float* vs = v.data() + s * subsets;
    std::fill(phi.begin(), phi.end(), 0.0);
    for (int64_t mask = 0; mask < subsets; ++mask) {
      const int k = __builtin_popcountll(static_cast<unsigned long long>(mask));
      for (int64_t i = 0; i < f; ++i)
        if (!((mask >> i) & 1))
          phi[static_cast<size_t>(i)] += weight[static_cast<size_t>(k)] *
                                         (double(vs[mask | (int64_t{1} << i)]) - double(vs[mask]));
    }
    for (int64_t i = 0; i < d; ++i)
      attributions[s * d + i] =
          static_cast<float>(phi[static_cast<size_t>(groups->group_of[static_cast<size_t>(i)])]);
  }
  return {};
}

Status shapley_sampling(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("shapley-sampling");
  Result<int64_t> n_samples = int_setting(r, method, "n_samples", 1);
  if (!n_samples.ok()) return n_samples.status();
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t f = groups->count, n = ev.samples(), d = ev.sample_numel();
  ev.expect_rows(n + *n_samples * n * f);

  // f(baseline) per sample.
  std::vector<float> fb(static_cast<size_t>(n));
  SALIENT_RETURN_IF_ERROR(ev.evaluate(
      n,
      [&](int64_t s, float* dst) {
        std::copy(ev.baseline(s), ev.baseline(s) + d, dst);
        return s;
      },
      fb.data()));

  Rng rng(r.seed);
  std::vector<int64_t> order(static_cast<size_t>(f)), position(static_cast<size_t>(f));
  std::vector<float> out(static_cast<size_t>(n * f));
  std::vector<double> phi(static_cast<size_t>(n * f), 0.0);
  for (int64_t p = 0; p < *n_samples; ++p) {
    perturbation::random_permutation(rng, f, order.data());
    for (int64_t k = 0; k < f; ++k)
      position[static_cast<size_t>(order[static_cast<size_t>(k)])] = k;
    // Row (s, k): groups order[0..k] at x, the rest at the baseline.
    SALIENT_RETURN_IF_ERROR(ev.evaluate(
        n * f,
        [&](int64_t row, float* dst) {
          const int64_t s = row / f, k = row % f;
          const float* x = ev.x(s);
          const float* b = ev.baseline(s);
          for (int64_t i = 0; i < d; ++i)
            dst[i] = position[static_cast<size_t>(groups->group_of[static_cast<size_t>(i)])] <= k
                         ? x[i]
                         : b[i];
          return s;
        },
        out.data()));
    for (int64_t s = 0; s < n; ++s) {
      float prev = fb[static_cast<size_t>(s)];
      for (int64_t k = 0; k < f; ++k) {
        const float cur = out[static_cast<size_t>(s * f + k)];
        phi[static_cast<size_t>(s * f + order[static_cast<size_t>(k)])] +=
            double(cur) - double(prev);
        prev = cur;
      }
    }
  }
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < d; ++i)
      attributions[s * d + i] = static_cast<float>(
          phi[static_cast<size_t>(s * f + groups->group_of[static_cast<size_t>(i)])] /
          double(*n_samples));
  return {};
}

}  // namespace salient::explain
