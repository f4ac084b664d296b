// RAP's linear/conv layer rules (salient/explain/rap.h, docs/rules.md "RAP"): the target layer's
// contributions with the bias split and the absolute influence normalisation, and the
// relevant-neuron criterion with uniform shifting for the other layers. Every product runs on the
// layer's own kernels (LayerView); divisions by 0 give 0, as the reference's safe_divide.
#include <cmath>
#include <cstring>

#include "layer_view.h"
#include "salient/explain/rap.h"

namespace salient::explain {
namespace {

inline float safe_div(float a, float b) { return b != 0.0f ? a / b : 0.0f; }

// The sign parts x⁺, x⁻, W⁺, W⁻ of a layer's input and weight (arena scratch).
struct SignParts {
  float* xp = nullptr;
  float* xn = nullptr;
  float* wp = nullptr;
  float* wn = nullptr;
};

bool split(const LayerView& v, const float* x, const float* w, Arena& arena, SignParts* p) {
  p->xp = map(arena, x, v.nx, pos);
  p->xn = map(arena, x, v.nx, neg);
  p->wp = map(arena, w, v.nw, pos);
  p->wn = map(arena, w, v.nw, neg);
  return p->xp && p->xn && p->wp && p->wn;
}

struct LayerNode {
  LayerView v;
  const float* x;
  const float* w;
  const float* b;  // null: no bias
  const float* r;  // upstream relevance (the output's shape)
  float* gx;
  int64_t samples;
};

bool layer_node(const Node& n, BackwardContext& ctx, LayerNode* l) {
  l->gx = ctx.grad_in(n, 0);
  if (!l->gx) return false;
  if (n.kind != OpKind::kLinear && n.kind != OpKind::kConv1d && n.kind != OpKind::kConv2d) {
    ctx.fail(Status::error(Code::kInvalidArgument,
                           "rap layer rules apply to linear and conv layers, not %s",
                           op_kind_name(n.kind)));
    return false;
  }
  l->v = view_of(n, ctx);
  l->x = ctx.input(n, 0).data;
  l->w = ctx.input(n, 1).data;
  l->b = n.in[2] >= 0 ? ctx.value(n.in[2]).data : nullptr;
  l->r = ctx.grad_out(n);
  l->samples = ctx.input(n, 0).shape[0];
  return true;
}

void out_of_memory(BackwardContext& ctx, const char* rule) {
  ctx.fail(Status::error(Code::kOutOfMemory, "rap %s rule: arena exhausted", rule));
}

// Target layer, with S the upstream seed (one-hot at the target logit):
//   r = x ⊙ Wᵀ S + x⁺ ⊙ W⁺ᵀ t⁺ + x⁺ ⊙ W⁻ᵀ t⁻,
//   t⁺_k = b_k S_k·(Pos_k/(Pos_k + Neg_k))/Z1_k,  t⁻_k = b_k S_k·(Neg_k/(Pos_k + Neg_k))/Z2_k,
//   Z1 = W⁺x⁺, Z2 = W⁻x⁺, Pos = W⁺x⁺ + W⁻x⁻, Neg = W⁻x⁺ + W⁺x⁻;
// then per sample R_j = |r_j|·Σ_i r_i / Σ_i |r_i|. Σ_i r_i is taken as Σ_i x_i (WᵀS)_i plus the
// bias shares actually spread (b_k S_k when both are), its exact value: where Pos + Neg ≈ 0 the
// two shares are large and of opposite signs, and summing the r_i would lose their difference.
void target_rule(const Node& n, BackwardContext& ctx, const void* params) {
  LayerNode l;
  if (!layer_node(n, ctx, &l)) return;
  const LayerView& v = l.v;
  const KernelTable& k = ctx.kernels();
  Arena& arena = ctx.arena();
  const int64_t per = v.nx / l.samples, per_z = v.nz / l.samples;
  float* r = arena.allocate_array<float>(static_cast<size_t>(v.nx));
  float* c = arena.allocate_array<float>(static_cast<size_t>(v.nx));
  double* sums = arena.allocate_array<double>(static_cast<size_t>(l.samples));
  if (!r || !c || !sums) return out_of_memory(ctx, "target");
  v.transpose(k, l.r, l.w, c);
  for (int64_t s = 0; s < l.samples; ++s) {
    double sum = 0.0;
    for (int64_t j = s * per; j < (s + 1) * per; ++j) {
      r[j] = l.x[j] * c[j];
      sum += r[j];
    }
    sums[s] = sum;
  }
  if (l.b) {
    SignParts p;
    float* z[4];
    for (float*& zi : z) zi = arena.allocate_array<float>(static_cast<size_t>(v.nz));
    if (!split(v, l.x, l.w, arena, &p) || !z[0] || !z[1] || !z[2] || !z[3])
      return out_of_memory(ctx, "target");
    v.forward(k, p.xp, p.wp, z[0]);  // Z1 = W⁺x⁺
    v.forward(k, p.xp, p.wn, z[1]);  // Z2 = W⁻x⁺
    v.forward(k, p.xn, p.wp, z[2]);  // W⁺x⁻
    v.forward(k, p.xn, p.wn, z[3]);  // W⁻x⁻
    for (int64_t i = 0; i < v.nz; ++i) {
      const float pos = z[0][i] + z[3][i], neg = z[1][i] + z[2][i];
      const float share = l.b[v.channel(i)] * l.r[i];
      const float part_pos = share * safe_div(pos, pos + neg),
                  part_neg = share * safe_div(neg, pos + neg);
      const bool keep_pos = z[0][i] != 0.0f, keep_neg = z[1][i] != 0.0f;
      sums[i / per_z] += keep_pos && keep_neg && pos + neg != 0.0f
                             ? share
                             : (keep_pos ? part_pos : 0.0f) + (keep_neg ? part_neg : 0.0f);
      z[0][i] = safe_div(part_pos, z[0][i]);  // t⁺
      z[1][i] = safe_div(part_neg, z[1][i]);  // t⁻
    }
    v.transpose(k, z[0], p.wp, c);
    for (int64_t i = 0; i < v.nx; ++i) r[i] += p.xp[i] * c[i];
    v.transpose(k, z[1], p.wn, c);
    for (int64_t i = 0; i < v.nx; ++i) r[i] += p.xp[i] * c[i];
  }
  for (int64_t s = 0; s < l.samples; ++s) {
    float* rs = r + s * per;
    double abs_sum = 0.0;
    for (int64_t j = 0; j < per; ++j) abs_sum += std::fabs(rs[j]);
    const double scale = abs_sum != 0.0 ? sums[s] / abs_sum : 0.0;
    for (int64_t j = 0; j < per; ++j) rs[j] = static_cast<float>(std::fabs(rs[j]) * scale);
  }
  k.accumulate(v.nx, r, l.gx);
  const RapTargetParams* tp = static_cast<const RapTargetParams*>(params);
  if (tp && tp->trace) tp->trace->assign(r, r + v.nx);
}

// One branch of the relevant-neuron criterion, x1 = x⁺ (σ = +1) or x⁻ (σ = −1):
//   P = σ·W⁺x1, Q = −σ·W⁻x1 (both >= 0),  C = σ·x1 ⊙ (W⁺ᵀ(R/P) − W⁻ᵀ(R/(P + Q))),
// then the uniform shift C_j ← C_j − (Σ C − Σ R)/#{C ≠ 0} on the nonzero C_j of each sample;
// adds C into gx.
bool branch(const LayerNode& l, const float* x1, float sigma, const SignParts& p,
            BackwardContext& ctx) {
  const LayerView& v = l.v;
  bool any = false;
  for (int64_t i = 0; i < v.nx && !any; ++i) any = x1[i] != 0.0f;
  if (!any) return true;  // C ≡ 0: nothing to shift
  Arena& arena = ctx.arena();
  const KernelTable& k = ctx.kernels();
  float* pk = arena.allocate_array<float>(static_cast<size_t>(v.nz));
  float* qk = arena.allocate_array<float>(static_cast<size_t>(v.nz));
  float* c = arena.allocate_array<float>(static_cast<size_t>(v.nx));
  float* t = arena.allocate_array<float>(static_cast<size_t>(v.nx));
  if (!pk || !qk || !c || !t) return false;
  v.forward(k, x1, p.wp, pk);
  v.forward(k, x1, p.wn, qk);
  for (int64_t i = 0; i < v.nz; ++i) {
    const float pv = sigma * pk[i], qv = -sigma * qk[i];
    pk[i] = safe_div(l.r[i], pv);       // R/P
    qk[i] = safe_div(l.r[i], pv + qv);  // R/(P + Q)
  }
  v.transpose(k, pk, p.wp, c);
  v.transpose(k, qk, p.wn, t);
  for (int64_t i = 0; i < v.nx; ++i) c[i] = sigma * x1[i] * (c[i] - t[i]);
  const int64_t per_x = v.nx / l.samples, per_z = v.nz / l.samples;
  for (int64_t s = 0; s < l.samples; ++s) {
    float* cs = c + s * per_x;
    double excess = 0.0;
    int64_t nonzero = 0;
    for (int64_t j = 0; j < per_x; ++j) {
      excess += cs[j];
      nonzero += cs[j] != 0.0f;
    }
    for (int64_t j = 0; j < per_z; ++j) excess -= l.r[s * per_z + j];
    if (nonzero == 0) continue;
    const float shift = static_cast<float>(excess / static_cast<double>(nonzero));
    for (int64_t j = 0; j < per_x; ++j)
      if (cs[j] != 0.0f) cs[j] -= shift;
  }
  k.accumulate(v.nx, c, l.gx);
  return true;
}

void layer_rule(const Node& n, BackwardContext& ctx, const void*) {
  LayerNode l;
  if (!layer_node(n, ctx, &l)) return;
  SignParts p;
  if (!split(l.v, l.x, l.w, ctx.arena(), &p) || !branch(l, p.xp, 1.0f, p, ctx) ||
      !branch(l, p.xn, -1.0f, p, ctx))
    out_of_memory(ctx, "layer");
}

}  // namespace

Rule rap_target_rule(const RapTargetParams* params) {
  return Rule{target_rule, params, "rap-target"};
}
Rule rap_layer_rule() { return Rule{layer_rule, nullptr, "rap-layer"}; }

}  // namespace salient::explain
