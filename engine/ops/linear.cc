// linear: y = x·Wᵀ + b on the last dimension. x [..., in] is read as an M×in matrix (M = rows).
// Exact backward: gx += gy·W,  gW += gyᵀ·x,  gb += Σ_rows gy.
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {

Tensor linear(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias) {
  if (!ops::usable(g, {&x, &weight, bias})) return {};
  if (x.shape.rank < 1 || weight.shape.rank != 2 || x.shape.back() != weight.shape[1])
    return ops::reject(g, "linear: input %s does not match weight %s (expected [..., in] and [out, in])",
                       ShapeStr(x.shape).c_str(), ShapeStr(weight.shape).c_str());
  const int in = static_cast<int>(weight.shape[1]);
  const int out = static_cast<int>(weight.shape[0]);
  if (bias && (bias->shape.rank != 1 || bias->shape[0] != out))
    return ops::reject(g, "linear: bias %s does not match %d output features",
                       ShapeStr(bias->shape).c_str(), out);

  Shape y_shape = x.shape;
  y_shape.dims[y_shape.rank - 1] = out;
  Tensor y = g.new_value(y_shape, ops::any_requires_grad(g, {&x, &weight, bias}));
  if (!y.valid()) return y;
  const int64_t rows = x.numel() / in;
  const KernelTable& k = g.kernels();
  GemmEpilogue add_bias;  // y = x·Wᵀ, then + b in the GEMM's epilogue
  add_bias.col_bias = bias ? bias->data : nullptr;
  k.sgemm_fused(Trans::kNo, Trans::kYes, static_cast<int>(rows), out, in, 1.0f, x.data, in,
                weight.data, in, 0.0f, y.data, out, add_bias);

  if (Node* n = g.record(OpKind::kLinear)) {
    n->in[0] = x.id;
    n->in[1] = weight.id;
    n->in[2] = bias ? bias->id : -1;
    n->out = y.id;
  }
  return y;
}

namespace ops {

void linear_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const Value& x = ctx.input(n, 0);
  const Value& w = ctx.input(n, 1);
  const int out = static_cast<int>(w.shape[0]);
  const int in = static_cast<int>(w.shape[1]);
  const int rows = static_cast<int>(x.shape.numel() / in);
  const float* gy = ctx.grad_out(n);
  const KernelTable& k = ctx.kernels();
  if (float* gx = ctx.grad_in(n, 0))
    k.sgemm(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, gy, out, w.data, in, 1.0f, gx, in);
  if (float* gw = ctx.grad_in(n, 1))
    k.sgemm(Trans::kYes, Trans::kNo, out, in, rows, 1.0f, gy, out, x.data, in, 1.0f, gw, in);
  if (float* gb = ctx.grad_in(n, 2)) k.sum_rows_accumulate(rows, out, gy, gb);
}

}  // namespace ops
}  // namespace salient
