// Unpacking a GRU node for the explainer rules (see gru_view.h).
#include "gru_view.h"

#include <cstring>

namespace salient::explain::gru {

GruView view_of(const Node& node, BackwardContext& ctx) {
  const Value& x = ctx.input(node, 0);
  const Value& w_hh = ctx.input(node, 2);
  GruView v;
  v.n = static_cast<int>(x.shape[0]);
  v.t = static_cast<int>(x.shape[1]);
  v.i = static_cast<int>(x.shape[2]);
  v.h = static_cast<int>(w_hh.shape[1]);
  v.all_steps = ctx.output(node).shape.rank == 3;
  v.x = x.data;
  v.w_ih = ctx.input(node, 1).data;
  v.w_hh = w_hh.data;
  v.b_ih = node.in[3] >= 0 ? ctx.input(node, 3).data : nullptr;
  v.b_hh = node.in[4] >= 0 ? ctx.input(node, 4).data : nullptr;
  v.saved = node.saved;
  return v;
}

bool recompute_affine(const GruView& v, BackwardContext& ctx, GruAffine* out) {
  const int64_t rows = static_cast<int64_t>(v.n) * v.t;
  Arena& arena = ctx.arena();
  out->prev = arena.allocate_array<float>(static_cast<size_t>(rows * v.h));
  out->xw = arena.allocate_array<float>(static_cast<size_t>(rows * 3 * v.h));
  out->hw = arena.allocate_array<float>(static_cast<size_t>(rows * 3 * v.h));
  if (!out->prev || !out->xw || !out->hw) {
    ctx.fail(Status::error(Code::kOutOfMemory, "gru rule: arena exhausted"));
    return false;
  }
  for (int b = 0; b < v.n; ++b)
    for (int s = 0; s < v.t; ++s) {
      float* dst = out->prev + v.row(b, s) * v.h;
      if (s == 0) {
        std::memset(dst, 0, sizeof(float) * v.h);
      } else {
        std::memcpy(dst, gru_saved_hidden(v.saved, s - 1, b, v.n, v.h, v.t), sizeof(float) * v.h);
      }
    }
  const KernelTable& k = ctx.kernels();
  const int m = static_cast<int>(rows);
  k.sgemm(Trans::kNo, Trans::kYes, m, 3 * v.h, v.i, 1.0f, v.x, v.i, v.w_ih, v.i, 0.0f, out->xw,
          3 * v.h);
  k.sgemm(Trans::kNo, Trans::kYes, m, 3 * v.h, v.h, 1.0f, out->prev, v.h, v.w_hh, v.h, 0.0f,
          out->hw, 3 * v.h);
  return true;
}

}  // namespace salient::explain::gru
