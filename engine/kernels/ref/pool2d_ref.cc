// Reference 2-D pooling over N×C×H×W windows (kh×kw, stride sh×sw, no padding).
//   max:  y[k] = max over window k, argmax[k] = flat input index of its first maximum
//         (a NaN wins and propagates, as in PyTorch);  backward gx[argmax[k]] += gy[k]
//   avg:  y[k] = (1/(kh·kw)) Σ window k;  backward gx[window k] += gy[k]/(kh·kw)
#include "ref/ref_kernels.h"

namespace salient::ref {
namespace {

// Calls f(out_index, in_plane_offset, r0, s0) for every output element; the window starts at (r0, s0).
template <class F>
void for_each_window(const Pool2dGeometry& g, F&& f) {
  int64_t k = 0;
  for (int64_t plane = 0; plane < static_cast<int64_t>(g.n) * g.c; ++plane)
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) f(k++, plane * g.h * g.w, i * g.sh, j * g.sw);
}

}  // namespace

void maxpool2d_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax) {
  for_each_window(g, [&](int64_t k, int64_t base, int r0, int s0) {
    int64_t best = base + static_cast<int64_t>(r0) * g.w + s0;
    for (int u = 0; u < g.kh; ++u)
      for (int v = 0; v < g.kw; ++v) {
        const int64_t idx = base + static_cast<int64_t>(r0 + u) * g.w + (s0 + v);
        if (x[idx] > x[best] || (x[idx] != x[idx] && x[best] == x[best])) best = idx;
      }
    y[k] = x[best];
    argmax[k] = static_cast<int32_t>(best);
  });
}

void avgpool2d_forward(const Pool2dGeometry& g, const float* x, float* y) {
  const float inv = 1.0f / static_cast<float>(g.kh * g.kw);
  for_each_window(g, [&](int64_t k, int64_t base, int r0, int s0) {
    float sum = 0.0f;
    for (int u = 0; u < g.kh; ++u)
      for (int v = 0; v < g.kw; ++v) sum += x[base + static_cast<int64_t>(r0 + u) * g.w + (s0 + v)];
    y[k] = sum * inv;
  });
}

void avgpool2d_backward(const Pool2dGeometry& g, const float* gy, float* gx) {
  const float inv = 1.0f / static_cast<float>(g.kh * g.kw);
  for_each_window(g, [&](int64_t k, int64_t base, int r0, int s0) {
    const float share = gy[k] * inv;
    for (int u = 0; u < g.kh; ++u)
      for (int v = 0; v < g.kw; ++v) gx[base + static_cast<int64_t>(r0 + u) * g.w + (s0 + v)] += share;
  });
}

// gx[argmax[k]] += gy[k], k in order (overlapping windows may repeat an index)
void maxpool2d_backward(const Pool2dGeometry& g, const int32_t* argmax, const float* gy, float* gx) {
  const int64_t n = int64_t{g.n} * g.c * g.oh * g.ow;
  for (int64_t k = 0; k < n; ++k) gx[argmax[k]] += gy[k];
}

}  // namespace salient::ref
