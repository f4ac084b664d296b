#include "guided_backprop.h"

#include "../path_methods.h"

namespace salient::explain {
namespace {

void guided_relu(const Node& node, BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(node, 0);
  if (!gx) return;
  const float* z = ctx.input(node, 0).data;
  const float* g = ctx.grad_out(node);
  const int64_t count = ctx.output(node).shape.numel();
  for (int64_t i = 0; i < count; ++i)
    if (z[i] > 0.0f && g[i] > 0.0f) gx[i] += g[i];
}

RuleSet make_guided_rules() {
  RuleSet rules = gradient_rules();
  rules.set(OpKind::kRelu, guided_relu_rule());
  return rules;
}

}  // namespace

Rule guided_relu_rule() { return Rule{guided_relu, nullptr, "guided-backprop"}; }

const RuleSet& guided_backprop_rules() {
  static const RuleSet rules = make_guided_rules();
  return rules;
}

Status guided_backprop(const Request& r, Arena& arena, float* attributions) {
  const std::string layer = relevance_layer(r, *find_method("guided-backprop"));
  return backprop(*r.model, r.x, r.shape, r.target, guided_backprop_rules(), arena, attributions,
                  nullptr, nullptr, SignalAt{layer.c_str()});
}

}  // namespace salient::explain
