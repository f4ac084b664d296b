// Reference GRU gate kernels for one time step (PyTorch's equations; see kernels.h):
//   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h_prev
// Workspace per row: [r | z | n | gh_n], 4h floats.
#include <cmath>

#include "ref/ref_kernels.h"

namespace salient::ref {

void gru_gates_forward(int n, int h, const float* gi, const float* gh, const float* h_prev,
                       float* h_out, float* ws) {
  for (int b = 0; b < n; ++b) {
    const float* gib = gi + static_cast<int64_t>(b) * 3 * h;
    const float* ghb = gh + static_cast<int64_t>(b) * 3 * h;
    float* wsb = ws + static_cast<int64_t>(b) * 4 * h;
    for (int j = 0; j < h; ++j) {
      const float r = stable_sigmoid(gib[j] + ghb[j]);
      const float z = stable_sigmoid(gib[h + j] + ghb[h + j]);
      const float ghn = ghb[2 * h + j];
      const float nv = std::tanh(gib[2 * h + j] + r * ghn);
      const float hp = h_prev ? h_prev[static_cast<int64_t>(b) * h + j] : 0.0f;
      h_out[static_cast<int64_t>(b) * h + j] = (1.0f - z) * nv + z * hp;
      wsb[j] = r;
      wsb[h + j] = z;
      wsb[2 * h + j] = nv;
      wsb[3 * h + j] = ghn;
    }
  }
}

void gru_gates_backward(int n, int h, const float* dh, const float* h_prev, const float* ws,
                        float* d_gi, float* d_gh, float* dh_prev) {
  for (int b = 0; b < n; ++b) {
    const float* wsb = ws + static_cast<int64_t>(b) * 4 * h;
    float* dgi = d_gi + static_cast<int64_t>(b) * 3 * h;
    float* dgh = d_gh + static_cast<int64_t>(b) * 3 * h;
    for (int j = 0; j < h; ++j) {
      const float r = wsb[j], z = wsb[h + j], nv = wsb[2 * h + j], ghn = wsb[3 * h + j];
      const float g = dh[static_cast<int64_t>(b) * h + j];
      const float hp = h_prev ? h_prev[static_cast<int64_t>(b) * h + j] : 0.0f;
      const float dn_hat = g * (1.0f - z) * (1.0f - nv * nv);
      const float dz_hat = g * (hp - nv) * z * (1.0f - z);
      const float dr_hat = dn_hat * ghn * r * (1.0f - r);
      dgi[j] = dgh[j] = dr_hat;
      dgi[h + j] = dgh[h + j] = dz_hat;
      dgi[2 * h + j] = dn_hat;
      dgh[2 * h + j] = dn_hat * r;
      if (dh_prev) dh_prev[static_cast<int64_t>(b) * h + j] = g * z;
    }
  }
}

}  // namespace salient::ref
