// The lrp-* explainers (SPEC §5): lrp-epsilon in modified-gradient form (x ⊙ signal with the ε
// nonlinearity rule), and every other lrp-* method, or lrp-epsilon with a rule.LAYER override, in
// explicit layer-wise form (relevance seeded with y_c; ReLU/tanh/sigmoid pass relevance; linear and
// conv layers run their rule). SPEC §8 identity 2 makes the two forms agree for ε-LRP. GRU nodes
// run the GRU ε-LRP rule (salient/explain/gru_rules.h), which works on relevance, so every lrp-*
// method on a model with a GRU uses the explicit form.
#include "lrp_methods.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "batched.h"
#include "rules/layer_view.h"
#include "target_time.h"
#include "salient/explain/batchnorm_merge.h"
#include "salient/explain/gru_rules.h"
#include "salient/explain/lrp.h"

namespace salient::explain {
namespace {

// The request with its model's batchnorms merged into the layers before them (SPEC §6: before any
// rule runs), where there is one to merge; otherwise the request itself.
struct MergedRequest {
  std::optional<Model> model;
  Request request;
};

Status merge_for_rules(const Request& r, MergedRequest* m, const Request** use) {
  *use = &r;
  if (!r.model) return {};
  const Model* model = nullptr;
  SALIENT_RETURN_IF_ERROR(merged_for_rules(*r.model, &m->model, &model));
  if (model == r.model) return {};
  m->request = r;
  m->request.model = model;
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

// The parameters every rule of this request starts from: the method's keys where it has them.
// `at` is where the relevance is read (relevance_at; a merged batchnorm's name is read at the
// layer it was merged into, whose output it now is).
struct Defaults {
  LrpParams params;
  GruLrpParams gru;
  std::vector<float> low, high;
  std::string at;
};

bool user_set(const Request& r, const char* key) {
  for (const Setting& s : r.settings)
    if (s.key == key) return true;
  return false;
}

// The name relevance_at reads in the (possibly merged) model: a batchnorm merged away is read at
// the layer before it in `original`.
std::string relevance_layer_in(const Request& r, const Method& m, const Model& original) {
  const std::string name = relevance_layer(r, m);
  if (name.empty() || r.model->layer(name.c_str())) return name;
  const std::vector<Layer>& layers = original.layers();
  for (size_t i = 1; i < layers.size(); ++i)
    if (layers[i].name == name) return layers[i - 1].name;
  return name;
}

Status read_defaults(const Request& r, const Method& m, const Model& original, Defaults* d) {
  LrpParams& p = d->params;
  const std::string convention = setting(r, m, "convention");
  Result<LrpConvention> c = lrp_convention_from_name(convention.c_str());
  if (!c.ok())
    return Status::error(Code::kInvalidArgument, "%s: convention=%s: %s", m.name,
                         convention.c_str(), c.status().message());
  p.convention = *c;
  p.epsilon = p.stabilizer = lrp_default_epsilon(p.convention);
  if (has_key(m, "epsilon") && user_set(r, "epsilon")) {
    Result<double> e = float_setting(r, m, "epsilon", 0.0);
    if (!e.ok()) return e.status();
    p.epsilon = static_cast<float>(*e);
  }
  d->gru.epsilon = p.epsilon;
  if (has_key(m, "bias_factor")) {
    Result<double> f = float_setting(r, m, "bias_factor", 0.0);
    if (!f.ok()) return f.status();
    d->gru.bias_factor = static_cast<float>(*f);
  }
  d->at = relevance_layer_in(r, m, original);
  if (!d->at.empty() && !r.model->layer(d->at.c_str()))
    return Status::error(Code::kInvalidArgument, "%s: relevance_at=%s names no layer of the model",
                         m.name, d->at.c_str());
  if (has_key(m, "gamma")) {
    Result<double> g = float_setting(r, m, "gamma", 0.0);
    if (!g.ok()) return g.status();
    p.gamma = static_cast<float>(*g);
  }
  if (has_key(m, "alpha")) {
    Result<double> a = float_setting(r, m, "alpha", 0.0);
    if (!a.ok()) return a.status();
    Result<double> b = float_setting(r, m, "beta", 0.0);
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

bool is_conv(OpKind k) { return k == OpKind::kConv1d || k == OpKind::kConv2d; }

// The first linear/conv layer (`conv_only`: the first conv layer), or null.
const Layer* first_layer(const Model& model, bool conv_only) {
  for (const Layer& l : model.layers())
    if (conv_only ? is_conv(l.type) : is_relevance_layer(l.type)) return &l;
  return nullptr;
}

// Runs explicit LRP: `base` on every linear/conv layer, `conv` (if not null) on the conv layers,
// `first` (if not null) on layer `first_at`, then the rule.LAYER overrides.
Status run_explicit(const Request& r, const Method& m, const Defaults& d, const LrpParams& base,
                    const LrpParams* first, const Layer* first_at, Arena& arena,
                    float* attributions, const LrpParams* conv = nullptr) {
  const Model& model = *r.model;
  RuleSet rules = lrp_explicit_rules(&base);
  rules.set(OpKind::kGru, lrp_gru_rule(&d.gru));
  if (conv)
    for (const Layer& l : model.layers())
      if (is_conv(l.type))
        SALIENT_RETURN_IF_ERROR(rules.set_layer(l.name.c_str(), lrp_layer_rule(conv)));
  if (first && first_at)
    SALIENT_RETURN_IF_ERROR(rules.set_layer(first_at->name.c_str(), lrp_layer_rule(first)));
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
  return relevance_for_target(*r.model, r.x, r.shape, r.target, rules, arena, attributions, SignalAt{d.at.c_str()});
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

// A request ready for the rules: batchnorms merged (SPEC §6), the method's keys read.
struct Prepared {
  MergedRequest merged;
  const Request* r = nullptr;
  const Method* m = nullptr;
  Defaults d;
};

Status prepare(const Request& request, const char* name, Prepared* p) {
  SALIENT_RETURN_IF_ERROR(merge_for_rules(request, &p->merged, &p->r));
  if (!p->r->model || !p->r->x)
    return Status::error(Code::kInvalidArgument, "%s: null input", name);
  p->m = find_method(name);
  return read_defaults(*p->r, *p->m, *request.model, &p->d);
}

// `all` on every linear/conv layer, `first_rule` (if not null) on the first, for a prepared request.
Status run_lrp_prepared(const Prepared& p, Arena& arena, float* attributions, LrpRule all,
                        const LrpRule* first_rule) {
  LrpParams base = p.d.params;
  base.rule = all;
  LrpParams first = p.d.params;
  if (first_rule) first.rule = *first_rule;
  return run_explicit(*p.r, *p.m, p.d, base, first_rule ? &first : nullptr,
                      first_layer(*p.r->model, false), arena, attributions);
}

Status run_lrp(const Request& request, Arena& arena, float* attributions, const char* name,
               LrpRule all, const LrpRule* first_rule) {
  if (!attributions) return Status::error(Code::kInvalidArgument, "%s: null output", name);
  Prepared p;
  SALIENT_RETURN_IF_ERROR(prepare(request, name, &p));
  return run_lrp_prepared(p, arena, attributions, all, first_rule);
}

// Zennit's composites (reference/lrp_rap.md §2): ε on dense layers, `conv_rule` on conv layers,
// `first_rule` (if not null) on the first linear/conv layer (Zennit's convention: the first conv
// layer, as its SpecialFirstLayerMap matches convolutions only); rule.LAYER overrides last.
Status run_composite(const Request& request, Arena& arena, float* attributions, const char* name, LrpRule conv_rule,
                     const LrpRule* first_rule) {
  if (!attributions) return Status::error(Code::kInvalidArgument, "%s: null output", name);
  Prepared p;
  SALIENT_RETURN_IF_ERROR(prepare(request, name, &p));
  LrpParams dense = p.d.params;
  dense.rule = LrpRule::kEpsilon;
  LrpParams conv = p.d.params;
  conv.rule = conv_rule;
  LrpParams first = p.d.params;
  if (first_rule) first.rule = *first_rule;
  const bool zennit = p.d.params.convention == LrpConvention::kZennit;
  return run_explicit(*p.r, *p.m, p.d, dense, first_rule ? &first : nullptr,
                      first_layer(*p.r->model, zennit), arena, attributions, &conv);
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

// Captum's convention without rule.LAYER keys runs the modified-gradient form (relevance a ⊙ signal
// at the input or the relevance_at layer); Zennit's, or any rule.LAYER key, the explicit form with
// ε on every linear/conv layer (Zennit's Epsilon rule sits on the top layer too).
Status lrp_epsilon(const Request& request, Arena& arena, float* attributions) {
  if (!attributions) return Status::error(Code::kInvalidArgument, "lrp-epsilon: null output");
  Prepared p;
  SALIENT_RETURN_IF_ERROR(prepare(request, "lrp-epsilon", &p));
  const Request& r = *p.r;
  if (has_overrides(r) || p.d.params.convention == LrpConvention::kZennit || has_gru(*r.model))
    return run_lrp_prepared(p, arena, attributions, LrpRule::kEpsilon, nullptr);
  const float eps = p.d.params.epsilon;
  const RuleSet rules = lrp_epsilon_gradient_rules(&eps);
  Result<Shape> at_shape = p.d.at.empty()
                               ? Result<Shape>(r.shape)
                               : layer_output_batch_shape(*r.model, r.shape, p.d.at.c_str());
  if (!at_shape.ok()) return at_shape.status();
  std::vector<float> values(static_cast<size_t>(at_shape->numel()));
  SignalAt at{p.d.at.c_str(), values.data()};
  SALIENT_RETURN_IF_ERROR(
      backprop(*r.model, r.x, r.shape, r.target, rules, arena, attributions, nullptr, nullptr, at));
  for (int64_t i = 0; i < at_shape->numel(); ++i) attributions[i] *= values[static_cast<size_t>(i)];
  return {};
}

Status lrp_convergence_delta(const Method& method, const Request& r, const float* relevance,
                             float* delta) {
  if (!r.model || !r.x || !relevance || !delta)
    return Status::error(Code::kInvalidArgument, "lrp delta: null input");
  Result<Shape> shape = output_shape(method, r);
  if (!shape.ok()) return shape.status();
  // A per-step model's explained output is the target_time step's, as run_method explains it.
  std::optional<Model> selected;
  bool every_step = false;
  SALIENT_RETURN_IF_ERROR(select_target_step(method, r, &selected, &every_step));
  if (every_step)
    return Status::error(Code::kInvalidArgument,
                         "lrp delta: target_time=all explains every step, each with its own "
                         "output; choose a step (target_time=t or last)");
  const Model& model = selected ? *selected : *r.model;
  std::vector<int32_t> columns;
  std::vector<float> outputs;
  int64_t classes = 0;
  SALIENT_RETURN_IF_ERROR(
      detail::resolve_columns(model, r.x, r.shape, r.target, &columns, &outputs, &classes));
  const int64_t n = r.shape[0];
  std::vector<float> target(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    target[static_cast<size_t>(i)] =
        outputs[static_cast<size_t>(i * classes + columns[static_cast<size_t>(i)])];
  lrp_convergence_delta(target.data(), relevance, n, shape->numel() / n, delta);
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

Status relevance_for_target(const Model& model, const float* x, const Shape& shape, Target target,
                            const RuleSet& rules, Arena& arena, float* relevance, SignalAt at, float* y_c) {
  Result<Shape> out_shape = model.output_shape(shape);
  if (!out_shape.ok()) return out_shape.status();
  const bool at_input = !at.layer || !*at.layer;
  Result<Shape> at_shape = at_input ? Result<Shape>(shape) : layer_output_batch_shape(model, shape, at.layer);
  if (!at_shape.ok()) return at_shape.status();
  std::vector<float> outputs(static_cast<size_t>(out_shape->numel()));
  const int64_t n = shape[0];
  std::vector<int32_t> chosen(static_cast<size_t>(n));
  SALIENT_RETURN_IF_ERROR(
      backprop(model, x, shape, target, rules, arena, relevance, outputs.data(), chosen.data(), at));
  const int64_t per = at_shape->numel() / n;
  const int64_t classes = out_shape->numel() / n;
  for (int64_t i = 0; i < n; ++i) {
    const float y = outputs[static_cast<size_t>(i * classes + chosen[static_cast<size_t>(i)])];
    if (y_c) y_c[i] = y;
    for (int64_t j = 0; j < per; ++j) relevance[i * per + j] *= y;
  }
  return {};
}

}  // namespace salient::explain
