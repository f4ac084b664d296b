// Losses as ops returning the mean as a rank-0 tensor (the per-entry terms come from the kernels):
//   cross_entropy(x, y) = mean_r (log Σ_j e^{x_rj} − x_r,y_r)   ∂/∂x_r = (softmax(x_r) − e_{y_r})/rows
//   bce_with_logits(x, y) = mean (max(x,0) − x·y + log(1 + e^{−|x|}))   ∂/∂x = (σ(x) − y)/n
//   mse(a, b) = mean (a − b)²   ∂/∂a = 2(a − b)/n,  ∂/∂b = −2(a − b)/n
#include <cmath>

#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

using LossKernel = void (*)(int64_t, const float*, const float*, float*);

// Sums `count` per-entry losses in double and records the node; rows = how many terms are averaged.
Tensor finish(Graph& g, OpKind kind, const Tensor& a, const Tensor& b, const float* terms, int64_t count) {
  Tensor y = g.new_value(Shape{}, ops::any_requires_grad(g, {&a, &b}));
  if (!y.valid()) return y;
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i) sum += terms[i];
  y.data[0] = static_cast<float>(sum / static_cast<double>(count));
  if (Node* n = g.record(kind)) {
    n->in[0] = a.id;
    n->in[1] = b.id;
    n->out = y.id;
  }
  return y;
}

float* scratch(Graph& g, int64_t count, const char* name) {
  float* p = g.arena().allocate_array<float>(static_cast<size_t>(count));
  if (!p) g.fail(Status::error(Code::kOutOfMemory, "%s: arena exhausted", name));
  return p;
}

Tensor elementwise_loss(Graph& g, OpKind kind, LossKernel kernel, const Tensor& a, const Tensor& b) {
  const char* name = op_kind_name(kind);
  if (!ops::usable(g, {&a, &b})) return {};
  if (a.shape != b.shape || a.numel() == 0)
    return ops::reject(g, "%s: shapes %s and %s must be equal and non-empty", name, ShapeStr(a.shape).c_str(),
                       ShapeStr(b.shape).c_str());
  float* terms = scratch(g, a.numel(), name);
  if (!terms) return {};
  kernel(a.numel(), a.data, b.data, terms);
  return finish(g, kind, a, b, terms, a.numel());
}

}  // namespace

Tensor cross_entropy(Graph& g, const Tensor& logits, const Tensor& labels) {
  if (!ops::usable(g, {&logits, &labels})) return {};
  const Shape& s = logits.shape;
  bool ok = s.rank >= 2 && labels.shape.rank == s.rank - 1 && s.back() >= 1;
  for (int i = 0; ok && i < labels.shape.rank; ++i) ok = labels.shape[i] == s[i];
  if (!ok)
    return ops::reject(g, "cross_entropy: logits %s and labels %s must be [..., C] and [...]",
                       ShapeStr(s).c_str(), ShapeStr(labels.shape).c_str());
  const int cols = static_cast<int>(s.back());
  const int64_t rows = labels.numel();
  if (rows == 0) return ops::reject(g, "cross_entropy: empty batch");
  for (int64_t r = 0; r < rows; ++r) {
    const float label = labels.data[r];
    if (!(label >= 0.0f && label < static_cast<float>(cols)) || label != std::floor(label))
      return ops::reject(g, "cross_entropy: label %g at %lld is not a class id in [0, %d)", label,
                         static_cast<long long>(r), cols);
  }
  float* terms = scratch(g, rows, "cross_entropy");
  if (!terms) return {};
  g.kernels().cross_entropy_rows(rows, cols, logits.data, labels.data, terms);
  return finish(g, OpKind::kCrossEntropy, logits, labels, terms, rows);
}

Tensor bce_with_logits(Graph& g, const Tensor& logits, const Tensor& targets) {
  return elementwise_loss(g, OpKind::kBceWithLogits, g.kernels().bce_with_logits, logits, targets);
}

Tensor mse(Graph& g, const Tensor& a, const Tensor& b) {
  return elementwise_loss(g, OpKind::kMse, g.kernels().squared_difference, a, b);
}

namespace ops {

void cross_entropy_gradient(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const Value& x = ctx.input(n, 0);
  const int cols = static_cast<int>(x.shape.back());
  const int64_t rows = x.shape.numel() / cols;
  ctx.kernels().cross_entropy_rows_backward(rows, cols, x.data, ctx.input(n, 1).data,
                                            ctx.grad_out(n)[0] / static_cast<float>(rows), gx);
}

void bce_with_logits_gradient(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const Value& x = ctx.input(n, 0);
  const int64_t count = x.shape.numel();
  ctx.kernels().bce_with_logits_backward(count, x.data, ctx.input(n, 1).data,
                                         ctx.grad_out(n)[0] / static_cast<float>(count), gx);
}

void mse_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const Value& a = ctx.input(n, 0);
  const Value& b = ctx.input(n, 1);
  const int64_t count = a.shape.numel();
  const float scale = 2.0f * ctx.grad_out(n)[0] / static_cast<float>(count);
  if (float* ga = ctx.grad_in(n, 0)) ctx.kernels().scaled_difference_accumulate(count, scale, a.data, b.data, ga);
  if (float* gb = ctx.grad_in(n, 1)) ctx.kernels().scaled_difference_accumulate(count, scale, b.data, a.data, gb);
}

}  // namespace ops
}  // namespace salient
