// feature-ablation and feature-permutation (Captum's FeatureAblation and FeaturePermutation): one
// perturbed copy per (sample, feature group), and every element of the group receives the drop of
// the target logit. Cost: 1 + N·G forward rows.
#include <algorithm>
#include <vector>

#include "common.h"
#include "perturbation.h"

namespace salient::explain {
namespace {

using perturbation::Evaluator;
using perturbation::Groups;

// attributions[n, i] = f(x)_n − out[n·G + group_of[i]] (rows ordered (sample, group)).
void spread(const Evaluator& ev, const Groups& groups, const std::vector<float>& out,
            float* attributions) {
  const int64_t d = ev.sample_numel();
  for (int64_t s = 0; s < ev.samples(); ++s)
    for (int64_t i = 0; i < d; ++i)
      attributions[s * d + i] =
          ev.fx(s) -
          out[static_cast<size_t>(s * groups.count + groups.group_of[static_cast<size_t>(i)])];
}

}  // namespace

Status feature_ablation(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("feature-ablation");
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t g_count = groups->count, d = ev.sample_numel();
  std::vector<float> out(static_cast<size_t>(ev.samples() * g_count));
  SALIENT_RETURN_IF_ERROR(ev.evaluate(
      ev.samples() * g_count,
      [&](int64_t row, float* dst) {
        const int64_t s = row / g_count, g = row % g_count;
        std::copy(ev.x(s), ev.x(s) + d, dst);
        const float* b = ev.baseline(s);
        for (int64_t i : groups->members[static_cast<size_t>(g)]) dst[i] = b[i];
        return s;
      },
      out.data()));
  spread(ev, *groups, out, attributions);
  return {};
}

Status feature_permutation(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("feature-permutation");
  if (r.shape.rank >= 1 && r.shape[0] < 2)
    return Status::error(
        Code::kInvalidArgument,
        "feature-permutation: cannot permute features across a batch of %lld sample(s); give at "
        "least two",
        static_cast<long long>(r.shape[0]));
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t n = ev.samples(), g_count = groups->count, d = ev.sample_numel();
  // One permutation of the batch per group, never the identity (Captum redraws it).
  Rng rng(r.seed);
  std::vector<int64_t> perm(static_cast<size_t>(g_count * n));
  for (int64_t g = 0; g < g_count; ++g) {
    int64_t* p = perm.data() + g * n;
    bool identity = true;
    while (identity) {
      perturbation::random_permutation(rng, n, p);
      identity = true;
      for (int64_t i = 0; i < n; ++i) identity = identity && p[i] == i;
    }
  }
  std::vector<float> out(static_cast<size_t>(n * g_count));
  SALIENT_RETURN_IF_ERROR(ev.evaluate(
      n * g_count,
      [&](int64_t row, float* dst) {
        const int64_t s = row / g_count, g = row % g_count;
        std::copy(ev.x(s), ev.x(s) + d, dst);
        const float* src = ev.x(perm[static_cast<size_t>(g * n + s)]);
        for (int64_t i : groups->members[static_cast<size_t>(g)]) dst[i] = src[i];
        return s;
      },
      out.data()));
  spread(ev, *groups, out, attributions);
  return {};
}

}  // namespace salient::explain
