// add and mul of two same-shape tensors. Exact backward: add: ga += gy, gb += gy;
// mul: ga += gy ⊙ b, gb += gy ⊙ a.
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

Tensor binary(Graph& g, OpKind kind, const Tensor& a, const Tensor& b) {
  if (!ops::usable(g, {&a, &b})) return {};
  if (a.shape != b.shape)
    return ops::reject(g, "%s: shapes %s and %s differ", op_kind_name(kind),
                       ShapeStr(a.shape).c_str(), ShapeStr(b.shape).c_str());
  Tensor y = g.new_value(a.shape, ops::any_requires_grad(g, {&a, &b}));
  if (!y.valid()) return y;
  const KernelTable& k = g.kernels();
  (kind == OpKind::kAdd ? k.add : k.mul)(a.numel(), a.data, b.data, y.data);
  if (Node* n = g.record(kind)) {
    n->in[0] = a.id;
    n->in[1] = b.id;
    n->out = y.id;
  }
  return y;
}

}  // namespace

Tensor add(Graph& g, const Tensor& a, const Tensor& b) { return binary(g, OpKind::kAdd, a, b); }
Tensor mul(Graph& g, const Tensor& a, const Tensor& b) { return binary(g, OpKind::kMul, a, b); }

namespace ops {

void add_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const int64_t count = ctx.output(n).shape.numel();
  for (int i = 0; i < 2; ++i)
    if (float* g = ctx.grad_in(n, i)) ctx.kernels().accumulate(count, ctx.grad_out(n), g);
}

void mul_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const int64_t count = ctx.output(n).shape.numel();
  for (int i = 0; i < 2; ++i)
    if (float* g = ctx.grad_in(n, i))
      ctx.kernels().mul_accumulate(count, ctx.grad_out(n), ctx.input(n, 1 - i).data, g);
}

}  // namespace ops
}  // namespace salient
