// Guided backprop (Springenberg et al.) as a backward rule (SPEC §6): at every ReLU the signal is
// g·[z > 0]·[g > 0]; every other op keeps its exact gradient.
#pragma once

#include "salient/rules.h"

namespace salient::explain {

/// The ReLU rule g·[z>0]·[g>0].
Rule guided_relu_rule();
/// gradient_rules() with the guided ReLU rule installed for OpKind::kRelu.
const RuleSet& guided_backprop_rules();

}  // namespace salient::explain
