// DeconvNet (Zeiler & Fergus) as a backward rule (SPEC §6): every ReLU passes max(g, 0) whatever
// its forward input; every other op (max-pool switches included) keeps its exact gradient.
#include "salient/explain/backprop.h"

#include "../lrp_methods.h"

namespace salient::explain {
namespace {

void deconv_relu(const Node& node, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(node, 0);
  if (!gx) return;
  const float* g = ctx.grad_out(node);
  const int64_t count = ctx.output(node).shape.numel();
  for (int64_t i = 0; i < count; ++i)
    if (g[i] > 0.0f) gx[i] += g[i];
}

RuleSet make_rules() {
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, Rule{deconv_relu, nullptr, "deconvnet"});
  return rules;
}

}  // namespace

Status deconvnet(const Request& r, Arena& arena, float* attributions) {
  static const RuleSet rules = make_rules();
  const std::string layer = relevance_layer(r, *find_method("deconvnet"));
  return backprop(*r.model, r.x, r.shape, r.target, rules, arena, attributions, nullptr, nullptr,
                  SignalAt{layer.c_str()});
}

}  // namespace salient::explain
