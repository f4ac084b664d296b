// Explainer rules for the GRU node (SPEC §6, reference/lrp_rap.md §5): ε-LRP with signal-take-all
// at the gate products, and DeepLIFT with Rescale on the gate nonlinearities and the Shapley split
// at the products. Formulas: docs/rules.md, "GRU"; the sources explain/src/rules/gru_*.cc.
#pragma once

#include <cstdint>

#include "salient/arena.h"
#include "salient/explain/backprop.h"
#include "salient/model.h"
#include "salient/rules.h"
#include "salient/status.h"

namespace salient::explain {

/// Parameters of the GRU ε-LRP rule (explicit form: the node's upstream signal is relevance).
struct GruLrpParams {
  float epsilon = 1e-9f;     // stab(z) = z + ε·sign(z), sign(0) = +1
  float bias_factor = 0.0f;  // share of bias + stabiliser spread evenly over the lower units
  // If not null, [N]: each sample's relevance of the initial state h_0 (Σ_j R_h0,j) is added here
  // (h_0 = 0 is no input of the node; its relevance is the bias shares that reach it).
  float* h0_relevance = nullptr;
};

/// ε-LRP through a GRU node, per step from the last, with Arras et al.'s lrp_linear
///   R_in,j = Σ_k [w_jk·u_j + bias_factor·(b_k + ε·sign(z_k))/D]/stab(z_k) · R_k   (D lower units)
/// on the three affine parts of PyTorch's GRU:
///   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}:  inputs n and h_{t−1} (diagonal weights 1 − z, z; D = 2H)
///   a_n = W_in x_t + b_in + r ⊙ m:    inputs x_t and m (weights W_in, diag r; D = I + H), tanh
///   passes R m = W_hn h_{t−1} + b_hn:           inputs h_{t−1} (D = H)
/// The gates r, z get no relevance (signal-take-all). With bias_factor = 1 the GRU conserves:
/// Σ_t Σ R_x(t) + Σ R_h0 = Σ R_out. Writes R_x only (weights and biases take none).
Rule lrp_gru_rule(const GruLrpParams* params);

/// Explicit ε-LRP of each sample's target logit y_c with the h_0 relevance kept (SPEC §8 identity
/// 9): ε = gru.epsilon on every linear/conv layer, the GRU rule with `gru` (its h0_relevance
/// ignored). Writes R_x (x's shape), Σ_j R_h0,j ([N]) and y_c ([N]); with bias_factor 1 on a net
/// whose other layers conserve, Σ R_x + Σ R_h0 = y_c.
Status gru_epsilon_relevance(const Model& model, const float* x, const Shape& shape, Target target,
                             GruLrpParams gru, Arena& arena, float* r_x, float* r_h0, float* y_c);

/// DeepLIFT through a GRU node of a doubled batch [x; x̄] (salient/explain/deeplift.h): multipliers
/// by the exact chain of differences,
///   Rescale at σ and tanh:   m_a = m_f·(f(a) − f(ā))/(a − ā)  (f'(a) when |a − ā| < 1e-10)
///   Shapley split at u = g ⊙ s:  m_s = ½(g + ḡ)·m_u, m_g = ½(s + s̄)·m_u
///   (for h = (1 − z) ⊙ n + z ⊙ h_{t−1}, a_n = gi_n + r ⊙ gh_n), the affine parts exact,
/// so Σ_t (x_t − x̄_t)·m_x(t) = Δh exactly through the GRU. Writes the first half of x's signal.
Rule deeplift_gru_rule();

}  // namespace salient::explain
