// gru_epsilon_relevance (salient/explain/gru_rules.h): explicit ε-LRP seeded with e_c, whose rules
// are linear in R, scaled by y_c afterwards, with the relevance of h_0 collected by the GRU rule.
#include <cstring>

#include "salient/explain/gru_rules.h"
#include "salient/explain/lrp.h"

namespace salient::explain {

Status gru_epsilon_relevance(const Model& model, const float* x, const Shape& shape, Target target,
                             GruLrpParams gru, Arena& arena, float* r_x, float* r_h0, float* y_c) {
  const int64_t n = shape[0];
  std::memset(r_h0, 0, sizeof(float) * static_cast<size_t>(n));
  LrpParams layer;
  layer.rule = LrpRule::kEpsilon;
  layer.epsilon = gru.epsilon;
  gru.h0_relevance = r_h0;
  RuleSet rules = lrp_explicit_rules(&layer);
  rules.set(OpKind::kGru, lrp_gru_rule(&gru));
  SALIENT_RETURN_IF_ERROR(relevance_for_target(model, x, shape, target, rules, arena, r_x, {}, y_c));
  for (int64_t i = 0; i < n; ++i) r_h0[i] *= y_c[i];  // h_0's relevance scales with the rest
  return {};
}

}  // namespace salient::explain
