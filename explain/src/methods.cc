// The registry of explainers and the checks every method shares (unknown keys, boolean values).
#include "salient/explain/methods.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "gradient_methods.h"
#include "lrp_methods.h"
#include "path_methods.h"
#include "perturbation/perturbation.h"
#include "salient/explain/rap.h"
#include "target_time.h"

namespace salient::explain {
namespace {

// Keys that several methods share.
const MethodKey kFeatureMask{"feature_mask", "", ".npy of per-sample shape with integer group ids (default: each scalar)"};
const MethodKey kRuleOverride{"rule.LAYER", "", "per-layer rule override (zero, epsilon, zplus, alpha-beta, gamma, wsquare, flat, zbox)"};
const MethodKey kConvention{"convention", "captum", "whose LRP to reproduce: captum or zennit (docs/rules.md, Conventions)"};
const MethodKey kBiasFactor{"bias_factor", "0", "GRU ε-LRP: share of bias and stabiliser spread over the lower units (1 conserves)"};
const MethodKey kGruRule{"gru_rule", "rescale", "DeepLIFT at GRUs: rescale (Rescale + Shapley split at the gates) or gradient (Captum)"};
const MethodKey kRelevanceAt{"relevance_at", "",
                             "write the relevance (signal) at this layer's output, in its shape, instead of the input's"};
// ε of the ε rule: the default depends on the convention.
const MethodKey kEpsilon{"epsilon", "1e-9", "stabiliser ε (default 1e-9 with convention=captum, 1e-6 with zennit)"};

const MethodKey kLow{"low", "", "zB lower bound l: one value or one per channel (default: each sample's min)"};
const MethodKey kHigh{"high", "", "zB upper bound h: one value or one per channel (default: each sample's max)"};

std::vector<MethodKey> composite_keys() { return {kEpsilon, {"gamma", "0.25", "γ of the γ rule"}, kLow, kHigh}; }

// A lrp-* method's own keys followed by the keys every lrp-* method takes.
std::vector<MethodKey> lrp_keys(std::vector<MethodKey> own) {
  own.push_back(kRuleOverride);
  own.push_back(kConvention);
  own.push_back(kRelevanceAt);
  own.push_back(kBiasFactor);
  return own;
}

std::vector<MethodKey> noise_tunnel_keys() {
  return {{"base", "saliency", "base method (any registered gradient or rule method; the base's own keys are passed to it)"},
          {"nt_samples", "5", "number of noisy samples"},
          {"stdevs", "1.0", "noise σ (absolute)"}};
}

}  // namespace

const std::vector<Method>& methods() {
  static const std::vector<Method> all = {
      {"saliency", "|∂y_c/∂x| (or the signed gradient with abs=false)",
       {{"abs", "true", "take the absolute value of the gradient"}}, saliency},
      {"input-x-gradient", "x ⊙ ∂y_c/∂x", {}, input_x_gradient},
      {"integrated-gradients", "(x − x̄) ⊙ Σ_k w_k ∇y_c(x̄ + α_k(x − x̄)) (path integral by quadrature)",
       {{"n_steps", "50", "number of quadrature points α_k"},
        {"method", "gausslegendre",
         "quadrature: gausslegendre, riemann_left, riemann_right, riemann_middle or riemann_trapezoid"}},
       integrated_gradients_method},
      {"smoothgrad", "E[a(x + ε)], ε ~ N(0, σ²), a = the base method",
       noise_tunnel_keys(),
       smoothgrad},
      {"smoothgrad-sq", "E[a(x + ε)²], ε ~ N(0, σ²), a = the base method",
       noise_tunnel_keys(),
       smoothgrad_sq},
      {"vargrad", "E[a(x + ε)²] − E[a(x + ε)]², ε ~ N(0, σ²), a = the base method",
       noise_tunnel_keys(),
       vargrad},
      {"gradient-shap", "E[(x̃ − b) ⊙ ∇y_c(b + α(x̃ − b))], b from --baselines, α ~ U(0,1), x̃ = x + ε",
       {{"n_samples", "5", "number of random draws per sample"},
        {"stdevs", "0.0", "noise σ added to x (absolute)"}},
       gradient_shap},
      {"guided-backprop", "∂y_c/∂x with every ReLU passing g·[z>0]·[g>0]", {kRelevanceAt}, guided_backprop},
      {"deconvnet", "∂y_c/∂x with every ReLU passing max(g, 0) (no forward mask)", {kRelevanceAt}, deconvnet},
      {"deeplift", "(x − x̄) ⊙ m, m by Rescale g·Δf/Δz at nonlinearities (x̄ = --baseline, default zero)",
       {kGruRule, kRelevanceAt}, deeplift},
      {"deeplift-shap", "mean over the baselines b of --baselines of deeplift against b (B >= 2)", {kGruRule},
       deeplift_shap},
      {"lrp-epsilon", "x ⊙ ∂̃y_c/∂x with g·f(z)/(z + ε·sign(z)) at nonlinearities (= layer-wise ε-LRP)",
       lrp_keys({kEpsilon}), lrp_epsilon},
      {"lrp-zplus", "layer-wise LRP, z⁺ rule on every linear/conv layer (Captum W⁺x + b; Zennit x⁺W⁺ + x⁻W⁻ + b⁺)",
       lrp_keys({}), lrp_zplus},
      {"lrp-alpha-beta", "layer-wise LRP, α·(positive part) − β·(negative part), α − β = 1",
       lrp_keys({{"alpha", "2", "α"}, {"beta", "1", "β (α − β = 1 required)"}}), lrp_alpha_beta},
      {"lrp-gamma", "layer-wise LRP with W + γW⁺ on every linear/conv layer (Zennit: sign-dependent)",
       lrp_keys({{"gamma", "0.25", "γ"}}), lrp_gamma},
      {"lrp-wsquare", "layer-wise LRP: w² on the first linear/conv layer, ε on the others",
       lrp_keys({}), lrp_wsquare},
      {"lrp-flat", "layer-wise LRP: flat (w² with W := 1, b := 0) on the first layer, ε on the others",
       lrp_keys({}), lrp_flat},
      {"lrp-zbox", "layer-wise LRP: zB (x W − l W⁺ − h W⁻) on the first layer, ε on the others",
       lrp_keys({kLow, kHigh}), lrp_zbox, nullptr, /*uses_zbox=*/true},
      {"lrp-epsilon-plus", "Zennit's EpsilonPlus composite: ε on linear layers, z⁺ on conv layers",
       lrp_keys(composite_keys()), lrp_epsilon_plus},
      {"lrp-epsilon-alpha2-beta1", "Zennit's EpsilonAlpha2Beta1 composite: ε on linear layers, αβ (2, 1) on conv layers",
       lrp_keys(composite_keys()), lrp_epsilon_alpha2_beta1},
      {"lrp-epsilon-gamma-box",
       "Zennit's EpsilonGammaBox composite: zB on the first linear/conv layer (zennit: first conv), γ on conv layers, ε on linear layers",
       lrp_keys(composite_keys()), lrp_epsilon_gamma_box, nullptr, /*uses_zbox=*/true},
      {"rap",
       "RAP: R = |r|·y_c/Σ|r| at the target layer (r_j = x_j w_jc + bias share), then "
       "Σ_k[x⁺w⁺R/P + |x⁺w⁻|R/(P+Q)] shifted uniformly to keep ΣR; zB at the first layer",
       {}, rap_method, nullptr, /*uses_zbox=*/true},
      {"grad-cam", "upsample(Σ_k mean_spatial(∂y_c/∂A_k) · A_k) at a conv layer's output A; N×1×spatial",
       {{"layer", "", "layer whose output A is explained (default: the last conv layer)"},
        {"relu", "false", "apply a ReLU to the map"},
        {"upsample", "nearest", "nearest or bilinear (linear for 1-D)"}},
       grad_cam, cam_output_shape},
      {"guided-grad-cam", "guided backprop ⊙ upsample(ReLU(grad-cam)) broadcast over channels",
       {{"layer", "", "layer whose output A is explained (default: the last conv layer)"},
        {"upsample", "nearest", "nearest or bilinear (linear for 1-D)"}},
       guided_grad_cam},
      {"occlusion", "mean over covering windows of f(x) − f(x with the window at the baseline)",
       {{"window", "", "per-sample window shape, comma list (required)"},
        {"stride", "1", "window stride per dim (one value or a comma list)"}},
       occlusion},
      {"feature-ablation", "f(x) − f(x with the feature group at the baseline)",
       {kFeatureMask},
       feature_ablation},
      {"feature-permutation", "f(x)_n − f(x with the feature group permuted across the batch)_n",
       {kFeatureMask},
       feature_permutation},
      {"shapley-sampling", "Shapley values of the feature groups from n_samples random orderings",
       {kFeatureMask,
        {"n_samples", "25", "number of random orderings"}},
       shapley_sampling},
      {"shapley-exact", "exact Shapley values of the feature groups over all 2^F coalitions (F <= 16)",
       {kFeatureMask},
       shapley_exact},
      {"lime", "Lasso/ridge fit of f on Bernoulli(0.5) coalitions, exponential cosine kernel",
       {kFeatureMask,
        {"n_samples", "25", "number of perturbed samples"},
        {"kernel_width", "1.0", "width of the exponential kernel on the cosine distance"},
        {"alpha", "0.01", "regularisation strength (Lasso's α; ridge's α)"},
        {"solver", "lasso", "lasso or ridge"}},
       lime},
      {"kernel-shap", "weighted least squares on Shapley-kernel coalitions (Σφ = f(x) − f(baseline) enforced)",
       {kFeatureMask,
        {"n_samples", "25", "number of coalitions (all 2^G when 2^G <= n_samples)"}},
       kernel_shap},
      {"rise", "Σ_k f_c(b + M_k ⊙ (x − b))·M_k / (n_masks·p), M_k random low-res masks, bilinear, random shifts",
       {{"n_masks", "1000", "number of random masks"},
        {"cell", "7", "low-resolution grid size per spatial dim"},
        {"p", "0.5", "probability that a grid cell is kept"}},
       rise},
  };
  return all;
}

const std::vector<MethodKey>& common_keys() {
  static const std::vector<MethodKey> keys = {
      {"target_time", "last",
       "per-step models (output N×T×C): the step explained, t, last or all (each t from its prefix)"}};
  return keys;
}

const Method* find_method(const std::string& name) {
  for (const Method& m : methods())
    if (name == m.name) return &m;
  return nullptr;
}

bool has_key(const Method& m, const std::string& key) {
  for (const MethodKey& k : m.keys) {
    if (key == k.key) return true;
    // A key "prefix.LAYER" stands for prefix.<any layer name> (e.g. rule.conv1).
    const std::string pattern = k.key;
    const size_t dot = pattern.size() >= 6 ? pattern.size() - 6 : std::string::npos;
    if (dot != std::string::npos && pattern.compare(dot, 6, ".LAYER") == 0 && key.size() > dot + 1 &&
        key.compare(0, dot + 1, pattern, 0, dot + 1) == 0)
      return true;
  }
  return false;
}

bool is_common_key(const std::string& key) {
  for (const MethodKey& k : common_keys())
    if (key == k.key) return true;
  return false;
}

Status run_method(const std::string& name, const Request& request, Arena& arena, float* attributions) {
  const Method* m = find_method(name);
  if (!m) return Status::error(Code::kNotFound, "unknown method '%s' (salient methods lists them)", name.c_str());
  if (!request.model || !request.x)
    return Status::error(Code::kInvalidArgument, "%s: the request has no model or no input", m->name);
  // A noise tunnel also takes its base method's keys (passed through to the base).
  const Method* base = has_key(*m, "base") ? find_method(setting(request, *m, "base")) : nullptr;
  for (const Setting& s : request.settings) {
    if (is_common_key(s.key) || has_key(*m, s.key) || (base && has_key(*base, s.key))) continue;
    if (has_key(*m, "base"))
      return Status::error(Code::kInvalidArgument, "method %s (base %s) has no key '%s'", m->name,
                           base ? base->name : setting(request, *m, "base").c_str(), s.key.c_str());
    return Status::error(Code::kInvalidArgument, "method %s has no key '%s'", m->name, s.key.c_str());
  }
  return run_at_target_time(*m, request, arena, attributions);
}

Result<Shape> output_shape(const Method& method, const Request& request) {
  const std::string layer = relevance_layer(request, method);
  if (!layer.empty()) {
    if (!request.model) return Status::error(Code::kInvalidArgument, "%s: no model", method.name);
    Result<Shape> shape = layer_output_batch_shape(*request.model, request.shape, layer.c_str());
    if (!shape.ok()) return Status::error(Code::kInvalidArgument, "%s: relevance_at=%s: %s", method.name, layer.c_str(), shape.status().message());
    return shape;
  }
  if (method.output_shape) return method.output_shape(request);
  return request.shape;
}

std::string relevance_layer(const Request& request, const Method& method) {
  for (const MethodKey& k : method.keys)
    if (std::string(k.key) == "relevance_at") return setting(request, method, "relevance_at");
  return "";
}

std::string setting(const Request& request, const Method& method, const char* key) {
  std::string value;
  for (const MethodKey& k : method.keys)
    if (std::string(k.key) == key) value = k.default_value;
  for (const Setting& s : request.settings)
    if (s.key == key) value = s.value;
  return value;
}

Result<int64_t> int_setting(const Request& r, const Method& m, const char* key, int64_t lo, int64_t hi) {
  const std::string v = setting(r, m, key);
  char* end = nullptr;
  const long long value = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || value < lo || value > hi) {
    if (hi == INT64_MAX)
      return Status::error(Code::kInvalidArgument, "%s: %s=%s is not an integer >= %lld", m.name, key, v.c_str(),
                           static_cast<long long>(lo));
    return Status::error(Code::kInvalidArgument, "%s: %s=%s is not an integer in [%lld, %lld]", m.name, key,
                         v.c_str(), static_cast<long long>(lo), static_cast<long long>(hi));
  }
  return static_cast<int64_t>(value);
}

Result<double> float_setting(const Request& r, const Method& m, const char* key, double lo, double hi, bool lo_open) {
  const std::string v = setting(r, m, key);
  char* end = nullptr;
  const double value = std::strtod(v.c_str(), &end);
  const bool above = lo_open ? value > lo : value >= lo;
  if (v.empty() || *end != '\0' || !std::isfinite(value) || !above || value > hi) {
    if (hi == HUGE_VAL)
      return Status::error(Code::kInvalidArgument, "%s: %s=%s is not a number %s %g", m.name, key, v.c_str(),
                           lo_open ? ">" : ">=", lo);
    return Status::error(Code::kInvalidArgument, "%s: %s=%s is not a number in %s%g, %g]", m.name, key, v.c_str(),
                         lo_open ? "(" : "[", lo, hi);
  }
  return value;
}

Result<bool> bool_setting(const Request& request, const Method& method, const char* key) {
  const std::string v = setting(request, method, key);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::error(Code::kInvalidArgument, "%s: %s=%s is not true or false", method.name, key, v.c_str());
}

}  // namespace salient::explain
