// gradient-shap (Captum's GradientShap: a smoothgrad noise tunnel over input-baseline × gradient):
// for each of n_samples draws per sample, x̃ = x + ε (ε ~ N(0, σ²) per element), a baseline row b
// drawn uniformly from the baseline set, α ~ U(0, 1); attribution (x̃ − b) ⊙ ∇F(b + α(x̃ − b)),
// averaged over the draws. Draws come from Rng(seed) in sample order, independent of chunking.
#include <vector>

#include "batched.h"
#include "path_methods.h"
#include "salient/random.h"

namespace salient::explain {

Status gradient_shap(const Request& r, Arena&, float* attributions) {
  const Method& m = *find_method("gradient-shap");
  Result<int64_t> samples = int_setting(r, m, "n_samples", 1, 1000000);
  if (!samples.ok()) return samples.status();
  Result<double> sigma = float_setting(r, m, "stdevs", 0.0);
  if (!sigma.ok()) return sigma.status();
  if (!r.x || !attributions) return Status::error(Code::kInvalidArgument, "gradient-shap: null buffer");
  const int64_t n = r.shape[0];
  const int64_t total = r.shape.numel();
  const int64_t d = n == 0 ? 0 : total / n;
  if (!r.baselines || r.baselines_shape.rank < 1 || r.baselines_shape[0] < 1 ||
      r.baselines_shape.numel_from(1) != d)
    return Status::error(Code::kInvalidArgument,
                         "gradient-shap needs a baseline set [B] + the per-sample shape (--baselines S.npy)");
  const int64_t b_count = r.baselines_shape[0];
  std::vector<int32_t> columns;
  SALIENT_RETURN_IF_ERROR(detail::resolve_columns(*r.model, r.x, r.shape, r.target, &columns));

  std::vector<double> sum(static_cast<size_t>(total), 0.0);
  Rng rng(r.seed);
  const float s = static_cast<float>(*sigma);
  Status status = detail::run_chunked(*samples, [&](int64_t, int64_t count, Arena& arena) -> Status {
    const int64_t rows = count * n;
    float* points = arena.allocate_array<float>(static_cast<size_t>(count * total));
    float* diffs = arena.allocate_array<float>(static_cast<size_t>(count * total));
    float* grads = arena.allocate_array<float>(static_cast<size_t>(count * total));
    int32_t* cols = arena.allocate_array<int32_t>(static_cast<size_t>(rows));
    if (!points || !diffs || !grads || !cols) return Status::error(Code::kOutOfMemory, "gradient-shap: arena exhausted");
    for (int64_t j = 0; j < count; ++j)
      for (int64_t i = 0; i < n; ++i) {
        const int64_t row = j * n + i;
        const float* xi = r.x + i * d;
        float* p = points + row * d;
        float* df = diffs + row * d;
        for (int64_t k = 0; k < d; ++k) p[k] = s > 0.0f ? xi[k] + s * rng.normal() : xi[k];
        const float* b = r.baselines + static_cast<int64_t>(rng.below(static_cast<uint64_t>(b_count))) * d;
        const float alpha = rng.uniform();
        for (int64_t k = 0; k < d; ++k) {
          df[k] = p[k] - b[k];
          p[k] = b[k] + alpha * df[k];
        }
        cols[row] = columns[static_cast<size_t>(i)];
      }
    SALIENT_RETURN_IF_ERROR(backprop(*r.model, points, detail::with_rows(r.shape, rows), Target{cols},
                                     gradient_rules(), arena, grads));
    for (int64_t j = 0; j < count; ++j)
      for (int64_t i = 0; i < total; ++i)
        sum[static_cast<size_t>(i)] += static_cast<double>(diffs[j * total + i]) * grads[j * total + i];
    return {};
  }, r.progress);
  SALIENT_RETURN_IF_ERROR(status);
  const double inv = 1.0 / static_cast<double>(*samples);
  for (int64_t i = 0; i < total; ++i) attributions[i] = static_cast<float>(sum[static_cast<size_t>(i)] * inv);
  return {};
}

}  // namespace salient::explain
