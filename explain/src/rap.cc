// The rap explainer (salient/explain/rap.h): RAP's rule set for a model — the target and first
// layers found in the layer list, pass rules on the elementwise layers, the z-rule on average
// pools — run by backprop after the batchnorms are merged.
#include "salient/explain/rap.h"

#include <optional>

#include "rules/layer_view.h"
#include "salient/explain/batchnorm_merge.h"

namespace salient::explain {
namespace {

// Layers that may follow the target layer: each maps output element c to element c, so the
// one-hot seed reaches the target layer unchanged (pass rules, or the identity gradient).
bool maps_elementwise(OpKind k) {
  switch (k) {
    case OpKind::kRelu:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kDropout:
    case OpKind::kFlatten:
    case OpKind::kReshape: return true;
    default: return false;
  }
}

// The z-rule's division by Ax with no stabiliser (0 where Ax = 0).
const float kNoStabilizer = 0.0f;

}  // namespace

Status rap_rules(const Model& model, std::vector<float>* trace, RapRules* out) {
  const std::vector<Layer>& layers = model.layers();
  int first = -1, target = -1;
  for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
    if (layers[i].type == OpKind::kGru)
      return Status::error(Code::kInvalidArgument,
                           "rap: layer %s is a GRU; RAP has no rule for recurrent layers",
                           layers[i].name.c_str());
    if (!is_relevance_layer(layers[i].type)) continue;
    if (first < 0) first = i;
    target = i;
  }
  if (target < 0)
    return Status::error(Code::kInvalidArgument, "rap: the model has no linear or conv layer");
  for (size_t i = static_cast<size_t>(target) + 1; i < layers.size(); ++i)
    if (!maps_elementwise(layers[i].type))
      return Status::error(
          Code::kInvalidArgument,
          "rap: layer %s (%s) follows the target layer %s; RAP needs the logits from "
          "the last linear/conv layer, followed only by elementwise layers",
          layers[i].name.c_str(), op_kind_name(layers[i].type),
          layers[static_cast<size_t>(target)].name.c_str());
  RuleSet& rules = out->rules;
  rules = gradient_rules();
  for (OpKind k : {OpKind::kLinear, OpKind::kConv1d, OpKind::kConv2d})
    rules.set(k, rap_layer_rule());
  for (OpKind k : {OpKind::kRelu, OpKind::kTanh, OpKind::kSigmoid, OpKind::kSoftmax,
                   OpKind::kLogSoftmax, OpKind::kBatchNorm1d, OpKind::kBatchNorm2d})
    rules.set(k, lrp_pass_rule());
  for (OpKind k : {OpKind::kAvgPool1d, OpKind::kAvgPool2d, OpKind::kGlobalAvgPool})
    rules.set(k, lrp_avgpool_rule(&kNoStabilizer));
  out->target.trace = trace;
  const Layer& t = layers[static_cast<size_t>(target)];
  SALIENT_RETURN_IF_ERROR(rules.set_layer(t.name.c_str(), rap_target_rule(&out->target), t.type));
  if (first != target) {
    out->first = LrpParams{};
    out->first.rule = LrpRule::kZBox;  // low/high null: each sample's min and max of the input
    out->first.stabilizer = 0.0f;
    const Layer& f = layers[static_cast<size_t>(first)];
    SALIENT_RETURN_IF_ERROR(rules.set_layer(f.name.c_str(), lrp_layer_rule(&out->first), f.type));
  }
  return {};
}

Status rap(const Model& model, const float* x, const Shape& shape, Target target, Arena& arena,
           float* relevance, float* outputs, int32_t* chosen,
           std::vector<float>* target_input_relevance) {
  std::optional<Model> merged;
  const Model* use = nullptr;
  SALIENT_RETURN_IF_ERROR(merged_for_rules(model, &merged, &use));
  RapRules rules;
  SALIENT_RETURN_IF_ERROR(rap_rules(*use, target_input_relevance, &rules));
  return backprop(*use, x, shape, target, rules.rules, arena, relevance, outputs, chosen);
}

Status rap_method(const Request& r, Arena& arena, float* attributions) {
  if (!r.model || !r.x || !attributions)
    return Status::error(Code::kInvalidArgument, "rap: null input");
  return rap(*r.model, r.x, r.shape, r.target, arena, attributions);
}

}  // namespace salient::explain
