// A GRU node unpacked for the explainer rules (gru_lrp.cc, gru_deeplift.cc): its inputs
// (x [N, T, I], W_ih [3H, I], W_hh [3H, H], b_ih, b_hh [3H] or none), the gates it saved
// (ops.h: gru_saved_gates / gru_saved_hidden; r, z, n, W_hn h + b_hn per step and sample) and
// the recomputed affine parts the rules need, batch-major ([N·T, ·], row b·T + t):
//   prev  = h_{t−1} (h_{−1} = h_0 = 0)
//   xw    = x_t·W_ihᵀ       (3H: the r, z, n rows; without b_ih)
//   hw    = h_{t−1}·W_hhᵀ   (without b_hh)
// PyTorch's equations, gi = xw + b_ih, gh = hw + b_hh: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z),
// n = tanh(gi_n + r ⊙ gh_n), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
#pragma once

#include <cstdint>

#include "salient/ops.h"
#include "salient/rules.h"

namespace salient::explain::gru {

struct GruView {
  int n = 0, t = 0, i = 0, h = 0;  // batch (of the node), steps, input size, hidden size
  bool all_steps = false;          // output [N, T, H] (else the last step [N, H])
  const float* x = nullptr;
  const float* w_ih = nullptr;
  const float* w_hh = nullptr;
  const float* b_ih = nullptr;  // null: no bias
  const float* b_hh = nullptr;
  const float* saved = nullptr;

  int64_t row(int b, int s) const { return static_cast<int64_t>(b) * t + s; }
  // r, z, n, W_hn h + b_hn of sample b at step s (4H floats).
  const float* gates(int s, int b) const { return gru_saved_gates(saved, s, b, n, h); }
  // The upstream signal of h_s for sample b (null where the output holds no step s).
  const float* out_signal(const float* grad_out, int s, int b) const {
    if (all_steps) return grad_out + row(b, s) * h;
    return s == t - 1 ? grad_out + static_cast<int64_t>(b) * h : nullptr;
  }
  float bias_ih(int k) const { return b_ih ? b_ih[k] : 0.0f; }
  float bias_hh(int k) const { return b_hh ? b_hh[k] : 0.0f; }
};

GruView view_of(const Node& node, BackwardContext& ctx);

// Batch-major recomputed affine parts (see above), allocated in the context's arena.
struct GruAffine {
  float* prev = nullptr;  // [N·T, H]
  float* xw = nullptr;    // [N·T, 3H]
  float* hw = nullptr;    // [N·T, 3H]
};

// Fills prev, xw and hw for every sample and step; false (after ctx.fail) when the arena is full.
bool recompute_affine(const GruView& v, BackwardContext& ctx, GruAffine* out);

}  // namespace salient::explain::gru
