// Integrated gradients (Sundararajan et al.) and the quadrature rules of its path integral, with
// Captum's definitions (SPEC §5, §7): attribution = (x − x̄) ⊙ Σ_k w_k ∇F(x̄ + α_k(x − x̄)), and the
// convergence delta per sample, Σ attributions − (F(x) − F(x̄)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "salient/arena.h"
#include "salient/explain/backprop.h"
#include "salient/model.h"
#include "salient/status.h"

namespace salient::explain {

enum class Quadrature { kGaussLegendre, kRiemannLeft, kRiemannRight, kRiemannMiddle, kRiemannTrapezoid };

/// "gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid".
Result<Quadrature> parse_quadrature(const std::string& name);

/// The n nodes α_k ∈ [0, 1] and weights w_k (Σ w_k = 1) of a rule, as Captum defines them:
///   left α_k = k/n, right (k+1)/n, middle (k+½)/n, all w_k = 1/n; trapezoid α_k = k/(n−1) with
///   end weights 1/(2(n−1)) and inner 1/(n−1) (n ≥ 2); Gauss-Legendre: the roots of P_n (Newton)
///   mapped to [0, 1], exact for polynomials of degree ≤ 2n − 1.
/// kInvalidArgument for n < 1 (n < 2 for the trapezoid).
Status quadrature(Quadrature rule, int n, double* alphas, double* weights);

/// Integrated gradients of the target logit for x ([N, ...]) against `baseline` (x's shape; null:
/// zero). All steps run batched, in chunks sized from batch_budget_bytes(), with running sums.
/// Targets: explicit columns, or each sample's argmax at x. `delta` ([N], may be null) receives
/// the convergence delta Σ attributions − (F(x) − F(x̄)).
Status integrated_gradients(const Model& model, const float* x, const Shape& shape, const float* baseline,
                            Target target, int n_steps, Quadrature rule, float* attributions,
                            float* delta = nullptr);

/// Σ attributions − (F(x) − F(x̄)) per sample ([N]) for attributions of x's shape; the target is
/// resolved as in integrated_gradients (explicit, or argmax at x). baseline null: zero.
Status convergence_delta(const Model& model, const float* x, const Shape& shape, const float* baseline,
                         Target target, const float* attributions, float* delta);

/// The memory budget (bytes) that sizes the chunks of batched steps and samples (default 256 MiB).
size_t batch_budget_bytes();
void set_batch_budget_bytes(size_t bytes);

}  // namespace salient::explain
