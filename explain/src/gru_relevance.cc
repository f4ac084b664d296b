// gru_epsilon_relevance (salient/explain/gru_rules.h): explicit ε-LRP seeded with e_c, whose rules
// are linear in R, scaled by y_c afterwards, with the relevance of h_0 collected by the GRU rule.
#include <cstring>
#include <vector>

#include "salient/explain/gru_rules.h"
#include "salient/explain/lrp.h"

namespace salient::explain {

Status gru_epsilon_relevance(const Model& model, const float* x, const Shape& shape, Target target,
                             GruLrpParams gru, Arena& arena, float* r_x, float* r_h0, float* y_c) {
  Result<Shape> out_shape = model.output_shape(shape);
  if (!out_shape.ok()) return out_shape.status();
  const int64_t n = shape[0];
  std::memset(r_h0, 0, sizeof(float) * static_cast<size_t>(n));
  LrpParams layer;
  layer.rule = LrpRule::kEpsilon;
  layer.epsilon = gru.epsilon;
  gru.h0_relevance = r_h0;
  RuleSet rules = lrp_explicit_rules(&layer);
  rules.set(OpKind::kGru, lrp_gru_rule(&gru));
  std::vector<float> outputs(static_cast<size_t>(out_shape->numel()));
  std::vector<int32_t> chosen(static_cast<size_t>(n));
  SALIENT_RETURN_IF_ERROR(
      backprop(model, x, shape, target, rules, arena, r_x, outputs.data(), chosen.data()));
  const int64_t per = shape.numel() / n;
  const int64_t classes = out_shape->numel() / n;
  for (int64_t i = 0; i < n; ++i) {
    const float y = outputs[static_cast<size_t>(i * classes + chosen[static_cast<size_t>(i)])];
    y_c[i] = y;
    r_h0[i] *= y;
    for (int64_t j = 0; j < per; ++j) r_x[i * per + j] *= y;
  }
  return {};
}

}  // namespace salient::explain
