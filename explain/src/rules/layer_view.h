// One linear or conv node of the tape seen as a map z = W·x' (no bias) with its transpose, run on
// the layer's own kernels: sgemm for linear, conv2d_forward / conv2d_backward_data for conv1d and
// conv2d (1-D through H = 1). Shared by the LRP and RAP layer rules (the 4-step trick's products).
#pragma once

#include <cstdint>
#include <cstring>

#include "salient/arena.h"
#include "salient/rules.h"

namespace salient::explain {

/// The layers that carry relevance rules (and a LayerView): linear, conv1d, conv2d.
inline bool is_relevance_layer(OpKind k) {
  return k == OpKind::kLinear || k == OpKind::kConv1d || k == OpKind::kConv2d;
}

/// The sign parts v⁺ = max(v, 0) and v⁻ = min(v, 0) the layer rules split inputs and weights into.
inline float pos(float v) { return v > 0.0f ? v : 0.0f; }
inline float neg(float v) { return v < 0.0f ? v : 0.0f; }
/// f(src[i]) for count floats (f(1) where src is null) in arena scratch; null when the arena is full.
inline float* map(Arena& arena, const float* src, int64_t count, float (*f)(float)) {
  float* out = arena.allocate_array<float>(static_cast<size_t>(count));
  if (out)
    for (int64_t i = 0; i < count; ++i) out[i] = f(src ? src[i] : 1.0f);
  return out;
}

struct LayerView {
  bool linear;
  int rows = 0, in = 0, out = 0;  // linear
  Conv2dGeometry geo = {};        // conv
  int64_t nx, nw, nz, nb;         // element counts of x, W, z, b (channels)
  int64_t spatial;                // output positions per channel (conv), 1 for linear

  // z = W·x (z is overwritten).
  void forward(const KernelTable& k, const float* x, const float* w, float* z) const {
    if (linear) {
      k.sgemm(Trans::kNo, Trans::kYes, rows, out, in, 1.0f, x, in, w, in, 0.0f, z, out);
    } else {
      k.conv2d_forward(geo, x, w, nullptr, z);
    }
  }
  // c = Wᵀ s (c is overwritten).
  void transpose(const KernelTable& k, const float* s, const float* w, float* c) const {
    std::memset(c, 0, static_cast<size_t>(nx) * sizeof(float));
    if (linear) {
      k.sgemm(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, s, out, w, in, 0.0f, c, in);
    } else {
      k.conv2d_backward_data(geo, s, w, c);
    }
  }
  // Channel of output element i.
  int64_t channel(int64_t i) const { return linear ? i % out : (i / spatial) % geo.c_out; }
};

// The view of a linear, conv1d or conv2d node.
inline LayerView view_of(const Node& n, BackwardContext& ctx) {
  LayerView v;
  const Value& x = ctx.input(n, 0);
  const Value& w = ctx.input(n, 1);
  v.linear = n.kind == OpKind::kLinear;
  v.nx = x.shape.numel();
  v.nw = w.shape.numel();
  v.nz = ctx.output(n).shape.numel();
  if (v.linear) {
    v.out = static_cast<int>(w.shape[0]);
    v.in = static_cast<int>(w.shape[1]);
    v.rows = static_cast<int>(v.nx / v.in);
    v.nb = v.out;
    v.spatial = 1;
  } else {
    v.geo = n.conv;
    v.nb = v.geo.c_out;
    v.spatial = static_cast<int64_t>(v.geo.oh) * v.geo.ow;
  }
  return v;
}

}  // namespace salient::explain
