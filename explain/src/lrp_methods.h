// The lrp-* and rule-based explainers (internal; registered in methods.cc).
#pragma once

#include "salient/explain/methods.h"

namespace salient::explain {

/// lrp-epsilon: x ⊙ signal with g·f(z)/stab(z) at every nonlinearity (explicit form with rule.LAYER).
Status lrp_epsilon(const Request& request, Arena& arena, float* attributions);
/// Explicit layer-wise LRP: z⁺ / αβ / γ on every linear and conv layer.
Status lrp_zplus(const Request& request, Arena& arena, float* attributions);
Status lrp_alpha_beta(const Request& request, Arena& arena, float* attributions);
Status lrp_gamma(const Request& request, Arena& arena, float* attributions);
/// w² / flat / zB on the first linear or conv layer, ε (1e-9) on the others.
Status lrp_wsquare(const Request& request, Arena& arena, float* attributions);
Status lrp_flat(const Request& request, Arena& arena, float* attributions);
Status lrp_zbox(const Request& request, Arena& arena, float* attributions);
/// Zennit's composites: ε on dense layers and z⁺ (epsilon-plus) / αβ(2, 1) (epsilon-alpha2-beta1) /
/// γ (epsilon-gamma-box, with zB on the first linear/conv layer) on conv layers.
Status lrp_epsilon_plus(const Request& request, Arena& arena, float* attributions);
Status lrp_epsilon_alpha2_beta1(const Request& request, Arena& arena, float* attributions);
Status lrp_epsilon_gamma_box(const Request& request, Arena& arena, float* attributions);
/// deconvnet: the signal with every ReLU passing max(g, 0).
Status deconvnet(const Request& request, Arena& arena, float* attributions);
/// deeplift (Rescale): (x − x̄) ⊙ multipliers, x̄ = request.baseline (null: zero).
Status deeplift(const Request& request, Arena& arena, float* attributions);
/// deeplift-shap: deeplift against each row of request.baselines (B >= 2), averaged.
Status deeplift_shap(const Request& request, Arena& arena, float* attributions);

}  // namespace salient::explain
