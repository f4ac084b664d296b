// The explainer registry: every method `salient explain` and `salient methods` know, with its
// `--set` keys and defaults (SPEC §5). Each method maps a batch of inputs to attributions of the
// same shape, except where the request says otherwise (output_shape: grad-cam's N×1×spatial, a
// rule method's relevance_at=LAYER).
#pragma once

#include <cmath>
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
/// Progress of long work (SPEC §5: the CLI draws it on stderr): report(context, done, total) after
/// each chunk of a method's main loop (quadrature steps, noise samples, perturbed rows, baselines,
/// target_time=all's steps). `total` may change when a method starts another loop. Null: silent.
struct ProgressSink {
  void (*report)(void* context, int64_t done, int64_t total) = nullptr;
  void* context = nullptr;
  void operator()(int64_t done, int64_t total) const {
    if (report) report(context, done, total);
  }
};

struct Request {
  const Model* model = nullptr;
  const float* x = nullptr;
  Shape shape;
  Target target;
  std::vector<Setting> settings;
  uint64_t seed = 0;
  const float* baseline = nullptr;
  const float* baselines = nullptr;
  Shape baselines_shape;
  ProgressSink progress;
};

/// The per-sample baselines of `--baseline` (SPEC §5) for inputs x of `shape` ([N, ...]):
///   "zero": all zeros; "mean": each sample's mean over its non-leading dims (per channel over H×W
///   for N×C×H×W, per feature over time for N×T×D, the scalar mean for N×F).
/// Writes x's shape into `out`; kInvalidArgument for another name.
Status resolve_baseline(const std::string& name, const float* x, const Shape& shape, float* out);

/// Writes attributions (output_shape: x's shape unless the method or request says otherwise) for
/// the request, using the arena for temporaries.
using MethodFn = Status (*)(const Request& request, Arena& arena, float* attributions);

struct Method {
  const char* name;
  const char* summary;  // one line, with the formula
  std::vector<MethodKey> keys;
  MethodFn run;
  /// The attributions' shape for the request (nullptr: the input's shape; grad-cam writes
  /// N×1×spatial, SPEC §5).
  Result<Shape> (*output_shape)(const Request& request) = nullptr;
  /// Whether its rules put zB on a layer (rap, lrp-zbox, lrp-epsilon-gamma-box): zB's default
  /// bounds are each sample's min and max over the layer's whole input, so on a per-step model the
  /// step is selected after the last layer (target_time.cc), as for any rule.LAYER=zbox setting.
  bool uses_zbox = false;
};

/// The shape `method` writes for `request`: with a non-empty relevance_at=LAYER (rule methods, SPEC
/// §5) that layer's output shape ([N, ...]; kInvalidArgument naming an unknown layer), otherwise
/// Method::output_shape or the input's shape.
Result<Shape> output_shape(const Method& method, const Request& request);
/// The layer named by the request's relevance_at key ("" when the method has no such key or it is
/// not set). Rule methods read their signal there (backprop's SignalAt).
std::string relevance_layer(const Request& request, const Method& method);

/// Every method, in the order `salient methods` lists them.
const std::vector<Method>& methods();
/// Keys every method takes (target_time), listed once by `salient methods`.
const std::vector<MethodKey>& common_keys();
/// The method called `name`, or nullptr.
const Method* find_method(const std::string& name);
/// Whether `key` is one of m's keys (a key "prefix.LAYER" matches prefix.<any name>).
bool has_key(const Method& m, const std::string& key);
/// Whether `key` is one of common_keys().
bool is_common_key(const std::string& key);
/// Runs `name` after checking that the request has a model and an input and that every setting is
/// one of its keys, a common key, or (for a noise tunnel) a key of its base method
/// (kInvalidArgument naming an unknown key, kNotFound for an unknown method). On a per-step model (output N×T×C) it explains the step `target_time` selects
/// (SPEC §5; target_time.h).
Status run_method(const std::string& name, const Request& request, Arena& arena, float* attributions);

/// The value of `key` in the request's settings, or the method's default.
std::string setting(const Request& request, const Method& method, const char* key);
/// Parses a boolean setting (true/false, 1/0, yes/no); kInvalidArgument naming the key otherwise.
Result<bool> bool_setting(const Request& request, const Method& method, const char* key);
/// An integer setting in [lo, hi]; kInvalidArgument naming the key otherwise.
Result<int64_t> int_setting(const Request& request, const Method& method, const char* key, int64_t lo,
                            int64_t hi = INT64_MAX);
/// A finite number setting in [lo, hi], or (lo, hi] with lo_open; kInvalidArgument naming the key
/// otherwise.
Result<double> float_setting(const Request& request, const Method& method, const char* key, double lo,
                             double hi = HUGE_VAL, bool lo_open = false);

}  // namespace salient::explain
