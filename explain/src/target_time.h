// SPEC §5 `--set target_time=t|last|all`: which step of a per-step model's output (N×T×C) a method
// explains. Every method accepts the key; run_method routes through run_at_target_time.
#pragma once

#include <optional>

#include "salient/explain/methods.h"

namespace salient::explain {

/// The step selection run_at_target_time makes for `method` on `request`: on a model whose output
/// is per-step [N, T, C], `*selected` becomes the model with that step as its output (for `all`,
/// the last step's, and `*every_step` is set); otherwise `*selected` stays empty (the request's own
/// model). The key on a model whose output is not per-step, or a step out of range, is
/// kInvalidArgument.
Status select_target_step(const Method& method, const Request& request,
                          std::optional<Model>* selected, bool* every_step);

/// Runs `method` on the request's model as it is when its output is [N, C]; when the output is
/// per-step [N, T, C]:
///   t (0 <= t < T) or last (the default): on the model with step t (or T − 1) as its output;
///   all: for each t, on the prefix x[:, :t+1] (and the baselines' prefixes) with its last step as
///        the output, keeping A[:, t] of that run: A[:, t] = a_t(x[:, :t+1])[:, t].
/// The key on a model whose output is not per-step is kInvalidArgument.
Status run_at_target_time(const Method& method, const Request& request, Arena& arena,
                          float* attributions);

}  // namespace salient::explain
