// The default rule set: the exact chain rule for every op kind.
#include "exact_rules.h"

namespace salient {
namespace {

RuleSet make_gradient_rules() {
  RuleSet r{};
  auto exact = [&r](OpKind kind, RuleFn fn) { r.set(kind, Rule{fn, nullptr, "gradient"}); };
  exact(OpKind::kLinear, ops::linear_gradient);
  exact(OpKind::kConv1d, ops::conv_gradient);
  exact(OpKind::kConv2d, ops::conv_gradient);
  exact(OpKind::kMaxPool1d, ops::maxpool_gradient);
  exact(OpKind::kMaxPool2d, ops::maxpool_gradient);
  exact(OpKind::kAvgPool1d, ops::avgpool_gradient);
  exact(OpKind::kAvgPool2d, ops::avgpool_gradient);
  exact(OpKind::kGlobalAvgPool, ops::avgpool_gradient);
  exact(OpKind::kRelu, ops::relu_gradient);
  exact(OpKind::kTanh, ops::tanh_gradient);
  exact(OpKind::kSigmoid, ops::sigmoid_gradient);
  exact(OpKind::kSoftmax, ops::softmax_gradient);
  exact(OpKind::kLogSoftmax, ops::log_softmax_gradient);
  exact(OpKind::kFlatten, ops::pass_through_gradient);
  exact(OpKind::kReshape, ops::pass_through_gradient);
  exact(OpKind::kDropout, ops::dropout_gradient);
  exact(OpKind::kAdd, ops::add_gradient);
  exact(OpKind::kMul, ops::mul_gradient);
  exact(OpKind::kGru, ops::gru_gradient);
  exact(OpKind::kBatchNorm1d, ops::batchnorm_gradient);
  exact(OpKind::kBatchNorm2d, ops::batchnorm_gradient);
  exact(OpKind::kCrossEntropy, ops::cross_entropy_gradient);
  exact(OpKind::kBceWithLogits, ops::bce_with_logits_gradient);
  exact(OpKind::kMse, ops::mse_gradient);
  exact(OpKind::kTimeStep, ops::time_step_gradient);
  return r;
}

}  // namespace

const RuleSet& gradient_rules() {
  static const RuleSet rules = make_gradient_rules();
  return rules;
}

}  // namespace salient
