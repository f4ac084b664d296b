// flatten and reshape: a new value sharing the input's storage under another shape.
// Backward passes the signal through unchanged (gx += gy, same element order).
// time_step: y = x[:, t, ...] (a copy of one step of each sequence); backward gx[:, t, ...] += gy.
#include <cstring>

#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

Tensor view(Graph& g, OpKind kind, const Tensor& x, const Shape& shape) {
  Tensor y = g.alias(x, shape);
  if (!y.valid()) return y;
  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->out = y.id;
  }
  return y;
}

}  // namespace

Tensor flatten(Graph& g, const Tensor& x) {
  if (!ops::usable(g, {&x})) return {};
  if (x.shape.rank < 1) return ops::reject(g, "flatten: input must have a batch dimension");
  return view(g, OpKind::kFlatten, x, Shape{x.shape[0], x.shape.numel_from(1)});
}

Tensor reshape(Graph& g, const Tensor& x, const Shape& per_sample) {
  if (!ops::usable(g, {&x})) return {};
  if (x.shape.rank < 1 || per_sample.rank + 1 > Shape::kMaxRank)
    return ops::reject(g, "reshape: input %s needs a batch dimension and the target at most %d dims",
                       ShapeStr(x.shape).c_str(), Shape::kMaxRank - 1);
  Shape y_shape;
  y_shape.rank = per_sample.rank + 1;
  y_shape[0] = x.shape[0];
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < per_sample.rank; ++i) {
    const int64_t d = per_sample[i];
    if (d == -1 && infer < 0) {
      infer = i + 1;
    } else if (d < 1) {
      return ops::reject(g, "reshape: target %s may hold one -1 and otherwise positive sizes",
                         ShapeStr(per_sample).c_str());
    } else {
      known *= d;
    }
    y_shape[i + 1] = d;
  }
  const int64_t sample = x.shape.numel_from(1);
  if (infer >= 0 && known > 0 && sample % known == 0) y_shape[infer] = sample / known;
  if (y_shape.numel() != x.numel())
    return ops::reject(g, "reshape: cannot view %s as per-sample shape %s",
                       ShapeStr(x.shape).c_str(), ShapeStr(per_sample).c_str());
  return view(g, OpKind::kReshape, x, y_shape);
}

Tensor time_step(Graph& g, const Tensor& x, int64_t t) {
  if (!ops::usable(g, {&x})) return {};
  if (x.shape.rank < 3 || t < 0 || t >= x.shape[1])
    return ops::reject(g, "time_step: step %lld of input %s (needs [N, T, ...] and 0 <= t < T)",
                       static_cast<long long>(t), ShapeStr(x.shape).c_str());
  Shape y_shape;
  y_shape.rank = x.shape.rank - 1;
  y_shape[0] = x.shape[0];
  for (int i = 2; i < x.shape.rank; ++i) y_shape[i - 1] = x.shape[i];
  Tensor y = g.new_value(y_shape, ops::any_requires_grad(g, {&x}));
  if (!y.valid()) return y;
  const int64_t step = x.shape.numel_from(2);
  for (int64_t n = 0; n < x.shape[0]; ++n)
    std::memcpy(y.data + n * step, x.data + (n * x.shape[1] + t) * step, sizeof(float) * step);
  if (Node* node = g.record(OpKind::kTimeStep)) {
    node->in[0] = x.id;
    node->out = y.id;
    node->step = t;
  }
  return y;
}

namespace ops {

void time_step_gradient(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const Shape& xs = ctx.input(n, 0).shape;
  const int64_t step = xs.numel_from(2);
  for (int64_t b = 0; b < xs[0]; ++b)
    ctx.kernels().accumulate(step, ctx.grad_out(n) + b * step, gx + (b * xs[1] + n.step) * step);
}

void pass_through_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().accumulate(ctx.output(n).shape.numel(), ctx.grad_out(n), gx);
}

}  // namespace ops
}  // namespace salient
