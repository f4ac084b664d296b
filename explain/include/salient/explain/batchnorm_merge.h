// Merging batchnorm into the layer before it (SPEC §6): a batchnorm that directly follows a linear
// or conv layer is folded into that layer before any LRP rule runs, so the rules see one affine
// layer. Per output feature o, with s = γ/√(σ² + eps):
//   W'[o, ...] = s·W[o, ...],   b'[o] = s·(b[o] − μ[o]) + β[o]   (b = 0 for a layer without bias)
// Mergeable pairs: linear → batchnorm1d (features in the last dim = the linear's outputs) and
// conv2d → batchnorm2d (channels). The engine's batchnorm1d normalises the last dim, which after a
// conv1d is the length, not the channels: that pair stays, as does a batchnorm after anything else.
#pragma once

#include <optional>

#include "salient/model.h"
#include "salient/status.h"

namespace salient::explain {

/// Whether `model` has a batchnorm that merge_batchnorm folds.
bool has_mergeable_batchnorm(const Model& model);

/// A copy of `model` with every mergeable batchnorm folded into the layer before it (that layer
/// keeps its name and gains a bias; the batchnorm layer is gone). `merged` (may be null) receives
/// the number of batchnorm layers folded. Inference only: the running statistics are used.
Result<Model> merge_batchnorm(const Model& model, int* merged = nullptr);

/// The model the rules run on (SPEC §6: batchnorms merged before any rule runs): *use points at
/// merge_batchnorm(model), kept in *storage, when model has a batchnorm to merge, else at model.
Status merged_for_rules(const Model& model, std::optional<Model>* storage, const Model** use);

}  // namespace salient::explain
