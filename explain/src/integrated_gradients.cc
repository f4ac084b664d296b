// integrated-gradients: (x − x̄) ⊙ Σ_k w_k ∇F(x̄ + α_k(x − x̄)). The n_steps points run as batches
// of (steps in chunk)·N rows through one forward and one backward each, with the targets resolved
// once at x; the weighted gradients accumulate in double running sums.
#include "salient/explain/integrated_gradients.h"

#include <vector>

#include "batched.h"
#include "path_methods.h"

namespace salient::explain {
namespace {

// The baseline, or (null: SPEC's default) `total` zeros held in *zero.
const float* baseline_or_zero(const float* baseline, int64_t total, std::vector<float>* zero) {
  if (baseline) return baseline;
  zero->assign(static_cast<size_t>(total), 0.0f);
  return zero->data();
}

// integrated_gradients with the chunks' temporaries in `arena` (rewound after every chunk).
Status integrate(const Model& model, const float* x, const Shape& shape, const float* baseline, Target target,
                 int n_steps, Quadrature rule, Arena& arena, float* attributions, float* delta,
                 const ProgressSink& progress = {}) {
  if (!x || !attributions) return Status::error(Code::kInvalidArgument, "integrated-gradients: null buffer");
  if (shape.rank < 1) return Status::error(Code::kInvalidArgument, "integrated-gradients: inputs need [N, ...]");
  std::vector<double> alphas(static_cast<size_t>(std::max(n_steps, 1))), weights(alphas.size());
  SALIENT_RETURN_IF_ERROR(quadrature(rule, n_steps, alphas.data(), weights.data()));
  std::vector<int32_t> columns;
  SALIENT_RETURN_IF_ERROR(detail::resolve_columns(model, x, shape, target, &columns));

  const int64_t n = shape[0];
  const int64_t total = shape.numel();
  const int64_t d = n == 0 ? 0 : total / n;
  std::vector<float> zero;
  baseline = baseline_or_zero(baseline, total, &zero);
  std::vector<double> sum(static_cast<size_t>(total), 0.0);
  Status s = detail::run_chunked(arena, n_steps, [&](int64_t first, int64_t count, Arena& scratch) -> Status {
    const int64_t rows = count * n;
    float* points = scratch.allocate_array<float>(static_cast<size_t>(rows * d));
    float* grads = scratch.allocate_array<float>(static_cast<size_t>(rows * d));
    int32_t* cols = scratch.allocate_array<int32_t>(static_cast<size_t>(rows));
    if (!points || !grads || !cols) return Status::error(Code::kOutOfMemory, "integrated-gradients: arena exhausted");
    for (int64_t j = 0; j < count; ++j) {
      const float a = static_cast<float>(alphas[static_cast<size_t>(first + j)]);
      float* p = points + j * total;
      for (int64_t i = 0; i < total; ++i) p[i] = baseline[i] + a * (x[i] - baseline[i]);
      for (int64_t i = 0; i < n; ++i) cols[j * n + i] = columns[static_cast<size_t>(i)];
    }
    SALIENT_RETURN_IF_ERROR(backprop(model, points, detail::with_rows(shape, rows), Target{cols}, gradient_rules(),
                                     scratch, grads));
    for (int64_t j = 0; j < count; ++j) {
      const double w = weights[static_cast<size_t>(first + j)];
      const float* g = grads + j * total;
      for (int64_t i = 0; i < total; ++i) sum[static_cast<size_t>(i)] += w * g[i];
    }
    return {};
  }, progress);
  SALIENT_RETURN_IF_ERROR(s);
  for (int64_t i = 0; i < total; ++i)
    attributions[i] = static_cast<float>((static_cast<double>(x[i]) - baseline[i]) * sum[static_cast<size_t>(i)]);
  if (delta)
    SALIENT_RETURN_IF_ERROR(
        convergence_delta(model, x, shape, baseline, Target{columns.data()}, attributions, delta));
  return {};
}

}  // namespace

Status integrated_gradients(const Model& model, const float* x, const Shape& shape, const float* baseline,
                            Target target, int n_steps, Quadrature rule, float* attributions, float* delta) {
  Arena arena;
  return integrate(model, x, shape, baseline, target, n_steps, rule, arena, attributions, delta);
}

Status convergence_delta(const Model& model, const float* x, const Shape& shape, const float* baseline,
                         Target target, const float* attributions, float* delta) {
  std::vector<int32_t> columns;
  std::vector<float> fx, fb;
  int64_t c = 0;
  SALIENT_RETURN_IF_ERROR(detail::resolve_columns(model, x, shape, target, &columns, &fx, &c));
  const int64_t n = shape[0];
  const int64_t total = shape.numel();
  const int64_t d = n == 0 ? 0 : total / n;
  std::vector<float> zero;
  baseline = baseline_or_zero(baseline, total, &zero);
  int64_t cb = 0;
  SALIENT_RETURN_IF_ERROR(detail::forward_outputs(model, baseline, shape, &fb, &cb));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (int64_t k = 0; k < d; ++k) s += attributions[i * d + k];
    const int64_t col = columns[static_cast<size_t>(i)];
    delta[i] = static_cast<float>(s - (static_cast<double>(fx[i * c + col]) - fb[i * c + col]));
  }
  return {};
}

Status integrated_gradients_method(const Request& r, Arena& arena, float* attributions) {
  const Method& m = *find_method("integrated-gradients");
  Result<int64_t> n_steps = int_setting(r, m, "n_steps", 1, 1000000);
  if (!n_steps.ok()) return n_steps.status();
  Result<Quadrature> rule = parse_quadrature(setting(r, m, "method"));
  if (!rule.ok()) return rule.status();
  return integrate(*r.model, r.x, r.shape, r.baseline, r.target, static_cast<int>(*n_steps), *rule, arena,
                   attributions, nullptr, r.progress);
}

}  // namespace salient::explain
