// Backprop attribution: the common core of every gradient and rule-based explainer.
// For each sample n with target column c_n, seed the output with the one-hot e_{c_n} and walk the
// tape backward with a rule set; the input's signal is the attribution. With gradient_rules() this
// is ∂y_c/∂x (the gradient); rule-based explainers pass their own RuleSet.
#pragma once

#include <cstdint>

#include "salient/arena.h"
#include "salient/model.h"
#include "salient/rules.h"
#include "salient/status.h"

namespace salient::explain {

/// Which output column to explain for each sample: explicit columns, or (null) each sample's argmax.
struct Target {
  const int32_t* columns = nullptr;
};

/// Where backprop reads the signal (SPEC §5 relevance_at): the input (`layer` null or empty) or the
/// output value of the named layer (the value its last op produced).
struct SignalAt {
  const char* layer = nullptr;
  float* values = nullptr;  // if not null: receives that value's forward data (the signal's shape)
};

/// Sample i's target column for its output row (C columns): target.columns[i] when given
/// (kInvalidArgument "WHO: target T of sample I is not in [0, C)" otherwise), else the row's argmax
/// (the first of ties). Every explainer picks its columns through this.
Result<int32_t> target_column(const float* row, int64_t c, Target target, int64_t i, const char* who);

/// The shape ([N, ...]) of layer `layer`'s output for inputs of `input` shape; kInvalidArgument
/// naming the layer when the model has none of that name.
Result<Shape> layer_output_batch_shape(const Model& model, const Shape& input, const char* layer);
/// The id of the value the last op recorded under layer `layer` produced in `g`, or -1.
int32_t layer_output_value(const Graph& g, const char* layer);

/// Runs `model` on x (shape [N, ...]) in inference mode, seeds each sample's target logit with 1,
/// and backpropagates with `rules`. Writes the input signal to `attributions` (x's shape; with
/// `at.layer`, the signal at that layer's output, in its shape) and, if not null, the model output
/// ([N, C]) to `outputs` and the chosen columns to `chosen` ([N]).
/// Uses `arena` for every temporary. The model must map [N, ...] to [N, C].
Status backprop(const Model& model, const float* x, const Shape& shape, Target target,
                const RuleSet& rules, Arena& arena, float* attributions, float* outputs = nullptr,
                int32_t* chosen = nullptr, SignalAt at = {});

}  // namespace salient::explain
