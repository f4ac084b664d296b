// Noise tunnel (Captum's NoiseTunnel): the base method's attributions at nt_samples noisy copies
// x + ε, ε ~ N(0, σ²) per element (σ = stdevs, absolute), drawn from Rng(seed) in sample order, so
// the result does not depend on how the samples are chunked. smoothgrad = E[a], smoothgrad-sq =
// E[a²], vargrad = E[a²] − E[a]². The targets are resolved once at the clean x. Settings other
// than the tunnel's own (base, nt_samples, stdevs) and target_time go to the base method.
#include <vector>

#include "batched.h"
#include "path_methods.h"
#include "salient/random.h"

namespace salient::explain {
namespace {

enum class Aggregate { kMean, kMeanSquare, kVariance };

Status noise_tunnel(const Request& r, Arena& arena, const char* name, Aggregate aggregate, float* attributions) {
  const Method& m = *find_method(name);
  const std::string base_name = setting(r, m, "base");
  const Method* base = find_method(base_name);
  if (!base) return Status::error(Code::kNotFound, "%s: unknown base method '%s'", name, base_name.c_str());
  Result<int64_t> samples = int_setting(r, m, "nt_samples", 1, 1000000);
  if (!samples.ok()) return samples.status();
  Result<double> sigma = float_setting(r, m, "stdevs", 0.0);
  if (!sigma.ok()) return sigma.status();
  if (!r.x || !attributions) return Status::error(Code::kInvalidArgument, "%s: null buffer", name);
  std::vector<int32_t> columns;
  SALIENT_RETURN_IF_ERROR(detail::resolve_columns(*r.model, r.x, r.shape, r.target, &columns));
  std::vector<Setting> base_settings;
  for (const Setting& setting : r.settings)
    if (!has_key(m, setting.key) && !is_common_key(setting.key)) base_settings.push_back(setting);

  const int64_t n = r.shape[0];
  const int64_t total = r.shape.numel();
  std::vector<double> sum(static_cast<size_t>(total), 0.0), sum_sq(static_cast<size_t>(total), 0.0);
  Rng rng(r.seed);
  const float s = static_cast<float>(*sigma);
  Status status = detail::run_chunked(arena, *samples, [&](int64_t, int64_t count, Arena& scratch) -> Status {
    const int64_t rows = count * n;
    float* noisy = scratch.allocate_array<float>(static_cast<size_t>(count * total));
    float* out = scratch.allocate_array<float>(static_cast<size_t>(count * total));
    int32_t* cols = scratch.allocate_array<int32_t>(static_cast<size_t>(rows));
    float* baseline = r.baseline ? scratch.allocate_array<float>(static_cast<size_t>(count * total)) : nullptr;
    if (!noisy || !out || !cols || (r.baseline && !baseline))
      return Status::error(Code::kOutOfMemory, "%s: arena exhausted", name);
    for (int64_t j = 0; j < count; ++j) {
      float* p = noisy + j * total;
      for (int64_t i = 0; i < total; ++i) p[i] = s > 0.0f ? r.x[i] + s * rng.normal() : r.x[i];
      for (int64_t i = 0; i < n; ++i) cols[j * n + i] = columns[static_cast<size_t>(i)];
      if (baseline)
        for (int64_t i = 0; i < total; ++i) baseline[j * total + i] = r.baseline[i];
    }
    Request sub;
    sub.model = r.model;
    sub.x = noisy;
    sub.shape = detail::with_rows(r.shape, rows);
    sub.target = Target{cols};
    sub.settings = base_settings;
    sub.seed = r.seed;
    sub.baseline = baseline;
    sub.baselines = r.baselines;
    sub.baselines_shape = r.baselines_shape;
    // The samples' maps are averaged in the input's layout: the base must write the input's shape.
    Result<Shape> writes = output_shape(*base, sub);
    if (!writes.ok()) return writes.status();
    if (!(*writes == sub.shape))
      return Status::error(Code::kInvalidArgument, "%s: base %s writes %s, not the input's shape %s",
                           name, base->name, ShapeStr(*writes).c_str(), ShapeStr(sub.shape).c_str());
    SALIENT_RETURN_IF_ERROR(run_method(base->name, sub, scratch, out));
    for (int64_t j = 0; j < count; ++j)
      for (int64_t i = 0; i < total; ++i) {
        const double a = out[j * total + i];
        sum[static_cast<size_t>(i)] += a;
        sum_sq[static_cast<size_t>(i)] += a * a;
      }
    return {};
  }, r.progress);
  SALIENT_RETURN_IF_ERROR(status);
  const double inv = 1.0 / static_cast<double>(*samples);
  for (int64_t i = 0; i < total; ++i) {
    const double mean = sum[static_cast<size_t>(i)] * inv;
    const double mean_sq = sum_sq[static_cast<size_t>(i)] * inv;
    const double v = aggregate == Aggregate::kMean ? mean : aggregate == Aggregate::kMeanSquare ? mean_sq
                                                                                               : mean_sq - mean * mean;
    attributions[i] = static_cast<float>(v);
  }
  return {};
}

}  // namespace

Status smoothgrad(const Request& r, Arena& arena, float* a) {
  return noise_tunnel(r, arena, "smoothgrad", Aggregate::kMean, a);
}
Status smoothgrad_sq(const Request& r, Arena& arena, float* a) {
  return noise_tunnel(r, arena, "smoothgrad-sq", Aggregate::kMeanSquare, a);
}
Status vargrad(const Request& r, Arena& arena, float* a) {
  return noise_tunnel(r, arena, "vargrad", Aggregate::kVariance, a);
}

}  // namespace salient::explain
