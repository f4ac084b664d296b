// DeepLIFT through a GRU node of a doubled batch [x; x̄] (SPEC §6; formulas in gru_rules.h):
// the multipliers of every step follow the exact chain of differences of PyTorch's equations,
//   h = (1 − z) ⊙ n + z ⊙ h_{t−1}:  m_n = ½((1 − z) + (1 − z̄))·m_h, m_z = ½((h_{t−1} + h̄_{t−1}) −
//   (n + n̄))·m_h,
//                                     m_{h_{t−1}} = ½(z + z̄)·m_h      (Shapley split at each
//                                     product)
//   n = tanh(a_n), r = σ(a_r), z = σ(a_z):  m_a = m_f·(f(a) − f(ā))/(a − ā)   (Rescale)
//   a_n = gi_n + r ⊙ gh_n:                  m_{gh_n} = ½(r + r̄)·m_{a_n}, m_r = ½(gh_n +
//   gh̄_n)·m_{a_n} gi = x W_ihᵀ + b_ih, gh = h_{t−1} W_hhᵀ + b_hh: exact (m_x = m_gi·W_ih,
//   m_{h_{t−1}} += m_gh·W_hh).
// Each local step satisfies Δout = Σ m·Δin exactly, so the GRU passes completeness through.
#include <cmath>

#include "gru_view.h"
#include "salient/explain/gru_rules.h"

namespace salient::explain {
namespace {

constexpr float kTiny = 1e-10f;  // Rescale's fallback threshold (deeplift_rules.cc, Captum's eps)

// (f(a) − f(ā))/(a − ā), or f'(a) from f(a) = y when |a − ā| < 1e-10.
float rescale(float a, float a_ref, float y, float y_ref, bool is_tanh) {
  const float da = a - a_ref;
  if (std::fabs(da) < kTiny) return is_tanh ? 1.0f - y * y : y * (1.0f - y);
  return (y - y_ref) / da;
}

void gru_deeplift(const Node& node, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(node, 0);
  if (!gx) return;
  const gru::GruView v = gru::view_of(node, ctx);
  gru::GruAffine aff;
  if (!gru::recompute_affine(v, ctx, &aff)) return;
  const int half = v.n / 2;
  const int h = v.h;
  const int64_t rows = static_cast<int64_t>(half) * v.t;
  Arena& arena = ctx.arena();
  float* d_gi = arena.allocate_array<float>(static_cast<size_t>(rows * 3 * h));  // [half·T, 3H]
  float* d_gh = arena.allocate_array<float>(static_cast<size_t>(half) * 3 * h);
  float* m_h = arena.allocate_zeroed_floats(static_cast<size_t>(half) * h);
  float* m_prev = arena.allocate_array<float>(static_cast<size_t>(half) * h);
  if (!d_gi || !d_gh || !m_h || !m_prev)
    return ctx.fail(Status::error(Code::kOutOfMemory, "gru deeplift rule: arena exhausted"));
  const float* g_out = ctx.grad_out(node);
  const KernelTable& k = ctx.kernels();
  for (int s = v.t - 1; s >= 0; --s) {
    for (int b = 0; b < half; ++b) {
      const int c = b + half;  // the reference run of sample b
      const float* gate_x = v.gates(s, b);
      const float* gate_r = v.gates(s, c);
      const float* px = aff.prev + v.row(b, s) * h;
      const float* pr = aff.prev + v.row(c, s) * h;
      const float* xwx = aff.xw + v.row(b, s) * 3 * h;
      const float* xwr = aff.xw + v.row(c, s) * 3 * h;
      const float* hwx = aff.hw + v.row(b, s) * 3 * h;
      const float* hwr = aff.hw + v.row(c, s) * 3 * h;
      float* mh = m_h + static_cast<int64_t>(b) * h;
      float* mp = m_prev + static_cast<int64_t>(b) * h;
      float* dgi = d_gi + v.row(b, s) * 3 * h;
      float* dgh = d_gh + static_cast<int64_t>(b) * 3 * h;
      if (const float* o = v.out_signal(g_out, s, b))
        for (int j = 0; j < h; ++j) mh[j] += o[j];
      for (int j = 0; j < h; ++j) {
        const float rx = gate_x[j], rr = gate_r[j], zx = gate_x[h + j], zr = gate_r[h + j];
        const float nx = gate_x[2 * h + j], nr = gate_r[2 * h + j], ghx = gate_x[3 * h + j],
                    ghr = gate_r[3 * h + j];
        const float g = mh[j];
        const float m_n = 0.5f * ((1.0f - zx) + (1.0f - zr)) * g;
        const float m_z = 0.5f * ((px[j] + pr[j]) - (nx + nr)) * g;
        mp[j] = 0.5f * (zx + zr) * g;
        const float an_x = xwx[2 * h + j] + v.bias_ih(2 * h + j) + rx * ghx;
        const float an_r = xwr[2 * h + j] + v.bias_ih(2 * h + j) + rr * ghr;
        const float m_an = m_n * rescale(an_x, an_r, nx, nr, true);
        const float m_r = 0.5f * (ghx + ghr) * m_an;
        const float ar_x = xwx[j] + v.bias_ih(j) + hwx[j] + v.bias_hh(j);
        const float ar_r = xwr[j] + v.bias_ih(j) + hwr[j] + v.bias_hh(j);
        const float az_x = xwx[h + j] + v.bias_ih(h + j) + hwx[h + j] + v.bias_hh(h + j);
        const float az_r = xwr[h + j] + v.bias_ih(h + j) + hwr[h + j] + v.bias_hh(h + j);
        const float m_ar = m_r * rescale(ar_x, ar_r, rx, rr, false);
        const float m_az = m_z * rescale(az_x, az_r, zx, zr, false);
        dgi[j] = dgh[j] = m_ar;
        dgi[h + j] = dgh[h + j] = m_az;
        dgi[2 * h + j] = m_an;
        dgh[2 * h + j] = 0.5f * (rx + rr) * m_an;
      }
    }
    k.sgemm(Trans::kNo, Trans::kNo, half, h, 3 * h, 1.0f, d_gh, 3 * h, v.w_hh, h, 1.0f, m_prev, h);
    float* swap = m_h;
    m_h = m_prev;
    m_prev = swap;
  }
  // x's first half is the first half·T rows of [N, T, I]: gx += m_gi·W_ih.
  k.sgemm(Trans::kNo, Trans::kNo, static_cast<int>(rows), v.i, 3 * h, 1.0f, d_gi, 3 * h, v.w_ih,
          v.i, 1.0f, gx, v.i);
}

}  // namespace

Rule deeplift_gru_rule() { return Rule{gru_deeplift, nullptr, "deeplift-gru"}; }

}  // namespace salient::explain
