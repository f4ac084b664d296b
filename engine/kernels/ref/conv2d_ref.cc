// Reference 2-D convolution (cross-correlation), direct loops over N×C×H×W.
//   forward:          y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v]·x[n,c,i·sh+u−ph, j·sw+v−pw]
//   backward data:    gx[n,c,i·sh+u−ph, j·sw+v−pw] += Σ_o w[o,c,u,v]·gy[n,o,i,j]
//   backward weights: gw[o,c,u,v] += Σ_{n,i,j} gy[n,o,i,j]·x[...];  gb[o] += Σ_{n,i,j} gy[n,o,i,j]
//                     (gw or gb may be null)
// Taps that fall in the zero padding are skipped.
#include "ref/ref_kernels.h"

namespace salient::ref {
namespace {

inline int64_t x_index(const Conv2dGeometry& g, int n, int c, int r, int s) {
  return ((static_cast<int64_t>(n) * g.c_in + c) * g.h + r) * g.w + s;
}
inline int64_t y_index(const Conv2dGeometry& g, int n, int o, int i, int j) {
  return ((static_cast<int64_t>(n) * g.c_out + o) * g.oh + i) * g.ow + j;
}
inline int64_t w_index(const Conv2dGeometry& g, int o, int c, int u, int v) {
  return ((static_cast<int64_t>(o) * g.c_in + c) * g.kh + u) * g.kw + v;
}

// Calls f(n, o, i, j, c, u, v, x_idx) for every (output position, tap) pair inside the input.
template <class F>
void for_each_tap(const Conv2dGeometry& g, F&& f) {
  for (int n = 0; n < g.n; ++n)
    for (int o = 0; o < g.c_out; ++o)
      for (int i = 0; i < g.oh; ++i)
        for (int j = 0; j < g.ow; ++j)
          for (int c = 0; c < g.c_in; ++c)
            for (int u = 0; u < g.kh; ++u) {
              const int r = i * g.sh + u - g.ph;
              if (r < 0 || r >= g.h) continue;
              for (int v = 0; v < g.kw; ++v) {
                const int s = j * g.sw + v - g.pw;
                if (s < 0 || s >= g.w) continue;
                f(n, o, i, j, c, u, v, x_index(g, n, c, r, s));
              }
            }
}

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                    float* y) {
  for (int n = 0; n < g.n; ++n)
    for (int o = 0; o < g.c_out; ++o)
      for (int i = 0; i < g.oh; ++i)
        for (int j = 0; j < g.ow; ++j) y[y_index(g, n, o, i, j)] = b ? b[o] : 0.0f;
  for_each_tap(g, [&](int n, int o, int i, int j, int c, int u, int v, int64_t xi) {
    y[y_index(g, n, o, i, j)] += w[w_index(g, o, c, u, v)] * x[xi];
  });
}

void conv2d_backward_data(const Conv2dGeometry& g, const float* gy, const float* w, float* gx) {
  for_each_tap(g, [&](int n, int o, int i, int j, int c, int u, int v, int64_t xi) {
    gx[xi] += w[w_index(g, o, c, u, v)] * gy[y_index(g, n, o, i, j)];
  });
}

void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* gy, float* gw,
                             float* gb) {
  if (gw) for_each_tap(g, [&](int n, int o, int i, int j, int c, int u, int v, int64_t xi) {
    gw[w_index(g, o, c, u, v)] += gy[y_index(g, n, o, i, j)] * x[xi];
  });
  if (!gb) return;
  for (int n = 0; n < g.n; ++n)
    for (int o = 0; o < g.c_out; ++o)
      for (int i = 0; i < g.oh; ++i)
        for (int j = 0; j < g.ow; ++j) gb[o] += gy[y_index(g, n, o, i, j)];
}

}  // namespace salient::ref
