// flatten and reshape: a new value sharing the input's storage under another shape.
// Backward passes the signal through unchanged (gx += gy, same element order).
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

namespace ops {

void pass_through_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().accumulate(ctx.output(n).shape.numel(), ctx.grad_out(n), gx);
}

}  // namespace ops
}  // namespace salient
