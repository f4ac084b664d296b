// Pooling without padding: max and average over kh×kw windows (1-D pools are the H = 1 case),
// and global average pooling (one window covering all positions).
// Exact backward: max routes gy to the saved argmax (first maximum); avg spreads gy/(kh·kw).
#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

bool is_max(OpKind kind) { return kind == OpKind::kMaxPool1d || kind == OpKind::kMaxPool2d; }

Tensor pool(Graph& g, OpKind kind, const Tensor& x, Size2 kernel, Size2 stride) {
  const char* name = op_kind_name(kind);
  if (!ops::usable(g, {&x})) return {};
  const bool global = kind == OpKind::kGlobalAvgPool;
  const bool one_d = kind == OpKind::kMaxPool1d || kind == OpKind::kAvgPool1d;
  if (global ? (x.shape.rank != 3 && x.shape.rank != 4) : x.shape.rank != (one_d ? 3 : 4))
    return ops::reject(g, "%s: input %s must be %s", name, ShapeStr(x.shape).c_str(),
                       global ? "[N, C, L] or [N, C, H, W]" : (one_d ? "[N, C, L]" : "[N, C, H, W]"));
  Pool2dGeometry p{};
  p.n = static_cast<int>(x.shape[0]);
  p.c = static_cast<int>(x.shape[1]);
  p.h = x.shape.rank == 4 ? static_cast<int>(x.shape[2]) : 1;
  p.w = static_cast<int>(x.shape.back());
  if (global) {
    kernel = stride = {p.h, p.w};
  } else if (one_d) {
    kernel.h = stride.h = 1;
  }
  p.kh = kernel.h;
  p.kw = kernel.w;
  p.sh = stride.h;
  p.sw = stride.w;
  if (p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1)
    return ops::reject(g, "%s: kernel and stride must be >= 1", name);
  if (p.kh > p.h || p.kw > p.w)
    return ops::reject(g, "%s: window %dx%d is larger than the input %s", name, p.kh, p.kw,
                       ShapeStr(x.shape).c_str());
  p.oh = (p.h - p.kh) / p.sh + 1;
  p.ow = (p.w - p.kw) / p.sw + 1;

  Shape y_shape = global ? Shape{p.n, p.c} : (one_d ? Shape{p.n, p.c, p.ow} : Shape{p.n, p.c, p.oh, p.ow});
  Tensor y = g.new_value(y_shape, ops::any_requires_grad(g, {&x}));
  if (!y.valid()) return y;
  int32_t* argmax = nullptr;
  if (is_max(kind)) {
    if (x.numel() > INT32_MAX) return ops::reject(g, "%s: input too large for 32-bit argmax", name);
    argmax = g.arena().allocate_array<int32_t>(static_cast<size_t>(y.numel()));
    if (!argmax) {
      g.fail(Status::error(Code::kOutOfMemory, "%s: arena exhausted saving the argmax", name));
      return {};
    }
    g.kernels().maxpool2d_forward(p, x.data, y.data, argmax);
  } else {
    g.kernels().avgpool2d_forward(p, x.data, y.data);
  }

  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->out = y.id;
    n->pool = p;
    n->argmax = argmax;
  }
  return y;
}

}  // namespace

Tensor maxpool1d(Graph& g, const Tensor& x, int kernel, int stride) {
  return pool(g, OpKind::kMaxPool1d, x, {1, kernel}, {1, stride});
}
Tensor maxpool2d(Graph& g, const Tensor& x, Size2 kernel, Size2 stride) {
  return pool(g, OpKind::kMaxPool2d, x, kernel, stride);
}
Tensor avgpool1d(Graph& g, const Tensor& x, int kernel, int stride) {
  return pool(g, OpKind::kAvgPool1d, x, {1, kernel}, {1, stride});
}
Tensor avgpool2d(Graph& g, const Tensor& x, Size2 kernel, Size2 stride) {
  return pool(g, OpKind::kAvgPool2d, x, kernel, stride);
}
Tensor global_avgpool(Graph& g, const Tensor& x) {
  return pool(g, OpKind::kGlobalAvgPool, x, {0, 0}, {0, 0});
}

namespace ops {

void maxpool_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0))
    ctx.kernels().maxpool2d_backward(n.pool, n.argmax, ctx.grad_out(n), gx);
}

void avgpool_gradient(const Node& n, BackwardContext& ctx, const void*) {
  if (float* gx = ctx.grad_in(n, 0)) ctx.kernels().avgpool2d_backward(n.pool, ctx.grad_out(n), gx);
}

}  // namespace ops
}  // namespace salient
