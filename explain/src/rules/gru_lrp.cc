// ε-LRP through a GRU node (SPEC §6, reference/lrp_rap.md §5; formulas in gru_rules.h), in the
// explicit form: the upstream signal is relevance. Per step from the last, three applications of
// Arras et al.'s lrp_linear (with stab(z) = z + ε·sign(z)),
//   R_in,j = Σ_k [w_jk·u_j + bias_factor·(b_k + ε·sign(z_k))/D]/stab(z_k) · R_k,
// on h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} (D = 2H), a_n = W_in x_t + b_in + r ⊙ m (D = I + H; tanh
// passes R from n to a_n) and m = W_hn h_{t−1} + b_hn (D = H). The gates r and z only weight the
// signals they multiply and receive nothing (signal-take-all).
#include "gru_view.h"
#include "salient/explain/gru_rules.h"

namespace salient::explain {
namespace {

inline float sign_of(float z) { return z >= 0.0f ? 1.0f : -1.0f; }
inline float stab(float z, float eps) { return z + eps * sign_of(z); }

void gru_lrp(const Node& node, BackwardContext& ctx, const void* params) {
  float* rx = ctx.grad_in(node, 0);
  if (!rx) return;
  const GruLrpParams& p = *static_cast<const GruLrpParams*>(params);
  const gru::GruView v = gru::view_of(node, ctx);
  const int64_t nh = static_cast<int64_t>(v.n) * v.h;
  Arena& arena = ctx.arena();
  // The rule reads W_in x_t (rows 2H..3H of W_ih), h_{t−1} and the saved gates (r, z, n, m).
  const float* w_in = v.w_ih + static_cast<int64_t>(2) * v.h * v.i;
  const float* w_hn = v.w_hh + static_cast<int64_t>(2) * v.h * v.h;
  const int64_t rows = static_cast<int64_t>(v.n) * v.t;
  float* xn = arena.allocate_array<float>(static_cast<size_t>(rows * v.h));  // W_in x_t
  const float* zeros = arena.allocate_zeroed_floats(static_cast<size_t>(v.h));  // h_{−1}
  if (!xn || !zeros) return ctx.fail(Status::error(Code::kOutOfMemory, "gru lrp rule: arena exhausted"));
  const KernelTable& k = ctx.kernels();
  k.sgemm(Trans::kNo, Trans::kYes, static_cast<int>(rows), v.h, v.i, 1.0f, v.x, v.i, w_in, v.i, 0.0f, xn, v.h);
  auto prev_of = [&](int s, int b) {
    return s == 0 ? zeros : gru_saved_hidden(v.saved, s - 1, b, v.n, v.h, v.t);
  };
  float* r_h = arena.allocate_zeroed_floats(static_cast<size_t>(nh));        // R of h_t
  float* r_prev = arena.allocate_array<float>(static_cast<size_t>(nh));      // R of h_{t−1}
  float* r_m = arena.allocate_array<float>(static_cast<size_t>(nh));         // R of m
  float* s_n = arena.allocate_array<float>(static_cast<size_t>(nh));         // R_{a_n}/stab(a_n)
  float* s_m = arena.allocate_array<float>(static_cast<size_t>(nh));         // R_m/stab(m)
  float* c_x = arena.allocate_array<float>(static_cast<size_t>(v.n) * v.i);  // s_n·W_in
  float* c_h = arena.allocate_array<float>(static_cast<size_t>(nh));         // s_m·W_hn
  float* share_x = arena.allocate_array<float>(static_cast<size_t>(v.n));  // bias shares per sample
  float* share_h = arena.allocate_array<float>(static_cast<size_t>(v.n));
  if (!r_h || !r_prev || !r_m || !s_n || !s_m || !c_x || !c_h || !share_x || !share_h)
    return ctx.fail(Status::error(Code::kOutOfMemory, "gru lrp rule: arena exhausted"));
  const float* g_out = ctx.grad_out(node);
  const float eps = p.epsilon, bf = p.bias_factor;
  for (int s = v.t - 1; s >= 0; --s) {
    for (int b = 0; b < v.n; ++b) {
      const float* gate = v.gates(s, b);
      const float* prev = prev_of(s, b);
      const float* wx = xn + v.row(b, s) * v.h;
      float* rh = r_h + static_cast<int64_t>(b) * v.h;
      if (const float* o = v.out_signal(g_out, s, b))
        for (int j = 0; j < v.h; ++j) rh[j] += o[j];
      float* rp = r_prev + static_cast<int64_t>(b) * v.h;
      float* rm = r_m + static_cast<int64_t>(b) * v.h;
      float* sn = s_n + static_cast<int64_t>(b) * v.h;
      // h_t = u1 + u2, u1 = (1 − z) n (to n), u2 = z h_{t−1} (to h_{t−1}); no bias, D = 2H.
      double share_a = 0.0, share_b = 0.0;
      for (int j = 0; j < v.h; ++j) {
        const float z = gate[v.h + j], nv = gate[2 * v.h + j];
        const float u1 = (1.0f - z) * nv, u2 = z * prev[j];
        const float q = rh[j] / stab(u1 + u2, eps);
        sn[j] = u1 * q;  // R_n for now
        rp[j] = u2 * q;
        share_a += bf * eps * sign_of(u1 + u2) * q;
      }
      const float add_a = static_cast<float>(share_a / (2.0 * v.h));
      // a_n = W_in x + b_in + r ⊙ m (tanh passes R_n to a_n), inputs x (I) and m (H).
      for (int j = 0; j < v.h; ++j) {
        const float r = gate[j], m = gate[3 * v.h + j];
        const float b_in = v.bias_ih(2 * v.h + j);
        const float a_n = wx[j] + b_in + r * m;
        rp[j] += add_a;
        const float q = (sn[j] + add_a) / stab(a_n, eps);
        sn[j] = q;
        rm[j] = r * m * q;
        share_b += bf * (b_in + eps * sign_of(a_n)) * q;
      }
      share_x[b] = static_cast<float>(share_b / (static_cast<double>(v.i) + v.h));
    }
    k.sgemm(Trans::kNo, Trans::kNo, v.n, v.i, v.h, 1.0f, s_n, v.h, w_in, v.i, 0.0f, c_x, v.i);
    for (int b = 0; b < v.n; ++b) {
      const float add_b = share_x[b];
      const float* x = v.x + v.row(b, s) * v.i;
      float* out = rx + v.row(b, s) * v.i;
      const float* c = c_x + static_cast<int64_t>(b) * v.i;
      for (int i = 0; i < v.i; ++i) out[i] += x[i] * c[i] + add_b;
      // m = W_hn h_{t−1} + b_hn (the saved gate), input h_{t−1} (H).
      const float* gate = v.gates(s, b);
      const float* rm = r_m + static_cast<int64_t>(b) * v.h;
      float* sm = s_m + static_cast<int64_t>(b) * v.h;
      double share_c = 0.0;
      for (int j = 0; j < v.h; ++j) {
        const float b_hn = v.bias_hh(2 * v.h + j);
        const float m = gate[3 * v.h + j];
        sm[j] = (rm[j] + add_b) / stab(m, eps);
        share_c += bf * (b_hn + eps * sign_of(m)) * sm[j];
      }
      share_h[b] = static_cast<float>(share_c / v.h);
    }
    k.sgemm(Trans::kNo, Trans::kNo, v.n, v.h, v.h, 1.0f, s_m, v.h, w_hn, v.h, 0.0f, c_h, v.h);
    for (int b = 0; b < v.n; ++b) {
      const float* prev = prev_of(s, b);
      const float* c = c_h + static_cast<int64_t>(b) * v.h;
      const float* rp = r_prev + static_cast<int64_t>(b) * v.h;
      float* rh = r_h + static_cast<int64_t>(b) * v.h;
      for (int j = 0; j < v.h; ++j) rh[j] = rp[j] + prev[j] * c[j] + share_h[b];
    }
  }
  if (p.h0_relevance)
    for (int b = 0; b < v.n; ++b) {
      double sum = 0.0;
      for (int j = 0; j < v.h; ++j) sum += r_h[static_cast<int64_t>(b) * v.h + j];
      p.h0_relevance[b] += static_cast<float>(sum);
    }
}

}  // namespace

Rule lrp_gru_rule(const GruLrpParams* params) { return Rule{gru_lrp, params, "lrp-gru"}; }

}  // namespace salient::explain
