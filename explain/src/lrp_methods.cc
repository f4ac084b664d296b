// The lrp-* explainers (SPEC §5): lrp-epsilon in modified-gradient form (x ⊙ signal with the ε
// nonlinearity rule), and every other lrp-* method, or lrp-epsilon with a rule.LAYER override, in
// explicit layer-wise form (relevance seeded with y_c; ReLU/tanh/sigmoid pass relevance; linear and
// conv layers run their rule). SPEC §8 identity 2 makes the two forms agree for ε-LRP. GRU nodes
// run the GRU ε-LRP rule (salient/explain/gru_rules.h), which works on relevance, so every lrp-*
// method on a model with a GRU uses the explicit form.
#include "lrp_methods.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "batched.h"
#include "salient/explain/batchnorm_merge.h"
#include "salient/explain/gru_rules.h"
#include "salient/explain/lrp.h"

namespace salient::explain {
namespace {

bool is_relevance_layer(OpKind k) { return k == OpKind::kLinear || k == OpKind::kConv1d || k == OpKind::kConv2d; }

// The request with its model's batchnorms merged into the layers before them (SPEC §6: before any
// rule runs), where there is one to merge; otherwise the request itself.
struct MergedRequest {
  std::optional<Model> model;
  Request request;
};

Status merge_for_rules(const Request& r, MergedRequest* m, const Request** use) {
  *use = &r;
  if (!r.model || !has_mergeable_batchnorm(*r.model)) return {};
  Result<Model> merged = merge_batchnorm(*r.model);
  if (!merged.ok()) return merged.status();
  m->model.emplace(std::move(*merged));
  m->request = r;
  m->request.model = &*m->model;
  *use = &m->request;
  return {};
}


// Comma list of floats ("" = none).
Result<std::vector<float>> float_list(const Method& m, const char* key, const std::string& v) {
  std::vector<float> out;
  if (v.empty()) return out;
  const char* p = v.c_str();
  while (true) {
    char* end = nullptr;
    const double d = std::strtod(p, &end);
    if (end == p || !std::isfinite(d))
      return Status::error(Code::kInvalidArgument, "%s: %s=%s is not a comma list of numbers", m.name, key, v.c_str());
    out.push_back(static_cast<float>(d));
    p = end;
    if (*p == '\0') break;
    if (*p != ',')
      return Status::error(Code::kInvalidArgument, "%s: %s=%s is not a comma list of numbers", m.name, key, v.c_str());
    ++p;
  }
  return out;
}

bool has_key(const Method& m, const char* key) {
  for (const MethodKey& k : m.keys)
    if (std::strcmp(k.key, key) == 0) return true;
  return false;
}

// The parameters every rule of this request starts from: the method's keys where it has them.
struct Defaults {
  LrpParams params;
  GruLrpParams gru;
  std::vector<float> low, high;
};

Status read_defaults(const Request& r, const Method& m, Defaults* d) {
  LrpParams& p = d->params;
  if (has_key(m, "epsilon")) {
    Result<double> e = detail::float_setting(r, m, "epsilon", 0.0);
    if (!e.ok()) return e.status();
    p.epsilon = static_cast<float>(*e);
  }
  d->gru.epsilon = p.epsilon;
  if (has_key(m, "bias_factor")) {
    Result<double> f = detail::float_setting(r, m, "bias_factor", 0.0);
    if (!f.ok()) return f.status();
    d->gru.bias_factor = static_cast<float>(*f);
  }
  if (has_key(m, "gamma")) {
    Result<double> g = detail::float_setting(r, m, "gamma", 0.0);
    if (!g.ok()) return g.status();
    p.gamma = static_cast<float>(*g);
  }
  if (has_key(m, "alpha")) {
    Result<double> a = detail::float_setting(r, m, "alpha", 0.0);
    if (!a.ok()) return a.status();
    Result<double> b = detail::float_setting(r, m, "beta", 0.0);
    if (!b.ok()) return b.status();
    p.alpha = static_cast<float>(*a);
    p.beta = static_cast<float>(*b);
    SALIENT_RETURN_IF_ERROR(check_alpha_beta(p.alpha, p.beta));
  }
  if (has_key(m, "low")) {
    Result<std::vector<float>> lo = float_list(m, "low", setting(r, m, "low"));
    if (!lo.ok()) return lo.status();
    Result<std::vector<float>> hi = float_list(m, "high", setting(r, m, "high"));
    if (!hi.ok()) return hi.status();
    if (lo->empty() != hi->empty() || lo->size() != hi->size())
      return Status::error(Code::kInvalidArgument, "%s: low and high need the same number of values", m.name);
    d->low = std::move(*lo);
    d->high = std::move(*hi);
    if (!d->low.empty()) {
      p.low = d->low.data();
      p.high = d->high.data();
      p.bound_count = static_cast<int>(d->low.size());
    }
  }
  return {};
}

// Runs explicit LRP: `base` on every linear/conv layer, `conv` (if not null) on the conv layers,
// `first` (if not null) on the first linear/conv layer, then the rule.LAYER overrides.
// Attributions: the input relevance for R_out = y_c.
Status run_explicit(const Request& r, const Method& m, const Defaults& d, const LrpParams& base,
                    const LrpParams* first, Arena& arena, float* attributions, const LrpParams* conv = nullptr) {
  const Model& model = *r.model;
  RuleSet rules = lrp_explicit_rules(&base);
  rules.set(OpKind::kGru, lrp_gru_rule(&d.gru));
  if (conv)
    for (const Layer& l : model.layers())
      if (l.type == OpKind::kConv1d || l.type == OpKind::kConv2d)
        SALIENT_RETURN_IF_ERROR(rules.set_layer(l.name.c_str(), lrp_layer_rule(conv)));
  if (first) {
    for (const Layer& l : model.layers())
      if (is_relevance_layer(l.type)) {
        SALIENT_RETURN_IF_ERROR(rules.set_layer(l.name.c_str(), lrp_layer_rule(first)));
        break;
      }
  }
  std::vector<LrpParams> overrides;
  overrides.reserve(r.settings.size());  // stable addresses for the rule set
  for (const Setting& s : r.settings) {
    if (s.key.rfind("rule.", 0) != 0) continue;
    const std::string layer = s.key.substr(5);
    const Layer* l = model.layer(layer.c_str());
    if (!l) return Status::error(Code::kInvalidArgument, "%s: %s names no layer of the model", m.name, s.key.c_str());
    if (!is_relevance_layer(l->type))
      return Status::error(Code::kInvalidArgument, "%s: %s: layer %s is a %s; LRP rules apply to linear and conv layers",
                           m.name, s.key.c_str(), layer.c_str(), op_kind_name(l->type));
    Result<LrpRule> rule = lrp_rule_from_name(s.value.c_str());
    if (!rule.ok()) return Status::error(Code::kInvalidArgument, "%s: %s: %s", m.name, s.key.c_str(), rule.status().message());
    LrpParams p = d.params;
    p.rule = *rule;
    overrides.push_back(p);
    SALIENT_RETURN_IF_ERROR(rules.set_layer(layer.c_str(), lrp_layer_rule(&overrides.back())));
  }
  Result<Shape> out_shape = model.output_shape(r.shape);
  if (!out_shape.ok()) return out_shape.status();
  std::vector<float> outputs(static_cast<size_t>(out_shape->numel()));
  const int64_t n = r.shape[0];
  std::vector<int32_t> chosen(static_cast<size_t>(n));
  SALIENT_RETURN_IF_ERROR(backprop(model, r.x, r.shape, r.target, rules, arena, attributions, outputs.data(), chosen.data()));
  const int64_t per = r.shape.numel() / n;
  const int64_t classes = out_shape->numel() / n;
  for (int64_t i = 0; i < n; ++i) {
    const float y = outputs[static_cast<size_t>(i * classes + chosen[static_cast<size_t>(i)])];
    for (int64_t j = 0; j < per; ++j) attributions[i * per + j] *= y;
  }
  return {};
}

bool has_gru(const Model& model) {
  for (const Layer& l : model.layers())
    if (l.type == OpKind::kGru) return true;
  return false;
}

bool has_overrides(const Request& r) {
  for (const Setting& s : r.settings)
    if (s.key.rfind("rule.", 0) == 0) return true;
  return false;
}

Status run_lrp(const Request& request, Arena& arena, float* attributions, const char* name, LrpRule all,
               const LrpRule* first_rule) {
  MergedRequest merged;
  const Request* use = nullptr;
  SALIENT_RETURN_IF_ERROR(merge_for_rules(request, &merged, &use));
  const Request& r = *use;
  if (!r.model || !r.x || !attributions) return Status::error(Code::kInvalidArgument, "%s: null input", name);
  const Method& m = *find_method(name);
  Defaults d;
  SALIENT_RETURN_IF_ERROR(read_defaults(r, m, &d));
  LrpParams base = d.params;
  base.rule = all;
  if (!first_rule) return run_explicit(r, m, d, base, nullptr, arena, attributions);
  LrpParams first = d.params;
  first.rule = *first_rule;
  return run_explicit(r, m, d, base, &first, arena, attributions);
}

// Zennit's composites (reference/lrp_rap.md §2): ε on dense layers, `conv_rule` on conv layers,
// `first_rule` (if not null) on the first linear/conv layer; rule.LAYER overrides last.
Status run_composite(const Request& request, Arena& arena, float* attributions, const char* name, LrpRule conv_rule,
                     const LrpRule* first_rule) {
  MergedRequest merged;
  const Request* use = nullptr;
  SALIENT_RETURN_IF_ERROR(merge_for_rules(request, &merged, &use));
  const Request& r = *use;
  if (!r.model || !r.x || !attributions) return Status::error(Code::kInvalidArgument, "%s: null input", name);
  const Method& m = *find_method(name);
  Defaults d;
  SALIENT_RETURN_IF_ERROR(read_defaults(r, m, &d));
  LrpParams dense = d.params;
  dense.rule = LrpRule::kEpsilon;
  LrpParams conv = d.params;
  conv.rule = conv_rule;
  LrpParams first = d.params;
  if (first_rule) first.rule = *first_rule;
  return run_explicit(r, m, d, dense, first_rule ? &first : nullptr, arena, attributions, &conv);
}

}  // namespace

Status lrp_epsilon_plus(const Request& r, Arena& arena, float* a) {
  return run_composite(r, arena, a, "lrp-epsilon-plus", LrpRule::kZPlus, nullptr);
}
Status lrp_epsilon_alpha2_beta1(const Request& r, Arena& arena, float* a) {
  return run_composite(r, arena, a, "lrp-epsilon-alpha2-beta1", LrpRule::kAlphaBeta, nullptr);
}
Status lrp_epsilon_gamma_box(const Request& r, Arena& arena, float* a) {
  const LrpRule first = LrpRule::kZBox;
  return run_composite(r, arena, a, "lrp-epsilon-gamma-box", LrpRule::kGamma, &first);
}

Status lrp_epsilon(const Request& request, Arena& arena, float* attributions) {
  MergedRequest merged;
  const Request* use = nullptr;
  SALIENT_RETURN_IF_ERROR(merge_for_rules(request, &merged, &use));
  const Request& r = *use;
  if (has_overrides(r) || (r.model && has_gru(*r.model))) return run_lrp(r, arena, attributions, "lrp-epsilon", LrpRule::kEpsilon, nullptr);
  if (!r.model || !r.x || !attributions) return Status::error(Code::kInvalidArgument, "lrp-epsilon: null input");
  Result<double> e = detail::float_setting(r, *find_method("lrp-epsilon"), "epsilon", 0.0);
  if (!e.ok()) return e.status();
  const float eps = static_cast<float>(*e);
  const RuleSet rules = lrp_epsilon_gradient_rules(&eps);
  SALIENT_RETURN_IF_ERROR(backprop(*r.model, r.x, r.shape, r.target, rules, arena, attributions));
  for (int64_t i = 0; i < r.shape.numel(); ++i) attributions[i] *= r.x[i];
  return {};
}

Status lrp_zplus(const Request& r, Arena& arena, float* a) {
  return run_lrp(r, arena, a, "lrp-zplus", LrpRule::kZPlus, nullptr);
}
Status lrp_alpha_beta(const Request& r, Arena& arena, float* a) {
  return run_lrp(r, arena, a, "lrp-alpha-beta", LrpRule::kAlphaBeta, nullptr);
}
Status lrp_gamma(const Request& r, Arena& arena, float* a) {
  return run_lrp(r, arena, a, "lrp-gamma", LrpRule::kGamma, nullptr);
}
Status lrp_wsquare(const Request& r, Arena& arena, float* a) {
  const LrpRule first = LrpRule::kWSquare;
  return run_lrp(r, arena, a, "lrp-wsquare", LrpRule::kEpsilon, &first);
}
Status lrp_flat(const Request& r, Arena& arena, float* a) {
  const LrpRule first = LrpRule::kFlat;
  return run_lrp(r, arena, a, "lrp-flat", LrpRule::kEpsilon, &first);
}
Status lrp_zbox(const Request& r, Arena& arena, float* a) {
  const LrpRule first = LrpRule::kZBox;
  return run_lrp(r, arena, a, "lrp-zbox", LrpRule::kEpsilon, &first);
}

}  // namespace salient::explain
