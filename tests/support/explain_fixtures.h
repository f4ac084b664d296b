// Shared by the explainer tests: DeepExplain's known-answer net and a plain forward of a model.
#pragma once

#include <vector>

#include "salient/model.h"

namespace salient::testing_explain {

/// f = ReLU(ReLU(x1 − 1) − ReLU(x2)) (DeepExplain) as linear(2→2) with W = I, b = (−1, 0), relu,
/// linear(2→1) with w = (1, −1), b = 0, relu.
Model deepexplain_net();

/// The model's output for x (shape `shape`) from a forward that records nothing; `out` (may be
/// null) receives the output's shape. Fails the calling test if the forward fails.
std::vector<float> model_outputs(const Model& m, const float* x, const Shape& shape,
                                 Shape* out = nullptr);

}  // namespace salient::testing_explain
