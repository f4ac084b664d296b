// The explainer registry: every method `salient explain` and `salient methods` know, with its
// `--set` keys and defaults (SPEC §5). Each method maps a batch of inputs to attributions of the
// same shape,
// except the few that say otherwise (output_shape: grad-cam's N×1×spatial).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "salient/arena.h"
#include "salient/explain/backprop.h"
#include "salient/model.h"
#include "salient/status.h"

namespace salient::explain {

/// One `--set` key of a method.
struct MethodKey {
  const char* key;
  const char* default_value;
  const char* help;
};

/// A `--set key=value` setting as given.
struct Setting {
  std::string key, value;
};

/// What to explain: a model, a batch x of `shape` ([N, ...]), the target column per sample
/// (Target{} = each sample's argmax), the method's settings, and a seed for stochastic methods.
/// Baselines (SPEC §5): `baseline` holds one reference input per sample (x's shape; null means
/// zero), as `--baseline zero|mean|B.npy` resolves it; `baselines` is the baseline set of
/// gradient-shap and deeplift-shap, [B, per-sample shape...] (null: none given).
struct Request {
  const Model* model;
  const float* x;
  Shape shape;
  Target target;
  std::vector<Setting> settings;
  uint64_t seed = 0;
  const float* baseline = nullptr;
  const float* baselines = nullptr;
  Shape baselines_shape;
};

/// The per-sample baselines of `--baseline` (SPEC §5) for inputs x of `shape` ([N, ...]):
///   "zero": all zeros; "mean": each sample's mean over its non-leading dims (per channel over H×W
///   for N×C×H×W, per feature over time for N×T×D, the scalar mean for N×F).
/// Writes x's shape into `out`; kInvalidArgument for another name.
Status resolve_baseline(const std::string& name, const float* x, const Shape& shape, float* out);

/// Writes attributions (x's shape) for the request, using the arena for temporaries.
using MethodFn = Status (*)(const Request& request, Arena& arena, float* attributions);

struct Method {
  const char* name;
  const char* summary;  // one line, with the formula
  std::vector<MethodKey> keys;
  MethodFn run;
  /// The attributions' shape for inputs of shape `input` (nullptr: the input's shape; grad-cam
  /// writes N×1×spatial, SPEC §5).
  Shape (*output_shape)(const Shape& input) = nullptr;
};

/// The shape `method` writes for inputs of `input` shape (the input's own unless it says otherwise).
inline Shape output_shape(const Method& method, const Shape& input) {
  return method.output_shape ? method.output_shape(input) : input;
}

/// Every method, in the order `salient methods` lists them.
const std::vector<Method>& methods();
/// Keys every method takes (target_time), listed once by `salient methods`.
const std::vector<MethodKey>& common_keys();
/// The method called `name`, or nullptr.
const Method* find_method(const std::string& name);
/// Runs `name` after checking that every setting is one of its keys or a common key
/// (kInvalidArgument naming an unknown key, kNotFound for an unknown method). On a per-step model
/// (output N×T×C) it explains the step `target_time` selects (SPEC §5; target_time.h).
Status run_method(const std::string& name, const Request& request, Arena& arena, float* attributions);

/// The value of `key` in the request's settings, or the method's default.
std::string setting(const Request& request, const Method& method, const char* key);
/// Parses a boolean setting (true/false, 1/0, yes/no); kInvalidArgument naming the key otherwise.
Result<bool> bool_setting(const Request& request, const Method& method, const char* key);

}  // namespace salient::explain
