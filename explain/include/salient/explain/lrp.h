// Layer-wise relevance propagation (SPEC §6, reference/lrp_rap.md §7) as backward rules.
//
// Two forms, equal by SPEC §8 identity 2:
//  * modified gradient (ε-LRP only): every elementwise nonlinearity a = f(z) passes g·f(z)/stab(z),
//    linear/conv/pool layers keep their exact gradient (max-pool: winner-take-all); the relevance at
//    the input is x ⊙ signal.
//  * explicit layer rules: relevance R itself travels backward. Nonlinearities pass R unchanged;
//    linear/conv layers use the 4-step trick with the layer's own kernels,
//      z' = Σ_t ρ_t(W)·x'_t + ρ(b);  s = R / stab(z');  c_t = ρ_t(W)ᵀ s;  R_in = Σ_t x'_t ⊙ c_t,
//    avg pools use the ε rule, max pools winner-take-all. The output is seeded with R = y_c.
// stab(z) = z + ε·sign(z), sign(0) = +1 (a zero stabilised denominator passes nothing).
#pragma once

#include <cstdint>

#include "salient/explain/backprop.h"
#include "salient/explain/methods.h"
#include "salient/rules.h"
#include "salient/status.h"

namespace salient::explain {

/// Whose LRP the rules reproduce (SPEC §5 `convention`; docs/rules.md "Conventions"). They differ
/// in z⁺, αβ and γ (below), in the default ε (1e-9 / 1e-6) and stabiliser, and at a batchnorm that
/// could not be merged into a linear/conv layer (Captum: the ε rule; Zennit: relevance passes).
enum class LrpConvention : unsigned char { kCaptum, kZennit };

/// The linear/conv layer rules (ρ, the inputs x' and the bias ρ(b) of the 4-step trick):
///   kZero     LRP-0:  ρ(W) = W, x' = x, b in z (ε = 0 except the 1e-9 guard below)
///   kEpsilon  LRP-ε:  as LRP-0 with stab ε
///   kZPlus    Captum (Alpha1_Beta0): ρ(W) = W⁺, x' = x, b in z.
///             Zennit: D = W⁺x⁺ + W⁻x⁻ + b⁺;  R_in = x⁺ ⊙ W⁺ᵀ(R/D) + x⁻ ⊙ W⁻ᵀ(R/D)
///   kAlphaBeta α·P − β·N, α − β = 1. Captum (weights clamped only): P = (x, W⁺, b), N = (x, W⁻,
///   b).
///             Zennit: P = z⁺ terms with D_α = W⁺x⁺ + W⁻x⁻ + b⁺, N = W⁻x⁺ + W⁺x⁻ + b⁻ terms
///   kGamma    Captum: ρ(W) = W + γW⁺, ρ(b) = b.  Zennit (sign-dependent): outputs with z > 0 use
///             x⁺(W + γW⁺) + x⁻(W + γW⁻) + b + γb⁺, outputs with z < 0 use x⁺(W + γW⁻) + x⁻(W +
///             γW⁺)
///             + b + γb⁻, outputs with z = 0 pass nothing
///   kWSquare  w²: x' = 1, ρ(W) = W², ρ(b) = b²  (R_in = (W²)ᵀ(R/(W²·1 + b²)), independent of x)
///   kFlat     w² with W := 1, b := 0
///   kZBox     zB: z' = Wx − W⁺l − W⁻h (bias cancels), R_in = x⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs
enum class LrpRule : unsigned char { kZero, kEpsilon, kZPlus, kAlphaBeta, kGamma, kWSquare, kFlat, kZBox };

/// Parameters of one layer rule. Rules other than kEpsilon stabilise with `stabilizer` (Captum's
/// 1e-9 in every propagation rule; Zennit's 1e-6: lrp_default_epsilon).
struct LrpParams {
  LrpRule rule = LrpRule::kEpsilon;
  LrpConvention convention = LrpConvention::kCaptum;
  float epsilon = 1e-9f;
  float stabilizer = 1e-9f;
  float gamma = 0.25f;
  float alpha = 2.0f, beta = 1.0f;
  // zB bounds: null = each sample's own min (low) / max (high) of the layer input. Otherwise
  // `bound_count` values: 1 (one for all) or one per channel (dim 1 of the layer input).
  const float* low = nullptr;
  const float* high = nullptr;
  int bound_count = 0;
};

/// "captum" or "zennit".
const char* lrp_convention_name(LrpConvention convention);
/// The convention named `name`, or kInvalidArgument naming it.
Result<LrpConvention> lrp_convention_from_name(const char* name);
/// The convention's default ε and stabiliser: 1e-9 (Captum), 1e-6 (Zennit).
float lrp_default_epsilon(LrpConvention convention);

/// "zero", "epsilon", "zplus", "alpha-beta", "gamma", "wsquare", "flat", "zbox".
const char* lrp_rule_name(LrpRule rule);
/// The rule named `name` (lrp_rule_name; also "lrp0"), or kInvalidArgument naming it.
Result<LrpRule> lrp_rule_from_name(const char* name);
/// kInvalidArgument unless α − β = 1 (to 1e-6) and α, β >= 0.
Status check_alpha_beta(float alpha, float beta);

/// The explicit layer rule (linear, conv1d, conv2d nodes; `params` must outlive the backward pass).
Rule lrp_layer_rule(const LrpParams* params);
/// Explicit-form nonlinearity rule: R passes unchanged (ReLU, tanh, sigmoid).
Rule lrp_pass_rule();
/// Explicit-form ε rule for average pools: R_in = x ⊙ Aᵀ(R/stab(Ax)) with ε = *epsilon.
Rule lrp_avgpool_rule(const float* epsilon);
/// Explicit-form rule for an (inference) batchnorm y = a·x + c that was not merged into a layer:
/// Captum R_x = a·x ⊙ R/stab(y) (the ε rule, ε = *epsilon); Zennit R_x = R (pass).
Rule lrp_batchnorm_rule(LrpConvention convention, const float* epsilon);
/// Modified-gradient ε rule for any elementwise f: g·f(z)/stab(z) with ε = *epsilon.
Rule lrp_epsilon_nonlinearity_rule(const float* epsilon);

/// Modified-gradient ε-LRP: gradient_rules() with the ε nonlinearity rule on ReLU, tanh, sigmoid.
/// Attributions are x ⊙ signal.
RuleSet lrp_epsilon_gradient_rules(const float* epsilon);
/// Explicit layer-wise LRP: `layer` on every linear/conv node, pass on nonlinearities, the ε rule
/// (ε = layer->stabilizer) on average pools, winner-take-all max pools, unmerged batchnorms by
/// layer->convention (lrp_batchnorm_rule with ε = layer->stabilizer). Attributions are
/// y_c · (the input signal of a backward seeded with e_c): the rules are linear in R.
RuleSet lrp_explicit_rules(const LrpParams* layer);
/// The explicit form's relevance for R_out = y_c: a backward with `rules` (linear in R) seeded with
/// e_c gives the signal at `at` (the input, or a layer's output), scaled per sample by y_c. `y_c`
/// (may be null) receives y_c ([N]).
Status relevance_for_target(const Model& model, const float* x, const Shape& shape, Target target,
                            const RuleSet& rules, Arena& arena, float* relevance, SignalAt at = {},
                            float* y_c = nullptr);

/// LRP's convergence delta per sample: output_n − Σ relevance_n (SPEC §7), for relevance [N, per]
/// and the explained outputs y_{n, c_n} ([N]).
void lrp_convergence_delta(const float* target_outputs, const float* relevance, int64_t n,
                           int64_t per_sample, float* delta);
/// The same for what `method` wrote for `request` (`relevance`: output_shape's shape, the input's
/// or the relevance_at layer's): one forward gives y_{n, c_n} at the request's targets (argmax by
/// default); delta[n] = y_{n, c_n} − Σ relevance_n ([N]).
Status lrp_convergence_delta(const Method& method, const Request& request, const float* relevance,
                             float* delta);

}  // namespace salient::explain
