// DeepLIFT (Rescale rule, SPEC §6) as backward rules over a doubled batch: the forward runs on
// [x; x̄] (2N rows), so each rule sees the input half (rows < N) and the reference half (rows >= N)
// of its values. Only the input half carries signal; the rules write only that half.
//   nonlinearity a = f(z):  m = g·(f(z) − f(z̄))/(z − z̄), or g·f'(z) when |z − z̄| < 1e-10
//   max pool (Captum's two-half rule): with M = max(y, ȳ), route g·(M − ȳ) through x's argmax and
//     g·(y − M) through x̄'s argmax, then divide by Δx (the gradient where |Δx| < 1e-10)
//   product u = a ⊙ b (mul):  m_a = ½(b + b̄)·g, m_b = ½(a + ā)·g (exact Shapley split of Δu)
//   linear, conv, avg pools, reshapes, add: the exact gradient (they are linear).
//   GRU: Rescale on its gates' σ and tanh, the Shapley split at its gate products (gru_rules.h);
//     or, with DeepLiftGruRule::kGradient, its exact gradient at x (Captum's behaviour).
// Attributions are (x − x̄) ⊙ m, and Σ attributions = F(x)_c − F(x̄)_c (completeness).
#pragma once

#include <cstdint>

#include "salient/rules.h"

namespace salient::explain {

/// Rescale for ReLU, tanh and sigmoid nodes of a doubled batch.
Rule deeplift_rescale_rule();
/// Captum's max-pool rule for a doubled batch.
Rule deeplift_maxpool_rule();
/// What DeepLIFT does at a GRU node (the `gru_rule` key of deeplift and deeplift-shap).
enum class DeepLiftGruRule : unsigned char { kRescale, kGradient };
/// gradient_rules() with the two rules above and the GRU rule installed.
const RuleSet& deeplift_rules(DeepLiftGruRule gru = DeepLiftGruRule::kRescale);

/// DeepLIFT's convergence delta per sample: Σ attributions_n − (F(x)_n − F(x̄)_n) (SPEC §7).
void deeplift_convergence_delta(const float* attributions, const float* output_x, const float* output_ref,
                                int64_t n, int64_t per_sample, float* delta);

}  // namespace salient::explain
