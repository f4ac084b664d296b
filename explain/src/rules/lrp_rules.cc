// LRP rules (SPEC §6, reference/lrp_rap.md §7): the explicit linear/conv layer rules through the
// 4-step trick on the layer's own kernels, the pass and average-pool rules of the explicit form,
// and the modified-gradient ε rule for elementwise nonlinearities.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "layer_view.h"
#include "salient/explain/lrp.h"

namespace salient::explain {
namespace {

inline float stab(float z, float eps) { return z >= 0.0f ? z + eps : z - eps; }

struct Term {
  const float* x;  // x'
  const float* w;  // ρ(W)
  float coef;
};

// Adds scale · Σ_t coef_t x'_t ⊙ ρ_t(W)ᵀ (R / stab(Σ_t coef_t ρ_t(W) x'_t + ρ(b))) into gx.
bool propagate(const LayerView& v, BackwardContext& ctx, const Term* terms, int count,
               const float* bias, float eps, float scale, const float* r, float* gx) {
  Arena& arena = ctx.arena();
  float* z = arena.allocate_zeroed_floats(static_cast<size_t>(v.nz));
  float* tmp = arena.allocate_array<float>(static_cast<size_t>(v.nz));
  float* c = arena.allocate_array<float>(static_cast<size_t>(v.nx));
  if (!z || !tmp || !c) return false;
  const KernelTable& k = ctx.kernels();
  for (int t = 0; t < count; ++t) {
    v.forward(k, terms[t].x, terms[t].w, tmp);
    for (int64_t i = 0; i < v.nz; ++i) z[i] += terms[t].coef * tmp[i];
  }
  for (int64_t i = 0; i < v.nz; ++i) {
    const float zi = z[i] + (bias ? bias[v.channel(i)] : 0.0f);
    const float d = stab(zi, eps);
    tmp[i] = d != 0.0f ? r[i] / d : 0.0f;  // s = R / stab(z')
  }
  for (int t = 0; t < count; ++t) {
    v.transpose(k, tmp, terms[t].w, c);
    const float f = scale * terms[t].coef;
    for (int64_t i = 0; i < v.nx; ++i) gx[i] += f * terms[t].x[i] * c[i];
  }
  return true;
}

float square(float v) { return v * v; }
float one(float) { return 1.0f; }

// zB bounds as full tensors of x's shape.
bool zbox_bounds(const LrpParams& p, const Value& x, Arena& arena, float* low, float* high,
                 BackwardContext& ctx) {
  const int64_t nx = x.shape.numel();
  const int64_t samples = x.shape[0];
  const int64_t per = nx / samples;
  if (!p.low || !p.high) {
    for (int64_t s = 0; s < samples; ++s) {
      const float* xs = x.data + s * per;
      const float lo = *std::min_element(xs, xs + per);
      const float hi = *std::max_element(xs, xs + per);
      for (int64_t i = 0; i < per; ++i) {
        low[s * per + i] = lo;
        high[s * per + i] = hi;
      }
    }
    return true;
  }
  const int64_t channels = x.shape.rank >= 2 ? x.shape[1] : 1;
  if (p.bound_count != 1 && p.bound_count != channels) {
    ctx.fail(Status::error(Code::kInvalidArgument,
                           "lrp zbox: %d low/high values for a layer input with %lld channels (give 1 or %lld)",
                           p.bound_count, static_cast<long long>(channels), static_cast<long long>(channels)));
    return false;
  }
  const int64_t inner = channels > 0 ? per / channels : 1;
  for (int64_t i = 0; i < nx; ++i) {
    const int64_t ch = p.bound_count == 1 ? 0 : (i / inner) % channels;
    low[i] = p.low[ch];
    high[i] = p.high[ch];
  }
  (void)arena;
  return true;
}

// W + γ·clamp(W) elementwise, clamp = max(·, 0) (positive) or min(·, 0).
float* gamma_weights(Arena& arena, const float* w, int64_t count, float gamma, bool positive) {
  float* out = arena.allocate_array<float>(static_cast<size_t>(count));
  if (out)
    for (int64_t i = 0; i < count; ++i) out[i] = w[i] + gamma * (positive ? pos(w[i]) : neg(w[i]));
  return out;
}

// Captum's γ: ρ(W) = W + γW⁺, x' = x, the bias unchanged.
bool gamma_captum(const LayerView& v, BackwardContext& ctx, const LrpParams& p, const float* x,
                  const float* w, const float* b, const float* r, float* gx) {
  float* wg = gamma_weights(ctx.arena(), w, v.nw, p.gamma, true);
  if (!wg) return false;
  const Term t{x, wg, 1.0f};
  return propagate(v, ctx, &t, 1, b, p.stabilizer, 1.0f, r, gx);
}

// Zennit's generalised γ: relevance of outputs with z > 0 goes through
// x⁺(W + γW⁺) + x⁻(W + γW⁻) + b + γb⁺, that of outputs with z < 0 through
// x⁺(W + γW⁻) + x⁻(W + γW⁺) + b + γb⁻ (z = the layer's own output; z = 0 passes nothing).
bool gamma_zennit(const LayerView& v, BackwardContext& ctx, const LrpParams& p, const float* x,
                  const float* w, const float* b, const float* z, const float* r, float* gx) {
  Arena& arena = ctx.arena();
  float* xp = map(arena, x, v.nx, pos);
  float* xn = map(arena, x, v.nx, neg);
  float* wgp = gamma_weights(arena, w, v.nw, p.gamma, true);
  float* wgn = gamma_weights(arena, w, v.nw, p.gamma, false);
  float* bgp = b ? gamma_weights(arena, b, v.nb, p.gamma, true) : nullptr;
  float* bgn = b ? gamma_weights(arena, b, v.nb, p.gamma, false) : nullptr;
  float* r_pos = arena.allocate_array<float>(static_cast<size_t>(v.nz));
  float* r_neg = arena.allocate_array<float>(static_cast<size_t>(v.nz));
  if (!xp || !xn || !wgp || !wgn || (b && (!bgp || !bgn)) || !r_pos || !r_neg) return false;
  for (int64_t i = 0; i < v.nz; ++i) {
    r_pos[i] = z[i] > 0.0f ? r[i] : 0.0f;
    r_neg[i] = z[i] < 0.0f ? r[i] : 0.0f;
  }
  const Term up[2] = {{xp, wgp, 1.0f}, {xn, wgn, 1.0f}};
  const Term down[2] = {{xp, wgn, 1.0f}, {xn, wgp, 1.0f}};
  return propagate(v, ctx, up, 2, bgp, p.stabilizer, 1.0f, r_pos, gx) &&
         propagate(v, ctx, down, 2, bgn, p.stabilizer, 1.0f, r_neg, gx);
}

void layer_rule(const Node& n, BackwardContext& ctx, const void* params) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  if (n.kind != OpKind::kLinear && n.kind != OpKind::kConv1d && n.kind != OpKind::kConv2d) {
    ctx.fail(Status::error(Code::kInvalidArgument, "lrp layer rules apply to linear and conv layers, not %s",
                           op_kind_name(n.kind)));
    return;
  }
  const LrpParams& p = *static_cast<const LrpParams*>(params);
  const LayerView v = view_of(n, ctx);
  const Value& xv = ctx.input(n, 0);
  const float* x = xv.data;
  const float* w = ctx.input(n, 1).data;
  const float* b = n.in[2] >= 0 ? ctx.value(n.in[2]).data : nullptr;
  const float* r = ctx.grad_out(n);
  Arena& arena = ctx.arena();
  bool ok = true;
  switch (p.rule) {
    case LrpRule::kZero:
    case LrpRule::kEpsilon: {
      const Term t{x, w, 1.0f};
      ok = propagate(v, ctx, &t, 1, b, p.rule == LrpRule::kZero ? 0.0f : p.epsilon, 1.0f, r, gx);
      break;
    }
    case LrpRule::kZPlus:
    case LrpRule::kAlphaBeta: {
      const bool zplus = p.rule == LrpRule::kZPlus;
      const float alpha = zplus ? 1.0f : p.alpha;
      const float beta = zplus ? 0.0f : p.beta;
      float* wp = map(arena, w, v.nw, pos);
      float* wn = map(arena, w, v.nw, neg);
      if (!wp || !wn) {
        ok = false;
        break;
      }
      if (p.convention == LrpConvention::kCaptum) {
        // Captum clamps the weights only: α·(x, W⁺, b) − β·(x, W⁻, b).
        const Term positive{x, wp, 1.0f}, negative{x, wn, 1.0f};
        ok = propagate(v, ctx, &positive, 1, b, p.stabilizer, alpha, r, gx);
        if (ok && beta != 0.0f) ok = propagate(v, ctx, &negative, 1, b, p.stabilizer, -beta, r, gx);
        break;
      }
      // Zennit: α·[(x⁺, W⁺) + (x⁻, W⁻); b⁺] − β·[(x⁺, W⁻) + (x⁻, W⁺); b⁻].
      float* xp = map(arena, x, v.nx, pos);
      float* xn = map(arena, x, v.nx, neg);
      float* bp = b ? map(arena, b, v.nb, pos) : nullptr;
      float* bn = b ? map(arena, b, v.nb, neg) : nullptr;
      if (!xp || !xn || (b && (!bp || !bn))) {
        ok = false;
        break;
      }
      const Term pos_terms[2] = {{xp, wp, 1.0f}, {xn, wn, 1.0f}};
      ok = propagate(v, ctx, pos_terms, 2, bp, p.stabilizer, alpha, r, gx);
      if (ok && beta != 0.0f) {
        const Term neg_terms[2] = {{xp, wn, 1.0f}, {xn, wp, 1.0f}};
        ok = propagate(v, ctx, neg_terms, 2, bn, p.stabilizer, -beta, r, gx);
      }
      break;
    }
    case LrpRule::kGamma:
      ok = p.convention == LrpConvention::kCaptum
               ? gamma_captum(v, ctx, p, x, w, b, r, gx)
               : gamma_zennit(v, ctx, p, x, w, b, ctx.output(n).data, r, gx);
      break;
    case LrpRule::kWSquare:
    case LrpRule::kFlat: {
      const bool flat = p.rule == LrpRule::kFlat;
      float* ones = map(arena, nullptr, v.nx, one);
      float* w2 = map(arena, w, v.nw, flat ? one : square);
      float* b2 = (b && !flat) ? map(arena, b, v.nb, square) : nullptr;
      if (!ones || !w2 || (b && !flat && !b2)) {
        ok = false;
        break;
      }
      const Term t{ones, w2, 1.0f};
      ok = propagate(v, ctx, &t, 1, b2, p.stabilizer, 1.0f, r, gx);
      break;
    }
    case LrpRule::kZBox: {
      float* low = arena.allocate_array<float>(static_cast<size_t>(v.nx));
      float* high = arena.allocate_array<float>(static_cast<size_t>(v.nx));
      float* wp = map(arena, w, v.nw, pos);
      float* wn = map(arena, w, v.nw, neg);
      if (!low || !high || !wp || !wn) {
        ok = false;
        break;
      }
      if (!zbox_bounds(p, xv, arena, low, high, ctx)) return;
      const Term terms[3] = {{x, w, 1.0f}, {low, wp, -1.0f}, {high, wn, -1.0f}};
      ok = propagate(v, ctx, terms, 3, nullptr, p.stabilizer, 1.0f, r, gx);
      break;
    }
  }
  if (!ok) ctx.fail(Status::error(Code::kOutOfMemory, "lrp %s rule: arena exhausted", lrp_rule_name(p.rule)));
}

void pass_rule(const Node& n, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  ctx.kernels().accumulate(ctx.output(n).shape.numel(), ctx.grad_out(n), gx);
}

void avgpool_rule(const Node& n, BackwardContext& ctx, const void* params) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const float eps = *static_cast<const float*>(params);
  const Value& x = ctx.input(n, 0);
  const Value& z = ctx.output(n);
  const int64_t nx = x.shape.numel();
  const int64_t nz = z.shape.numel();
  float* s = ctx.arena().allocate_array<float>(static_cast<size_t>(nz));
  float* c = ctx.arena().allocate_zeroed_floats(static_cast<size_t>(nx));
  if (!s || !c) {
    ctx.fail(Status::error(Code::kOutOfMemory, "lrp avg-pool rule: arena exhausted"));
    return;
  }
  const float* r = ctx.grad_out(n);
  for (int64_t i = 0; i < nz; ++i) {
    const float d = stab(z.data[i], eps);
    s[i] = d != 0.0f ? r[i] / d : 0.0f;
  }
  ctx.kernels().avgpool2d_backward(n.pool, s, c);
  ctx.kernels().mul_accumulate(nx, x.data, c, gx);
}

// Captum's ε rule on an unmerged inference batchnorm y = a·x + c (a = γ·invstd, saved on the node
// after μ and invstd): R_x = a·x ⊙ R/stab(y). Features are channels (2d) or the last dim (1d).
void batchnorm_epsilon_rule(const Node& n, BackwardContext& ctx, const void* params) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const float eps = *static_cast<const float*>(params);
  const Value& x = ctx.input(n, 0);
  const float* y = ctx.output(n).data;
  const float* r = ctx.grad_out(n);
  const bool two_d = n.kind == OpKind::kBatchNorm2d;
  const int64_t c = two_d ? x.shape[1] : x.shape.back();
  const int64_t inner = two_d ? x.shape[2] * x.shape[3] : 1;
  const float* scale = n.saved + 2 * c;
  for (int64_t i = 0; i < x.shape.numel(); ++i) {
    const float d = stab(y[i], eps);
    if (d != 0.0f) gx[i] += scale[(i / inner) % c] * x.data[i] * r[i] / d;
  }
}

void epsilon_nonlinearity(const Node& n, BackwardContext& ctx, const void* params) {
  float* gx = ctx.grad_in(n, 0);
  if (!gx) return;
  const float eps = *static_cast<const float*>(params);
  const float* z = ctx.input(n, 0).data;
  const float* y = ctx.output(n).data;
  const float* g = ctx.grad_out(n);
  const int64_t count = ctx.output(n).shape.numel();
  for (int64_t i = 0; i < count; ++i) {
    const float d = stab(z[i], eps);
    if (d != 0.0f) gx[i] += g[i] * y[i] / d;
  }
}

}  // namespace

const char* lrp_convention_name(LrpConvention convention) {
  return convention == LrpConvention::kCaptum ? "captum" : "zennit";
}

Result<LrpConvention> lrp_convention_from_name(const char* name) {
  if (std::strcmp(name, "captum") == 0) return LrpConvention::kCaptum;
  if (std::strcmp(name, "zennit") == 0) return LrpConvention::kZennit;
  return Status::error(Code::kInvalidArgument, "unknown LRP convention '%s' (captum or zennit)",
                       name);
}

float lrp_default_epsilon(LrpConvention convention) {
  return convention == LrpConvention::kCaptum ? 1e-9f : 1e-6f;
}

const char* lrp_rule_name(LrpRule rule) {
  switch (rule) {
    case LrpRule::kZero: return "zero";
    case LrpRule::kEpsilon: return "epsilon";
    case LrpRule::kZPlus: return "zplus";
    case LrpRule::kAlphaBeta: return "alpha-beta";
    case LrpRule::kGamma: return "gamma";
    case LrpRule::kWSquare: return "wsquare";
    case LrpRule::kFlat: return "flat";
    case LrpRule::kZBox: return "zbox";
  }
  return "?";
}

Result<LrpRule> lrp_rule_from_name(const char* name) {
  const LrpRule all[] = {LrpRule::kZero,  LrpRule::kEpsilon, LrpRule::kZPlus, LrpRule::kAlphaBeta,
                         LrpRule::kGamma, LrpRule::kWSquare, LrpRule::kFlat,  LrpRule::kZBox};
  for (LrpRule r : all)
    if (std::strcmp(name, lrp_rule_name(r)) == 0) return r;
  if (std::strcmp(name, "lrp0") == 0) return LrpRule::kZero;
  return Status::error(Code::kInvalidArgument,
                       "unknown LRP rule '%s' (zero, epsilon, zplus, alpha-beta, gamma, wsquare, flat, zbox)", name);
}

Status check_alpha_beta(float alpha, float beta) {
  if (!(alpha >= 0.0f) || !(beta >= 0.0f) || std::fabs(alpha - beta - 1.0f) > 1e-6f)
    return Status::error(Code::kInvalidArgument, "lrp alpha-beta: alpha=%g, beta=%g must satisfy alpha - beta = 1, both >= 0",
                         static_cast<double>(alpha), static_cast<double>(beta));
  return {};
}

Rule lrp_layer_rule(const LrpParams* params) { return Rule{layer_rule, params, "lrp-layer"}; }
Rule lrp_pass_rule() { return Rule{pass_rule, nullptr, "lrp-pass"}; }
Rule lrp_avgpool_rule(const float* epsilon) { return Rule{avgpool_rule, epsilon, "lrp-epsilon-pool"}; }
Rule lrp_batchnorm_rule(LrpConvention convention, const float* epsilon) {
  return convention == LrpConvention::kCaptum
             ? Rule{batchnorm_epsilon_rule, epsilon, "lrp-epsilon-batchnorm"}
             : lrp_pass_rule();
}
Rule lrp_epsilon_nonlinearity_rule(const float* epsilon) {
  return Rule{epsilon_nonlinearity, epsilon, "lrp-epsilon"};
}

RuleSet lrp_epsilon_gradient_rules(const float* epsilon) {
  RuleSet rules = gradient_rules();
  const Rule r = lrp_epsilon_nonlinearity_rule(epsilon);
  rules.set(OpKind::kRelu, r);
  rules.set(OpKind::kTanh, r);
  rules.set(OpKind::kSigmoid, r);
  return rules;
}

RuleSet lrp_explicit_rules(const LrpParams* layer) {
  RuleSet rules = gradient_rules();
  const Rule lr = lrp_layer_rule(layer);
  rules.set(OpKind::kLinear, lr);
  rules.set(OpKind::kConv1d, lr);
  rules.set(OpKind::kConv2d, lr);
  rules.set(OpKind::kRelu, lrp_pass_rule());
  rules.set(OpKind::kTanh, lrp_pass_rule());
  rules.set(OpKind::kSigmoid, lrp_pass_rule());
  const Rule pool = lrp_avgpool_rule(&layer->stabilizer);
  rules.set(OpKind::kAvgPool1d, pool);
  rules.set(OpKind::kAvgPool2d, pool);
  rules.set(OpKind::kGlobalAvgPool, pool);
  const Rule batchnorm = lrp_batchnorm_rule(layer->convention, &layer->stabilizer);
  rules.set(OpKind::kBatchNorm1d, batchnorm);
  rules.set(OpKind::kBatchNorm2d, batchnorm);
  return rules;
}

void lrp_convergence_delta(const float* target_outputs, const float* relevance, int64_t n,
                           int64_t per_sample, float* delta) {
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int64_t j = 0; j < per_sample; ++j) sum += relevance[i * per_sample + j];
    delta[i] = static_cast<float>(target_outputs[i] - sum);
  }
}

}  // namespace salient::explain
