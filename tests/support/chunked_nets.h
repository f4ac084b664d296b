// Shared by the multi-point explainer tests (noise tunnel, gradient-shap): a small deterministic
// tanh net and the closeness check for results computed with different chunk sizes.
#pragma once

#include <vector>

#include "salient/model.h"

namespace salient::testing_explain {

/// linear(3→4), tanh, linear(4→2) with parameters 0.8·sin(0.9k + 0.2), k running over all of them.
Model tanh_net();

/// Chunk sizes change the batch shapes the kernels see, so sums may differ in the last bits:
/// |a − b| <= 1e-6·(1 + |b|) elementwise.
void expect_close(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace salient::testing_explain
