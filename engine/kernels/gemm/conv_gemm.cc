// Convolution as im2col / col2im + the packed SGEMM (see conv_gemm.h), and the per-ISA conv
// variants of list/conv.inc, which bind it to their ISA's SGEMM.
#include "gemm/conv_gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "salient/assert.h"
#include "salient/threads.h"
#include "variants.h"
#include "x86/avx512/conv_direct_avx512.h"
#include "x86/avx512/conv_plane_avx512.h"
#include "x86/avx512/conv_winograd_avx512.h"

namespace salient::kern {
#if SALIENT_NO_THREADS
float* conv_workspace() {
  alignas(64) static float block[kConvWorkspaceFloats];
  return block;
}
#else
namespace {
struct Workspace {
  float* data = nullptr;
  ~Workspace() { ::operator delete[](data, std::align_val_t{64}); }
};
thread_local Workspace t_workspace;
}  // namespace
float* conv_workspace() {
  Workspace& ws = t_workspace;
  if (!ws.data)
    ws.data = static_cast<float*>(
        ::operator new[](kConvWorkspaceFloats * sizeof(float), std::align_val_t{64}));
  return ws.data;
}
#endif

namespace {

// The col block: kc rows of K by pc columns of P, kc·pc ≤ kConvWorkspaceFloats. Whole rows of P
// when they fit at least 64 columns (one SGEMM over all of K per block), else 64 columns and a
// slice of K (the SGEMM then sums K slices with beta = 1).
struct Block {
  int64_t kc, pc;
};
Block choose_block(int64_t K, int64_t P) {
  const int64_t cap = static_cast<int64_t>(kConvWorkspaceFloats);
  if (K * P <= cap) return {K, P};
  if (cap / K >= 64) return {K, std::min(P, cap / K / 16 * 16)};
  const int64_t pc = std::min<int64_t>(P, 64);
  return {cap / pc, pc};
}

// Output columns j of one output row whose tap v reads inside the input row: [lo, hi).
inline void valid_columns(const Conv2dGeometry& g, int v, int* lo, int* hi) {
  const int before = g.pw - v;  // need j·sw ≥ pw − v
  *lo = before <= 0 ? 0 : (before + g.sw - 1) / g.sw;
  const int limit = g.w + g.pw - v;  // need j·sw < w + pw − v
  *hi = limit <= 0 ? 0 : (limit + g.sw - 1) / g.sw;
}

// Visits the col block rows [k0, k0+kc) × columns [p0, p0+pc) of image xn as runs within one
// output row: f(dst, src, count) for count taps reading src[0], src[sw], ... (src null: padding).
template <class F>
void for_each_run(const Conv2dGeometry& g, int64_t k0, int64_t kc, int64_t p0, int64_t pc,
                  const float* xn, float* col, int64_t ld, F&& f) {
  const int64_t pend = p0 + pc;
  for (int64_t r = 0; r < kc; ++r) {
    const int64_t kk = k0 + r;
    const int v = static_cast<int>(kk % g.kw);
    const int u = static_cast<int>(kk / g.kw % g.kh);
    const int64_t c = kk / (int64_t{g.kw} * g.kh);
    const float* xc = xn + c * g.h * g.w;
    int lo, hi;
    valid_columns(g, v, &lo, &hi);
    float* d = col + r * ld;
    int i = static_cast<int>(p0 / g.ow), j0 = static_cast<int>(p0 % g.ow);
    for (int64_t p = p0; p < pend; ++i, j0 = 0) {
      const int j1 = static_cast<int>(std::min<int64_t>(g.ow, j0 + (pend - p)));
      const int row = i * g.sh + u - g.ph;
      if (row < 0 || row >= g.h) {
        f(d, nullptr, j1 - j0);
      } else {
        const int a = std::clamp(lo, j0, j1), b = std::clamp(hi, a, j1);
        const float* xr = xc + static_cast<int64_t>(row) * g.w;
        f(d, nullptr, a - j0);
        f(d + (a - j0), xr + (a * g.sw + v - g.pw), b - a);
        f(d + (b - j0), nullptr, j1 - b);
      }
      d += j1 - j0;
      p += j1 - j0;
    }
  }
}

void im2col(const Conv2dGeometry& g, const float* xn, int64_t k0, int64_t kc, int64_t p0,
            int64_t pc, float* col, int64_t ld) {
  const int sw = g.sw;
  for_each_run(g, k0, kc, p0, pc, xn, col, ld, [sw](float* d, const float* s, int count) {
    // Runs are often a few floats (small images): short ones are copied inline, long ones by the
    // library (a call per 8-float run would cost more than the copy).
    if (count <= 0) return;
    if (count > 32) {
      if (!s)
        std::memset(d, 0, sizeof(float) * static_cast<size_t>(count));
      else if (sw == 1)
        std::memcpy(d, s, sizeof(float) * static_cast<size_t>(count));
      else
        for (int t = 0; t < count; ++t) d[t] = s[t * sw];
      return;
    }
    if (!s) {
      for (int t = 0; t < count; ++t) d[t] = 0.0f;
    } else if (sw == 1) {
      int t = 0;
      for (; t + 8 <= count; t += 8) std::memcpy(d + t, s + t, 8 * sizeof(float));  // inlined
      for (; t < count; ++t) d[t] = s[t];
    } else {
      for (int t = 0; t < count; ++t) d[t] = s[t * sw];
    }
  });
}

// A whole image's col [K × P] (row stride ld) through a zero-padded copy of one channel at a time
// (pad: (h + 2·ph)·(w + 2·pw) floats): every run is then a plain copy, with no bounds to test,
// which matters on small images, where a run is a few floats.
void im2col_padded(const Conv2dGeometry& g, const float* xn, float* col, int64_t ld, float* pad) {
  const int64_t hp = g.h + 2 * g.ph, wp = g.w + 2 * g.pw;
  for (int64_t t = 0; t < hp * wp; ++t) pad[t] = 0.0f;  // the border stays zero
  float* d = col;
  for (int c = 0; c < g.c_in; ++c) {
    const float* xc = xn + int64_t{c} * g.h * g.w;
    for (int r = 0; r < g.h; ++r)
      std::memcpy(pad + (r + g.ph) * wp + g.pw, xc + int64_t{r} * g.w,
                  sizeof(float) * static_cast<size_t>(g.w));
    for (int u = 0; u < g.kh; ++u)
      for (int v = 0; v < g.kw; ++v, d += ld) {
        float* o = d;
        for (int i = 0; i < g.oh; ++i, o += g.ow) {
          const float* s = pad + (int64_t{i} * g.sh + u) * wp + v;
          if (g.sw == 1) {
            int j = 0;
            for (; j + 8 <= g.ow; j += 8) std::memcpy(o + j, s + j, 8 * sizeof(float));  // inlined
            for (; j < g.ow; ++j) o[j] = s[j];
          } else {
            for (int j = 0; j < g.ow; ++j) o[j] = s[j * g.sw];
          }
        }
      }
  }
}

int64_t padded_floats(const Conv2dGeometry& g) {
  return (int64_t{g.h} + 2 * g.ph) * (int64_t{g.w} + 2 * g.pw);
}

// gx_n[...] += col block (the adjoint of im2col).
void col2im_add(const Conv2dGeometry& g, const float* col, int64_t k0, int64_t kc, int64_t p0,
                int64_t pc, int64_t ld, float* gxn) {
  const int sw = g.sw;
  // for_each_run hands out pointers into the image; the col block is read at the same offsets.
  for_each_run(g, k0, kc, p0, pc, gxn, const_cast<float*>(col), ld,
               [sw](float* d, const float* s, int count) {
                 if (!s || count <= 0) return;
                 float* x = const_cast<float*>(s);
                 for (int t = 0; t < count; ++t) x[t * sw] += d[t];
               });
}

bool is_pointwise(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// How many images share one SGEMM: as many as fit col [K × nb·P] and the gathered output or output
// gradient [c_out × nb·P] in the workspace (a wider, deeper product than one small image gives), 0
// when one image's col must itself be split into blocks. The workspace also holds im2col_padded's
// channel after them.
// An image with at least kOwnProductColumns output positions makes a wide enough product alone:
// it gets a group of its own, whose SGEMM reads and writes the image's own output (or output
// gradient) in place, with no gather or scatter copy.
constexpr int64_t kOwnProductColumns = 512;

// The forward's col row stride for `cols` columns: a stride that is a multiple of 1 KiB would make
// the SGEMM pack col again (sgemm_blocked.cc, "B in place"); 16 more floats let it read col in
// place (the copy was 11 % of the 3→32 layer).
constexpr int64_t kColStridePad = 16;
int64_t col_stride(int64_t cols) { return cols % 256 == 0 ? cols + kColStridePad : cols; }

int64_t images_per_group(const Conv2dGeometry& g, int64_t K, int64_t P) {
  const int64_t need = (K + g.c_out) * P;
  const int64_t cap =
      static_cast<int64_t>(kConvWorkspaceFloats) - padded_floats(g) - kColStridePad * K;
  if (need > cap) return 0;
  return P >= kOwnProductColumns ? 1 : std::min<int64_t>(g.n, cap / need);
}

// Runs group(first, count) over [0, n) in groups of at most nb images: whole images on the threads
// when there are at least as many images as threads, else in order on the caller (each group's
// SGEMM then splits itself). Grouping never changes an element's order of summation.
template <class F>
void for_each_group(int n, int64_t nb, F&& group) {
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i += nb) group(i, std::min(nb, end - i));
  };
  if (thread_count() > 1 && n >= thread_count()) {
    parallel_for(n, run);
  } else {
    run(0, n);
  }
}

struct Sizes {
  int64_t K, P, x_image, y_image;
  explicit Sizes(const Conv2dGeometry& g)
      : K(int64_t{g.c_in} * g.kh * g.kw),
        P(int64_t{g.oh} * g.ow),
        x_image(int64_t{g.c_in} * g.h * g.w),
        y_image(int64_t{g.c_out} * g.oh * g.ow) {}
};

// dst[o, t·P + p] = src_t[o, p] for the group's images t (or the reverse when `scatter`).
void gather(const Conv2dGeometry& g, const Sizes& z, float* grouped, float* images, int64_t count,
            bool scatter) {
  const int64_t cols = count * z.P;
  for (int64_t t = 0; t < count; ++t)
    for (int o = 0; o < g.c_out; ++o) {
      float* a = grouped + o * cols + t * z.P;
      float* b = images + t * z.y_image + o * z.P;
      std::memcpy(scatter ? b : a, scatter ? a : b, sizeof(float) * static_cast<size_t>(z.P));
    }
}

}  // namespace

void conv2d_forward_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* x, const float* w,
                         const float* b, float* y) {
  const Sizes z(g);
  const int64_t K = z.K, P = z.P;
  GemmEpilogue ep;
  ep.row_bias = b;
  if (is_pointwise(g)) {
    for_each_group(g.n, 1, [&](int64_t n, int64_t) {
      k.sgemm_fused(Trans::kNo, Trans::kNo, g.c_out, int(P), int(K), 1.0f, w, int(K),
                    x + n * z.x_image, int(P), 0.0f, y + n * z.y_image, int(P), ep);
    });
    return;
  }
  if (const int64_t nb = images_per_group(g, K, P)) {
    for_each_group(g.n, nb, [&](int64_t first, int64_t count) {
      const int64_t cols = count * P, ld = col_stride(cols);
      float* col = conv_workspace();
      float* grouped = col + K * ld;  // also im2col_padded's channel, used before the product
      for (int64_t t = 0; t < count; ++t)
        im2col_padded(g, x + (first + t) * z.x_image, col + t * P, ld, grouped + g.c_out * cols);
      float* out = count == 1 ? y + first * z.y_image : grouped;
      k.sgemm_fused(Trans::kNo, Trans::kNo, g.c_out, int(cols), int(K), 1.0f, w, int(K), col,
                    int(ld), 0.0f, out, int(cols), ep);
      if (count > 1) gather(g, z, out, y + first * z.y_image, count, /*scatter=*/true);
    });
    return;
  }
  const Block bl = choose_block(K, P);
  for_each_group(g.n, 1, [&](int64_t n, int64_t) {
    const float* xn = x + n * z.x_image;
    float* yn = y + n * z.y_image;
    float* col = conv_workspace();
    for (int64_t p0 = 0; p0 < P; p0 += bl.pc) {
      const int64_t pc = std::min(bl.pc, P - p0);
      for (int64_t k0 = 0; k0 < K; k0 += bl.kc) {
        const int64_t kc = std::min(bl.kc, K - k0);
        im2col(g, xn, k0, kc, p0, pc, col, pc);
        const float beta = k0 == 0 ? 0.0f : 1.0f;
        if (k0 + kc == K)
          k.sgemm_fused(Trans::kNo, Trans::kNo, g.c_out, int(pc), int(kc), 1.0f, w + k0, int(K),
                        col, int(pc), beta, yn + p0, int(P), ep);
        else
          k.sgemm(Trans::kNo, Trans::kNo, g.c_out, int(pc), int(kc), 1.0f, w + k0, int(K), col,
                  int(pc), beta, yn + p0, int(P));
      }
    }
  });
}

void conv2d_backward_data_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* gy,
                               const float* w, float* gx) {
  const Sizes z(g);
  const int64_t K = z.K, P = z.P;
  if (is_pointwise(g)) {
    for_each_group(g.n, 1, [&](int64_t n, int64_t) {
      k.sgemm(Trans::kYes, Trans::kNo, int(K), int(P), g.c_out, 1.0f, w, int(K), gy + n * z.y_image,
              int(P), 1.0f, gx + n * z.x_image, int(P));
    });
    return;
  }
  if (const int64_t nb = images_per_group(g, K, P)) {
    for_each_group(g.n, nb, [&](int64_t first, int64_t count) {
      const int64_t cols = count * P;
      float* col = conv_workspace();
      const float* grad = gy + first * z.y_image;
      if (count > 1) {
        float* grouped = col + K * cols;
        gather(g, z, grouped, const_cast<float*>(grad), count, /*scatter=*/false);
        grad = grouped;
      }
      k.sgemm(Trans::kYes, Trans::kNo, int(K), int(cols), g.c_out, 1.0f, w, int(K), grad, int(cols),
              0.0f, col, int(cols));
      for (int64_t t = 0; t < count; ++t)
        col2im_add(g, col + t * P, 0, K, 0, P, cols, gx + (first + t) * z.x_image);
    });
    return;
  }
  const Block bl = choose_block(K, P);
  for_each_group(g.n, 1, [&](int64_t n, int64_t) {
    const float* gyn = gy + n * z.y_image;
    float* gxn = gx + n * z.x_image;
    float* col = conv_workspace();
    for (int64_t p0 = 0; p0 < P; p0 += bl.pc) {
      const int64_t pc = std::min(bl.pc, P - p0);
      for (int64_t k0 = 0; k0 < K; k0 += bl.kc) {
        const int64_t kc = std::min(bl.kc, K - k0);
        k.sgemm(Trans::kYes, Trans::kNo, int(kc), int(pc), g.c_out, 1.0f, w + k0, int(K), gyn + p0,
                int(P), 0.0f, col, int(pc));
        col2im_add(g, col, k0, kc, p0, pc, pc, gxn);
      }
    }
  });
}

void conv2d_backward_weights_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* x,
                                  const float* gy, float* gw, float* gb) {
  const Sizes z(g);
  const int64_t K = z.K, P = z.P;
  const int64_t nb = is_pointwise(g) ? 0 : images_per_group(g, K, P);
  if (gw && nb) {
    for (int64_t first = 0; first < g.n; first += nb) {
      const int64_t count = std::min<int64_t>(nb, g.n - first), cols = count * P;
      float* col = conv_workspace();
      float* grouped = col + K * cols;
      for (int64_t t = 0; t < count; ++t)
        im2col_padded(g, x + (first + t) * z.x_image, col + t * P, cols, grouped + g.c_out * cols);
      const float* grad = gy + first * z.y_image;
      if (count > 1) {
        gather(g, z, grouped, const_cast<float*>(grad), count, /*scatter=*/false);
        grad = grouped;
      }
      k.sgemm(Trans::kNo, Trans::kYes, g.c_out, int(K), int(cols), 1.0f, grad, int(cols), col,
              int(cols), 1.0f, gw, int(K));
    }
  }
  const Block bl = choose_block(K, P);
  for (int n = 0; n < g.n; ++n) {
    const float* xn = x + n * z.x_image;
    const float* gyn = gy + n * z.y_image;
    if (gw && is_pointwise(g)) {
      k.sgemm(Trans::kNo, Trans::kYes, g.c_out, int(K), int(P), 1.0f, gyn, int(P), xn, int(P), 1.0f,
              gw, int(K));
    } else if (gw && !nb) {
      float* col = conv_workspace();
      for (int64_t p0 = 0; p0 < P; p0 += bl.pc) {
        const int64_t pc = std::min(bl.pc, P - p0);
        for (int64_t k0 = 0; k0 < K; k0 += bl.kc) {
          const int64_t kc = std::min(bl.kc, K - k0);
          im2col(g, xn, k0, kc, p0, pc, col, pc);
          k.sgemm(Trans::kNo, Trans::kYes, g.c_out, int(kc), int(pc), 1.0f, gyn + p0, int(P), col,
                  int(pc), 1.0f, gw + k0, int(K));
        }
      }
    }
    if (gb) {
      for (int o = 0; o < g.c_out; ++o) {
        const float* row = gyn + o * P;
        float s = 0.0f;
        for (int64_t p = 0; p < P; ++p) s += row[p];
        gb[o] += s;
      }
    }
  }
}

#if SALIENT_KERNELS_X86
namespace {
constexpr ConvGemm kGemmAvx512{sgemm__avx512_14x32, sgemm_fused__avx512_14x32};
constexpr ConvGemm kGemmAvx2{sgemm__avx2_6x16, sgemm_fused__avx2_6x16};
}  // namespace

// 3×3 with padding 1 on even sides and ≥ 8 channels: Winograd (avx512::conv_winograd_serves).
// Other stride-1 geometries: the plane kernel for "same"-width rows shorter than 16
// (avx512::conv_plane_serves), the direct kernel for most others (avx512::conv_direct_serves); else
// im2col.
void conv2d_forward__avx512(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                            float* y) {
  if (avx512::conv_winograd_serves(g))
    avx512::conv2d_forward_winograd(g, x, w, b, y);
  else if (avx512::conv_plane_serves(g))
    avx512::conv2d_forward_plane(g, x, w, b, y);
  else if (avx512::conv_direct_serves(g))
    avx512::conv2d_forward_direct(g, x, w, b, y);
  else
    conv2d_forward_gemm(kGemmAvx512, g, x, w, b, y);
}
// Winograd where it serves the transposed convolution; else, stride 1 with "same" width, the plane
// kernel on the transposed convolution; else col2im.
void conv2d_backward_data__avx512(const Conv2dGeometry& g, const float* gy, const float* w, float* gx) {
  if (avx512::conv_winograd_serves_backward_data(g))
    avx512::conv2d_backward_data_winograd(g, gy, w, gx);
  else if (avx512::conv_plane_serves_backward_data(g))
    avx512::conv2d_backward_data_plane(g, gy, w, gx);
  else
    conv2d_backward_data_gemm(kGemmAvx512, g, gy, w, gx);
}
void conv2d_backward_weights__avx512_im2col(const Conv2dGeometry& g, const float* x,
                                            const float* gy, float* gw, float* gb) {
  conv2d_backward_weights_gemm(kGemmAvx512, g, x, gy, gw, gb);
}
void conv2d_forward__avx2_im2col(const Conv2dGeometry& g, const float* x, const float* w,
                                 const float* b, float* y) {
  conv2d_forward_gemm(kGemmAvx2, g, x, w, b, y);
}
void conv2d_backward_data__avx2_im2col(const Conv2dGeometry& g, const float* gy, const float* w,
                                       float* gx) {
  conv2d_backward_data_gemm(kGemmAvx2, g, gy, w, gx);
}
void conv2d_backward_weights__avx2_im2col(const Conv2dGeometry& g, const float* x, const float* gy,
                                          float* gw, float* gb) {
  conv2d_backward_weights_gemm(kGemmAvx2, g, x, gy, gw, gb);
}
#endif

}  // namespace salient::kern
