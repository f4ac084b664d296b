// Multi-point explainers (internal; registered in methods.cc): integrated gradients, the noise
// tunnel (smoothgrad, smoothgrad-sq, vargrad), gradient-shap, guided backprop, grad-cam and guided-grad-cam.
#pragma once

#include "salient/explain/methods.h"

namespace salient::explain {

Status integrated_gradients_method(const Request& request, Arena& arena, float* attributions);
Status smoothgrad(const Request& request, Arena& arena, float* attributions);
Status smoothgrad_sq(const Request& request, Arena& arena, float* attributions);
Status vargrad(const Request& request, Arena& arena, float* attributions);
Status gradient_shap(const Request& request, Arena& arena, float* attributions);
Status guided_backprop(const Request& request, Arena& arena, float* attributions);
/// grad-cam: N×1×spatial maps; guided-grad-cam: x's shape.
Status grad_cam(const Request& request, Arena& arena, float* attributions);
Status guided_grad_cam(const Request& request, Arena& arena, float* attributions);
/// N×C×spatial → N×1×spatial (grad-cam's output, for the request's input shape).
Result<Shape> cam_output_shape(const Request& request);

}  // namespace salient::explain
