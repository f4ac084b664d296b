// Preset architectures (SPEC §9), by name: the models every comparison in the project uses.
#pragma once

#include "salient/model.h"

namespace salient {

/// Builds the preset architecture `name` with zeroed parameters (call init_default or load weights):
///  - "digits-cnn": input [1, 8, 8]; conv2d(1→16, 3×3, pad 1), relu, conv2d(16→32, 3×3, pad 1),
///    relu, maxpool2d(2), flatten, linear(512→64), relu, linear(64→10).
///  - "hmm-gru": input [0, 3] (any length); gru(3→200, output all steps), batchnorm1d(200), relu,
///    dropout(0.5), linear(200→2): a per-step classifier (reference/timeseries.md §2).
/// An unknown name is kNotFound listing the presets.
Result<Model> preset_model(const char* name);

}  // namespace salient
