// Gradient explainers (internal; registered in methods.cc).
#pragma once

#include "salient/explain/methods.h"

namespace salient::explain {

/// saliency: |∂y_c/∂x| (abs=true, the default) or ∂y_c/∂x.
Status saliency(const Request& request, Arena& arena, float* attributions);
/// input-x-gradient: x ⊙ ∂y_c/∂x.
Status input_x_gradient(const Request& request, Arena& arena, float* attributions);

}  // namespace salient::explain
