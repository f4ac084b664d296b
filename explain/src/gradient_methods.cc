// saliency = |∂y_c/∂x| (Simonyan et al.), input-x-gradient = x ⊙ ∂y_c/∂x: one backprop with the
// exact gradient rules each.
#include "gradient_methods.h"

#include <cmath>

namespace salient::explain {

Status saliency(const Request& r, Arena& arena, float* attributions) {
  Result<bool> take_abs = bool_setting(r, *find_method("saliency"), "abs");
  if (!take_abs.ok()) return take_abs.status();
  SALIENT_RETURN_IF_ERROR(backprop(*r.model, r.x, r.shape, r.target, gradient_rules(), arena, attributions));
  if (*take_abs)
    for (int64_t i = 0; i < r.shape.numel(); ++i) attributions[i] = std::fabs(attributions[i]);
  return {};
}

Status input_x_gradient(const Request& r, Arena& arena, float* attributions) {
  SALIENT_RETURN_IF_ERROR(backprop(*r.model, r.x, r.shape, r.target, gradient_rules(), arena, attributions));
  for (int64_t i = 0; i < r.shape.numel(); ++i) attributions[i] *= r.x[i];
  return {};
}

}  // namespace salient::explain
