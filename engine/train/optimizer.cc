#include "salient/optimizer.h"

#include <cmath>

namespace salient {
namespace {

Status check_options(double lr, double weight_decay) {
  if (!(lr >= 0.0f) || !(weight_decay >= 0.0f) || !std::isfinite(lr) || !std::isfinite(weight_decay))
    return Status::error(Code::kInvalidArgument, "optimizer: lr = %g and weight_decay = %g must be finite and >= 0",
                         lr, weight_decay);
  return {};
}

}  // namespace

Status Sgd::step(Model& model, const float* const* grads) {
  SALIENT_RETURN_IF_ERROR(check_options(options_.lr, options_.weight_decay));
  if (!(options_.momentum >= 0.0))
    return Status::error(Code::kInvalidArgument, "sgd: momentum = %g must be >= 0", options_.momentum);
  const std::vector<Parameter>& params = model.parameters();
  if (options_.momentum != 0.0 && momentum_.empty()) {
    momentum_.assign(static_cast<size_t>(model.parameter_count()), 0.0f);
    started_.assign(params.size(), 0);
  }
  const float lr = static_cast<float>(options_.lr);
  const float wd = static_cast<float>(options_.weight_decay);
  const float mu = static_cast<float>(options_.momentum);
  float* storage = model.parameter_data();
  for (size_t i = 0; i < params.size(); ++i) {
    const Parameter& p = params[i];
    if (!p.trainable || !grads[i]) continue;
    float* w = storage + p.offset;
    const float* g = grads[i];
    const int64_t n = p.shape.numel();
    for (int64_t j = 0; j < n; ++j) {
      float d = g[j] + wd * w[j];
      if (mu != 0.0f) {
        float& buf = momentum_[p.offset + j];
        buf = started_[i] ? mu * buf + d : d;
        d = buf;
      }
      w[j] -= lr * d;
    }
    if (mu != 0.0f) started_[i] = 1;
  }
  return {};
}

Status Adam::step(Model& model, const float* const* grads) {
  SALIENT_RETURN_IF_ERROR(check_options(options_.lr, options_.weight_decay));
  if (!(options_.beta1 >= 0.0 && options_.beta1 < 1.0 && options_.beta2 >= 0.0 && options_.beta2 < 1.0 &&
        options_.eps >= 0.0))
    return Status::error(Code::kInvalidArgument, "adam: betas (%g, %g) must be in [0, 1) and eps >= 0",
                         options_.beta1, options_.beta2);
  const std::vector<Parameter>& params = model.parameters();
  if (m_.empty()) {
    m_.assign(static_cast<size_t>(model.parameter_count()), 0.0f);
    v_.assign(m_.size(), 0.0f);
    steps_.assign(params.size(), 0);
  }
  float* storage = model.parameter_data();
  for (size_t i = 0; i < params.size(); ++i) {
    const Parameter& p = params[i];
    if (!p.trainable || !grads[i]) continue;
    const double t = static_cast<double>(++steps_[i]);
    // Scalars in double, then rounded to float (PyTorch's order of operations).
    const float step_size = static_cast<float>(options_.lr / (1.0 - std::pow(options_.beta1, t)));
    const float bias2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(options_.beta2, t)));
    const float one_minus_beta1 = static_cast<float>(1.0 - options_.beta1);
    const float beta2 = static_cast<float>(options_.beta2);
    const float one_minus_beta2 = static_cast<float>(1.0 - options_.beta2);
    const float eps = static_cast<float>(options_.eps);
    const float wd = static_cast<float>(options_.weight_decay);
    float* w = storage + p.offset;
    float* m = m_.data() + p.offset;
    float* v = v_.data() + p.offset;
    const float* g = grads[i];
    for (int64_t j = 0; j < p.shape.numel(); ++j) {
      const float gj = g[j] + wd * w[j];
      m[j] += one_minus_beta1 * (gj - m[j]);  // lerp(m, g, 1 − β1)
      v[j] = beta2 * v[j] + one_minus_beta2 * gj * gj;
      w[j] += (-step_size * m[j]) / (std::sqrt(v[j]) / bias2_sqrt + eps);  // addcdiv
    }
  }
  return {};
}

}  // namespace salient
