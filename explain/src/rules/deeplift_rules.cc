// DeepLIFT Rescale rules over a doubled batch [x; x̄] (see salient/explain/deeplift.h).
#include <cmath>

#include "salient/explain/deeplift.h"
#include "salient/explain/gru_rules.h"

namespace salient::explain {
namespace {

constexpr float kTiny = 1e-10f;

// gx += g · m with m = (f(z) − f(z̄))/(z − z̄), or f'(z) = d(z, y) where |z − z̄| < 1e-10. The
// quotient and f' are computed for every element and then selected (a 0/0 lane is discarded), one
// loop per nonlinearity, so the loop vectorises (with -fno-trapping-math, explain/CMakeLists.txt);
// each kept value is the same float as element by element.
template <class Derivative>
void rescale_loop(int64_t half, const float* __restrict z, const float* __restrict y, const float* __restrict g,
                  float* __restrict gx, Derivative d) {
  for (int64_t i = 0; i < half; ++i) {
    const float dz = z[i] - z[i + half];
    const float quotient = (y[i] - y[i + half]) / dz;
    const float derivative = d(z[i], y[i]);
    const float m = std::fabs(dz) < kTiny ? derivative : quotient;
    gx[i] += g[i] * m;
  }
}

void rescale(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const float* z = ctx.input(n, 0).data;
  const float* y = ctx.output(n).data;
  const float* g = ctx.grad_out(n);
  const int64_t half = ctx.output(n).shape.numel() / 2;
  switch (n.kind) {
    case OpKind::kRelu:
      rescale_loop(half, z, y, g, gx, [](float zi, float) { return zi > 0.0f ? 1.0f : 0.0f; });
      break;
    case OpKind::kTanh:
      rescale_loop(half, z, y, g, gx, [](float, float yi) { return 1.0f - yi * yi; });
      break;
    case OpKind::kSigmoid:
      rescale_loop(half, z, y, g, gx, [](float, float yi) { return yi * (1.0f - yi); });
      break;
    default:
      rescale_loop(half, z, y, g, gx, [](float, float) { return 0.0f; });
      break;
  }
}

void maxpool(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const float* x = ctx.input(n, 0).data;
  const float* y = ctx.output(n).data;
  const float* g = ctx.grad_out(n);
  const int64_t half_in = ctx.input(n, 0).shape.numel() / 2;
  const int64_t half_out = ctx.output(n).shape.numel() / 2;
  float* routed = ctx.arena().allocate_zeroed_floats(static_cast<size_t>(half_in));
  float* wta = ctx.arena().allocate_zeroed_floats(static_cast<size_t>(half_in));
  if (!routed || !wta) {
    ctx.fail(Status::error(Code::kOutOfMemory, "deeplift max-pool rule: arena exhausted"));
    return;
  }
  for (int64_t k = 0; k < half_out; ++k) {
    const float yx = y[k], yr = y[k + half_out];
    const float mx = yx > yr ? yx : yr;
    routed[n.argmax[k]] += g[k] * (mx - yr);
    routed[n.argmax[k + half_out] - half_in] += g[k] * (yx - mx);
    wta[n.argmax[k]] += g[k];
  }
  for (int64_t i = 0; i < half_in; ++i) {  // quotient then select, so the loop vectorises
    const float dx = x[i] - x[i + half_in];
    const float quotient = routed[i] / dx;
    gx[i] += std::fabs(dx) < kTiny ? wta[i] : quotient;
  }
}

// u = a ⊙ b: the exact Shapley split Δu = ½(b + b̄)·Δa + ½(a + ā)·Δb, so m_a = ½(b + b̄)·g and
// m_b = ½(a + ā)·g (the gate products of a GRU composed of elementary ops).
void product(const Node& n, BackwardContext& ctx, const void*) {
  const float* a = ctx.input(n, 0).data;
  const float* b = ctx.input(n, 1).data;
  const float* g = ctx.grad_out(n);
  float* ga = ctx.grad_in(n, 0);
  float* gb = ctx.grad_in(n, 1);
  const int64_t half = ctx.output(n).shape.numel() / 2;
  for (int64_t i = 0; i < half; ++i) {
    if (ga) ga[i] += 0.5f * (b[i] + b[i + half]) * g[i];
    if (gb) gb[i] += 0.5f * (a[i] + a[i + half]) * g[i];
  }
}

RuleSet make_rules() {
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, deeplift_rescale_rule());
  rules.set(OpKind::kTanh, deeplift_rescale_rule());
  rules.set(OpKind::kSigmoid, deeplift_rescale_rule());
  rules.set(OpKind::kMaxPool1d, deeplift_maxpool_rule());
  rules.set(OpKind::kMaxPool2d, deeplift_maxpool_rule());
  rules.set(OpKind::kMul, Rule{product, nullptr, "deeplift-shapley-product"});
  rules.set(OpKind::kGru, deeplift_gru_rule());
  return rules;
}

RuleSet with_gru_gradient() {
  RuleSet rules = make_rules();
  rules.set(OpKind::kGru, gradient_rules().lookup(OpKind::kGru, ""));
  return rules;
}

}  // namespace

Rule deeplift_rescale_rule() { return Rule{rescale, nullptr, "deeplift-rescale"}; }
Rule deeplift_maxpool_rule() { return Rule{maxpool, nullptr, "deeplift-maxpool"}; }

const RuleSet& deeplift_rules(DeepLiftGruRule gru) {
  static const RuleSet rescale_gru = make_rules();
  static const RuleSet gradient_gru = with_gru_gradient();
  return gru == DeepLiftGruRule::kGradient ? gradient_gru : rescale_gru;
}

void deeplift_convergence_delta(const float* attributions, const float* output_x,
                                const float* output_ref, int64_t n, int64_t per_sample,
                                float* delta) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int64_t j = 0; j < per_sample; ++j) sum += attributions[i * per_sample + j];
    delta[i] = static_cast<float>(sum - (static_cast<double>(output_x[i]) - output_ref[i]));
  }
}

}  // namespace salient::explain
