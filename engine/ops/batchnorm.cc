// batchnorm1d / batchnorm2d: y = γ·(x − μ)/√(σ² + eps) + β per feature, on a [outer, C, inner]
// view (1d: features in the last dim, inner = 1; 2d: N×C×H×W, inner = H·W).
// Training graphs use the batch statistics (and may update the running averages, PyTorch's rule
// with the unbiased variance); inference uses the running statistics. The node saves μ and
// invstd = 1/√(σ² + eps). Exact backward: see KernelTable::batchnorm_backward.
#include <cmath>

#include "exact_rules.h"
#include "op_support.h"
#include "salient/ops.h"

namespace salient {
namespace {

Tensor batchnorm(Graph& g, OpKind kind, const Tensor& x, const Tensor& weight, const Tensor& bias,
                 const BatchNormState& state) {
  const char* name = op_kind_name(kind);
  if (!ops::usable(g, {&x, &weight, &bias})) return {};
  const bool two_d = kind == OpKind::kBatchNorm2d;
  if (two_d ? x.shape.rank != 4 : x.shape.rank < 2)
    return ops::reject(g, "%s: input %s must be %s", name, ShapeStr(x.shape).c_str(),
                       two_d ? "[N, C, H, W]" : "[N, ..., C]");
  const int c = static_cast<int>(two_d ? x.shape[1] : x.shape.back());
  if (weight.shape != Shape{c} || bias.shape != Shape{c} || !state.running_mean || !state.running_var)
    return ops::reject(g, "%s: weight %s, bias %s and running statistics must all have %d features", name,
                       ShapeStr(weight.shape).c_str(), ShapeStr(bias.shape).c_str(), c);
  const int64_t inner = two_d ? x.shape[2] * x.shape[3] : 1;
  const int64_t outer = x.numel() / (c * inner);
  const int64_t count = outer * inner;
  const bool batch_stats = g.training();
  if (batch_stats && count < 2)
    return ops::reject(g, "%s: training needs more than one value per feature, got input %s", name,
                       ShapeStr(x.shape).c_str());

  Tensor y = g.new_value(x.shape, ops::any_requires_grad(g, {&x, &weight, &bias}));
  float* saved = g.arena().allocate_array<float>(static_cast<size_t>(4 * c));  // mean, invstd, scale, shift
  if (!y.valid() || !saved) {
    g.fail(Status::error(Code::kOutOfMemory, "%s: arena exhausted", name));
    return {};
  }
  float* mean = saved;
  float* invstd = saved + c;
  float* scale = saved + 2 * c;
  float* shift = saved + 3 * c;
  const KernelTable& k = g.kernels();
  if (batch_stats) {
    k.channel_mean_var(outer, c, inner, x.data, mean, invstd);  // invstd holds σ² for now
    for (int j = 0; j < c; ++j) {
      const float var = invstd[j];
      if (state.update_mean) state.update_mean[j] = (1.0f - state.momentum) * state.running_mean[j] + state.momentum * mean[j];
      if (state.update_var) {
        const float unbiased = var * static_cast<float>(count) / static_cast<float>(count - 1);
        state.update_var[j] = (1.0f - state.momentum) * state.running_var[j] + state.momentum * unbiased;
      }
      invstd[j] = 1.0f / std::sqrt(var + state.eps);
    }
  } else {
    for (int j = 0; j < c; ++j) {
      mean[j] = state.running_mean[j];
      invstd[j] = 1.0f / std::sqrt(state.running_var[j] + state.eps);
    }
  }
  for (int j = 0; j < c; ++j) {
    scale[j] = weight.data[j] * invstd[j];
    shift[j] = bias.data[j] - mean[j] * scale[j];
  }
  k.channel_affine(outer, c, inner, x.data, scale, shift, y.data);

  if (Node* n = g.record(kind)) {
    n->in[0] = x.id;
    n->in[1] = weight.id;
    n->in[2] = bias.id;
    n->out = y.id;
    n->saved = saved;
    n->training = batch_stats;
  }
  return y;
}

}  // namespace

Tensor batchnorm1d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const BatchNormState& state) {
  return batchnorm(g, OpKind::kBatchNorm1d, x, weight, bias, state);
}

Tensor batchnorm2d(Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const BatchNormState& state) {
  return batchnorm(g, OpKind::kBatchNorm2d, x, weight, bias, state);
}

namespace ops {

void batchnorm_gradient(const Node& n, BackwardContext& ctx, const void*) {
  const Value& x = ctx.input(n, 0);
  const bool two_d = n.kind == OpKind::kBatchNorm2d;
  const int c = static_cast<int>(two_d ? x.shape[1] : x.shape.back());
  const int64_t inner = two_d ? x.shape[2] * x.shape[3] : 1;
  const int64_t outer = x.shape.numel() / (c * inner);
  float* gx = ctx.grad_in(n, 0);
  float* gw = ctx.grad_in(n, 1);
  float* gb = ctx.grad_in(n, 2);
  ctx.kernels().batchnorm_backward(outer, c, inner, x.data, ctx.grad_out(n), n.saved, n.saved + c,
                                   ctx.input(n, 1).data, n.training, gx, gw, gb);
}

}  // namespace ops
}  // namespace salient
