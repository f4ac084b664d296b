// Folding batchnorm into the preceding linear/conv2d layer (see batchnorm_merge.h).
#include "salient/explain/batchnorm_merge.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace salient::explain {
namespace {

bool mergeable(const Layer& layer, const Layer& next) {
  return (layer.type == OpKind::kLinear && next.type == OpKind::kBatchNorm1d && next.num_features == layer.out_features) ||
         (layer.type == OpKind::kConv2d && next.type == OpKind::kBatchNorm2d && next.num_features == layer.out_channels);
}

const Parameter* find_parameter(const Model& model, const std::string& name) {
  for (const Parameter& p : model.parameters())
    if (p.name == name) return &p;
  return nullptr;
}

// `merged` with `model`'s step selection (with_output_step), if it has one, with the same keep
// layer, or the layer a batchnorm kept there was folded into (the layers between map each step on
// its own, so the maths is the same).
Result<Model> with_step_of(const Model& model, const std::vector<const Layer*>& folded,
                           const std::vector<Layer>& out, Model merged) {
  if (model.output_step() == Model::kNoStep) return merged;
  std::string keep = model.kept_layer();
  for (size_t k = 0; k < out.size(); ++k)
    if (folded[k] && folded[k]->name == keep) keep = out[k].name;
  return merged.with_output_step(model.output_step(), keep.empty() ? nullptr : keep.c_str());
}

}  // namespace

bool has_mergeable_batchnorm(const Model& model) {
  const std::vector<Layer>& layers = model.layers();
  for (size_t i = 0; i + 1 < layers.size(); ++i)
    if (mergeable(layers[i], layers[i + 1])) return true;
  return false;
}

Result<Model> merge_batchnorm(const Model& model, int* merged) {
  const std::vector<Layer>& layers = model.layers();
  std::vector<Layer> out;
  std::vector<const Layer*> folded;  // per output layer: the batchnorm folded into it, or null
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i + 1 < layers.size() && mergeable(layers[i], layers[i + 1])) {
      Layer l = layers[i];
      l.bias = true;
      out.push_back(l);
      folded.push_back(&layers[i + 1]);
      ++i;
    } else {
      out.push_back(layers[i]);
      folded.push_back(nullptr);
    }
  }
  Result<Model> result = Model::create(model.input_shape(), out);
  if (!result.ok()) return result.status();
  Model m = std::move(*result);
  int count = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    const std::string prefix = out[k].name + ".";
    if (!folded[k]) {
      // Unchanged layer: copy each of its parameters.
      for (const Parameter& p : model.parameters())
        if (p.name.compare(0, prefix.size(), prefix) == 0) {
          float* dst = m.parameter(p.name.c_str());
          if (!dst) return Status::error(Code::kInternal, "merge_batchnorm: parameter %s lost", p.name.c_str());
          std::memcpy(dst, model.parameter_data() + p.offset, static_cast<size_t>(p.shape.numel()) * sizeof(float));
        }
      continue;
    }
    ++count;
    const Layer& bn = *folded[k];
    const std::string bn_prefix = bn.name + ".";
    const Parameter* w = find_parameter(model, prefix + "weight");
    const float* b = model.parameter((prefix + "bias").c_str());
    const float* gamma = model.parameter((bn_prefix + "weight").c_str());
    const float* beta = model.parameter((bn_prefix + "bias").c_str());
    const float* mean = model.parameter((bn_prefix + "running_mean").c_str());
    const float* var = model.parameter((bn_prefix + "running_var").c_str());
    float* w_out = m.parameter((prefix + "weight").c_str());
    float* b_out = m.parameter((prefix + "bias").c_str());
    if (!w || !gamma || !beta || !mean || !var || !w_out || !b_out)
      return Status::error(Code::kInternal, "merge_batchnorm: parameters of %s/%s missing", out[k].name.c_str(), bn.name.c_str());
    const int64_t features = w->shape[0];
    const int64_t per = w->shape.numel() / features;
    const float* w_in = model.parameter_data() + w->offset;
    for (int64_t o = 0; o < features; ++o) {
      const double s = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + static_cast<double>(bn.eps));
      for (int64_t j = 0; j < per; ++j) w_out[o * per + j] = static_cast<float>(s * w_in[o * per + j]);
      const double bias = b ? static_cast<double>(b[o]) : 0.0;
      b_out[o] = static_cast<float>(s * (bias - static_cast<double>(mean[o])) + static_cast<double>(beta[o]));
    }
  }
  if (merged) *merged = count;
  return with_step_of(model, folded, out, std::move(m));
}

Status merged_for_rules(const Model& model, std::optional<Model>* storage, const Model** use) {
  *use = &model;
  if (!has_mergeable_batchnorm(model)) return {};
  Result<Model> merged = merge_batchnorm(model);
  if (!merged.ok()) return merged.status();
  storage->emplace(std::move(*merged));
  *use = &**storage;
  return {};
}

}  // namespace salient::explain
