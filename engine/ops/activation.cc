// Elementwise activations, y = f(x), and their exact backward gx += gy·f'(x):
//   relu:    f' = [x > 0] (relu'(0) = 0, from the saved input x = z)
//   tanh:    f' = 1 − y²       sigmoid: f' = y(1 − y)   (from the saved output y = f(z))
// softmax / log-softmax over the last dimension:
//   softmax:     gx += y ⊙ (gy − ⟨gy, y⟩)      log-softmax: gx += gy − e^{y}·Σgy
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

using UnaryKernel = void (*)(int64_t, const float*, float*);
using RowsKernel = void (*)(int64_t, int, const float*, float*);

Tensor elementwise(Graph& g, OpKind kind, UnaryKernel kernel, const Tensor& x) {
  if (!ops::usable(g, {&x})) return {};
  Tensor y = g.new_value(x.shape, ops::any_requires_grad(g, {&x}));
  if (!y.valid()) return y;
  kernel(x.numel(), x.data, y.data);
  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->out = y.id;
  }
  return y;
}

Tensor rowwise(Graph& g, OpKind kind, RowsKernel kernel, const Tensor& x) {
  if (!ops::usable(g, {&x})) return {};
  if (x.shape.rank < 1 || x.shape.back() < 1)
    return ops::reject(g, "%s: input %s needs a non-empty last dimension", op_kind_name(kind),
                       ShapeStr(x.shape).c_str());
  Tensor y = g.new_value(x.shape, ops::any_requires_grad(g, {&x}));
  if (!y.valid()) return y;
  const int cols = static_cast<int>(x.shape.back());
  kernel(x.numel() / cols, cols, x.data, y.data);
  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->out = y.id;
  }
  return y;
}

}  // namespace

Tensor relu(Graph& g, const Tensor& x) { return elementwise(g, OpKind::kRelu, g.kernels().relu, x); }
Tensor tanh(Graph& g, const Tensor& x) { return elementwise(g, OpKind::kTanh, g.kernels().tanh, x); }
Tensor sigmoid(Graph& g, const Tensor& x) {
  return elementwise(g, OpKind::kSigmoid, g.kernels().sigmoid, x);
}
Tensor softmax(Graph& g, const Tensor& x) {
  return rowwise(g, OpKind::kSoftmax, g.kernels().softmax_rows, x);
}
Tensor log_softmax(Graph& g, const Tensor& x) {
  return rowwise(g, OpKind::kLogSoftmax, g.kernels().log_softmax_rows, x);
}

namespace ops {

void relu_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().relu_backward(ctx.output(n).shape.numel(), ctx.input(n, 0).data, ctx.grad_out(n), gx);
}

void tanh_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().tanh_backward(ctx.output(n).shape.numel(), ctx.output(n).data, ctx.grad_out(n), gx);
}

void sigmoid_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().sigmoid_backward(ctx.output(n).shape.numel(), ctx.output(n).data, ctx.grad_out(n), gx);
}

void softmax_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const Value& y = ctx.output(n);
  const int cols = static_cast<int>(y.shape.back());
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().softmax_rows_backward(y.shape.numel() / cols, cols, y.data, ctx.grad_out(n), gx);
}

void log_softmax_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const Value& y = ctx.output(n);
  const int cols = static_cast<int>(y.shape.back());
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().log_softmax_rows_backward(y.shape.numel() / cols, cols, y.data, ctx.grad_out(n), gx);
}

}  // namespace ops
}  // namespace salient
