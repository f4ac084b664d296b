// conv1d / conv2d (cross-correlation with stride and zero padding), both through the 2-D kernels:
// a 1-D signal N×C×L is the image N×C×1×L and a kernel of size k is 1×k.
// Exact backward: gx += transposed convolution of gy with W;  gW += gy ⋆ x;  gb += Σ gy.
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

Tensor convolve(Graph& g, OpKind kind, const Tensor& x, const Tensor& weight, const Tensor* bias,
                Size2 stride, Size2 padding) {
  const char* name = op_kind_name(kind);
  if (!ops::usable(g, {&x, &weight, bias})) return {};
  const int spatial = kind == OpKind::kConv1d ? 1 : 2;
  if (x.shape.rank != spatial + 2 || weight.shape.rank != spatial + 2)
    return ops::reject(g, "%s: input %s and weight %s must both have rank %d", name,
                       ShapeStr(x.shape).c_str(), ShapeStr(weight.shape).c_str(), spatial + 2);
  if (x.shape[1] != weight.shape[1])
    return ops::reject(g, "%s: input %s has %lld channels but weight %s expects %lld", name,
                       ShapeStr(x.shape).c_str(), static_cast<long long>(x.shape[1]),
                       ShapeStr(weight.shape).c_str(), static_cast<long long>(weight.shape[1]));
  if (stride.h < 1 || stride.w < 1 || padding.h < 0 || padding.w < 0)
    return ops::reject(g, "%s: stride must be >= 1 and padding >= 0", name);

  Conv2dGeometry c{};
  c.n = static_cast<int>(x.shape[0]);
  c.c_in = static_cast<int>(x.shape[1]);
  c.h = spatial == 2 ? static_cast<int>(x.shape[2]) : 1;
  c.w = static_cast<int>(x.shape.back());
  c.c_out = static_cast<int>(weight.shape[0]);
  c.kh = spatial == 2 ? static_cast<int>(weight.shape[2]) : 1;
  c.kw = static_cast<int>(weight.shape.back());
  c.sh = spatial == 2 ? stride.h : 1;
  c.sw = stride.w;
  c.ph = spatial == 2 ? padding.h : 0;
  c.pw = padding.w;
  if (c.h + 2 * c.ph < c.kh || c.w + 2 * c.pw < c.kw)
    return ops::reject(g, "%s: kernel %s is larger than the padded input %s", name,
                       ShapeStr(weight.shape).c_str(), ShapeStr(x.shape).c_str());
  if (bias && (bias->shape.rank != 1 || bias->shape[0] != c.c_out))
    return ops::reject(g, "%s: bias %s does not match %d output channels", name,
                       ShapeStr(bias->shape).c_str(), c.c_out);
  c.oh = (c.h + 2 * c.ph - c.kh) / c.sh + 1;
  c.ow = (c.w + 2 * c.pw - c.kw) / c.sw + 1;

  Shape y_shape = spatial == 2 ? Shape{c.n, c.c_out, c.oh, c.ow} : Shape{c.n, c.c_out, c.ow};
  Tensor y = g.new_value(y_shape, ops::any_requires_grad(g, {&x, &weight, bias}));
  if (!y.valid()) return y;
  g.kernels().conv2d_forward(c, x.data, weight.data, bias ? bias->data : nullptr, y.data);

  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->in[1] = weight.id;
    n->in[2] = bias ? bias->id : -1;
    n->out = y.id;
    n->conv = c;
  }
  return y;
}

}  // namespace

Tensor conv1d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias, int stride,
              int padding) {
  return convolve(g, OpKind::kConv1d, x, weight, bias, {1, stride}, {0, padding});
}

Tensor conv2d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor* bias, Size2 stride,
              Size2 padding) {
  return convolve(g, OpKind::kConv2d, x, weight, bias, stride, padding);
}

namespace ops {

void conv_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const float* gy = ctx.grad_out(n);
  const KernelTable& k = ctx.kernels();
  if (float* gx = ctx.grad_in(n, 0)) k.conv2d_backward_data(n.conv, gy, ctx.input(n, 1).data, gx);
  float* gw = ctx.grad_in(n, 1);
  float* gb = ctx.grad_in(n, 2);
  if (gw || gb) k.conv2d_backward_weights(n.conv, ctx.input(n, 0).data, gy, gw, gb);
}

}  // namespace ops
}  // namespace salient
