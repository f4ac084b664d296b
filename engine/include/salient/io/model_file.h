// Model files (SPEC §4): a safetensors container whose __metadata__ key "salient.model" holds the
// architecture as a JSON string,
//   {"format": "salient-model", "version": 1, "input_shape": [...], "layers": [...]},
// and whose tensors are the parameters, named "<layer>.<param>" with PyTorch's shapes
// (Model::parameters()). docs/formats.md documents every layer type's fields and defaults.
#pragma once

#include <string>
#include <vector>

#include "salient/io/json.h"
#include "salient/model.h"
#include "salient/status.h"

namespace salient::io {

/// The metadata key that holds the architecture, and the format it declares.
inline constexpr const char* kModelMetadataKey = "salient.model";
inline constexpr const char* kModelFormat = "salient-model";
inline constexpr int kModelFormatVersion = 1;

/// Loads a model file. Refused (with the problem named): any container error of
/// read_safetensors (truncated file, bad offsets, ...); no __metadata__ or no "salient.model" key;
/// a wrong "format" or "version"; an invalid architecture (model_from_architecture_json); a
/// parameter tensor that is missing, not F32, of another shape than the architecture needs, or
/// holding NaN or ±inf; any other tensor, except "<layer>.num_batches_tracked" of a batchnorm
/// layer (PyTorch's state_dict carries it; it is ignored).
Result<Model> load_model(const char* path);
/// The same, from the file's bytes.
Result<Model> parse_model(std::vector<unsigned char> bytes);

/// Writes `m` as a model file: the architecture under "salient.model" and every parameter as an
/// F32 tensor, in Model::parameters() order.
Status save_model(const Model& m, const char* path);
/// The bytes save_model writes.
Result<std::vector<unsigned char>> encode_model(const Model& m);

/// The architecture JSON (compact) that save_model stores: format, version, input_shape, layers.
std::string architecture_json(const Model& m);
JsonValue architecture_to_json(const Model& m);

/// A model with zeroed parameters from architecture JSON. With require_format (the default, and
/// always in model files) "format" and "version" must be present; without it they may be left out
/// (a hand-written architecture file), but must be right if given. "input_shape" (per sample, a 0
/// = any length) and "layers" are required; unknown keys are errors. Layers are validated by
/// Model::create (whose message names the layer and the shapes).
Result<Model> model_from_architecture_json(const std::string& json, bool require_format = true);
Result<Model> model_from_architecture(const JsonValue& architecture, bool require_format = true);

/// One layer's JSON object ({"name": ..., "type": ..., fields...}), every field written out.
JsonValue layer_to_json(const Layer& layer);
/// One layer from its JSON object; `index` (the position in "layers") only labels messages.
/// Missing required fields, wrongly typed fields, unknown fields and unsupported options
/// (bidirectional or multi-layer GRUs, softmax over another dim than the last) are errors.
/// `per_sample_rank` is the rank of the layer's per-sample input if known (−1 if not): it lets
/// softmax accept PyTorch's positive index of the last dim.
Result<Layer> layer_from_json(const JsonValue& json, int index, int per_sample_rank = -1);

}  // namespace salient::io
