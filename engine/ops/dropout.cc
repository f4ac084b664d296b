// dropout: in training y = x ⊙ m with m_i = 1/(1−p) with probability 1−p, else 0 (drawn from the
// graph's seeded Rng); at inference y = x. Exact backward: gx += gy ⊙ m (gy at inference).
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {

Tensor dropout(Graph& g, const Tensor& x, float p) {
  if (!ops::usable(g, {&x})) return {};
  if (!(p >= 0.0f && p < 1.0f)) return ops::reject(g, "dropout: p = %g must be in [0, 1)", p);
  const bool sample = g.training() && p > 0.0f;
  float* mask = nullptr;
  Tensor y;
  if (sample) {
    const int64_t count = x.numel();
    mask = g.arena().allocate_array<float>(static_cast<size_t>(count));
    if (!mask) {
      g.fail(Status::error(Code::kOutOfMemory, "dropout: arena exhausted saving the mask"));
      return {};
    }
    const float keep_scale = 1.0f / (1.0f - p);
    for (int64_t i = 0; i < count; ++i) mask[i] = g.rng().uniform() < p ? 0.0f : keep_scale;
    y = g.new_value(x.shape, ops::any_requires_grad(g, {&x}));
    if (!y.valid()) return y;
    g.kernels().mul(count, x.data, mask, y.data);
  } else {
    y = g.alias(x, x.shape);  // identity: share the input's storage
    if (!y.valid()) return y;
  }
  if (Node* n = g.record(OpKind::kDropout)) {
    n->in[0] = x.id;
    n->out = y.id;
    n->saved = mask;
    n->p = p;
  }
  return y;
}

namespace ops {

void dropout_gradient(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const int64_t count = ctx.output(n).shape.numel();
  if (n.saved) {
    ctx.kernels().mul_accumulate(count, ctx.grad_out(n), n.saved, gx);
  } else {
    ctx.kernels().accumulate(count, ctx.grad_out(n), gx);
  }
}

}  // namespace ops
}  // namespace salient
