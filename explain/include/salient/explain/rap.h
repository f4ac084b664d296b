// Relative Attributing Propagation (RAP; Nam, Gur, Choi, Wolf, Lee, AAAI 2020), SPEC §6, as the
// reference code (wjNam/Relative_Attributing_Propagation, reference/lrp_rap.md §1) does it, on the
// engine's backward rules. Relevance R travels backward from the target logit y_c:
//  * target layer (the last linear/conv; after it only elementwise layers): the exact contributions
//    r_j = x_j w_jc plus the bias split b·Pos/(Pos + Neg) spread ∝ x⁺w⁺ and b·Neg/(Pos + Neg)
//    spread ∝ x⁺w⁻ (Pos = Σ x⁺w⁺ + x⁻w⁻, Neg = Σ x⁺w⁻ + x⁻w⁺), then the absolute influence
//    normalisation R_j = |r_j|·Σ_i r_i / Σ_i |r_i| (every R_j has the sign of y_c, Σ R = y_c);
//  * other linear/conv layers, per branch x1 ∈ {x⁺, x⁻} (bias ignored), with A_jk the branch's
//    "positive" and B_jk its "negative" contribution sizes (x⁺: A = x⁺w⁺, B = −x⁺w⁻; x⁻: A = −x⁻w⁺,
//    B = x⁻w⁻), P_k = Σ_j A_jk, Q_k = Σ_j B_jk: the criterion of relevant neuron
//      C_j = Σ_k [A_jk·R_k/P_k + B_jk·R_k/(P_k + Q_k)],
//    then uniform shifting C_j ← C_j − (Σ_i C_i − Σ_k R_k)/#{i : C_i ≠ 0} for every C_j ≠ 0 (per
//    sample); each branch is shifted on its own and the two are added (the x⁻ branch is 0 on
//    non-negative inputs, so a ReLU net conserves; mixed-sign inputs give 2·Σ R, as the reference);
//  * first linear/conv layer: zB with l, h = each sample's global min and max of the input;
//  * max pools winner-take-all, average pools the z-rule x ⊙ Aᵀ(R/Ax); ReLU, tanh, sigmoid,
//    softmax, dropout, flatten and a batchnorm that cannot be merged pass R through; a batchnorm
//    after a linear/conv layer is merged into it first. Divisions by 0 give 0 (the reference's
//    safe_divide); RAP has no ε. GRU models are refused (kInvalidArgument).
// docs/rules.md ("RAP") has the formulas, the choice between the reference's linear and conv
// variants, and identity 8.
#pragma once

#include <cstdint>
#include <vector>

#include "salient/explain/lrp.h"
#include "salient/explain/methods.h"

namespace salient::explain {

/// Parameters of the target-layer rule: `trace` (may be null) receives the relevance the rule
/// writes at the target layer's input (that input's shape, flattened).
struct RapTargetParams {
  std::vector<float>* trace = nullptr;
};

/// The target-layer rule (contributions, bias split, absolute influence normalisation). Linear in
/// the upstream seed S before the normalisation: with the one-hot S of backprop it is the
/// reference's first propagation.
Rule rap_target_rule(const RapTargetParams* params);
/// The rule of every other linear/conv layer (relevant-neuron criterion and uniform shifting).
Rule rap_layer_rule();

/// A RAP rule set for one model; the rule set points into this struct (not copyable).
struct RapRules {
  RuleSet rules;
  LrpParams first;  // zB with the global min/max, no stabiliser
  RapTargetParams target;
  RapRules() = default;
  RapRules(const RapRules&) = delete;
  RapRules& operator=(const RapRules&) = delete;
};

/// Fills `out` for `model` (batchnorms already merged): the target and first layers are found in
/// the model's layer list. kInvalidArgument for a model with a GRU, without a linear/conv layer,
/// or with a layer other than relu, tanh, sigmoid, softmax, log_softmax, dropout, flatten or
/// reshape after its last linear/conv layer. `trace` as in RapTargetParams.
Status rap_rules(const Model& model, std::vector<float>* trace, RapRules* out);

/// RAP relevance at the input (x's shape) for each sample's target column (Target{}: the argmax),
/// after merging the model's mergeable batchnorms. Optionally the model outputs ([N, C]), the
/// chosen columns ([N]) and the relevance at the target layer's input.
Status rap(const Model& model, const float* x, const Shape& shape, Target target, Arena& arena,
           float* relevance, float* outputs = nullptr, int32_t* chosen = nullptr,
           std::vector<float>* target_input_relevance = nullptr);

/// The `rap` method of the registry (no keys).
Status rap_method(const Request& request, Arena& arena, float* attributions);

}  // namespace salient::explain
