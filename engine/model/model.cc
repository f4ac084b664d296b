// Model: validation, parameter storage and PyTorch's default initialisation, and the forward pass
// that runs each layer's op inside a LayerScope.
#include <cmath>
#include <cstring>
#include <utility>

#include "salient/model.h"
#include "salient/random.h"
#include "salient/rules.h"

namespace salient {
namespace {

// One parameter tensor a layer owns: its name suffix, shape, whether optimisers train it, and how
// PyTorch initialises it by default.
enum class Init { kFanIn, kOnes, kZeros };
struct ParamSpec {
  const char* suffix;
  Shape shape;
  bool trainable;
  Init init;
};

// The parameters of a layer in PyTorch's state_dict order; returns how many were written.
int param_specs(const Layer& l, ParamSpec out[4]) {
  int n = 0;
  switch (l.type) {
    case OpKind::kLinear:
      out[n++] = {"weight", Shape{l.out_features, l.in_features}, true, Init::kFanIn};
      if (l.bias) out[n++] = {"bias", Shape{l.out_features}, true, Init::kFanIn};
      break;
    case OpKind::kConv1d:
    case OpKind::kConv2d:
      out[n++] = {"weight",
                  l.type == OpKind::kConv1d ? Shape{l.out_channels, l.in_channels, l.kernel.w}
                                            : Shape{l.out_channels, l.in_channels, l.kernel.h, l.kernel.w},
                  true, Init::kFanIn};
      if (l.bias) out[n++] = {"bias", Shape{l.out_channels}, true, Init::kFanIn};
      break;
    case OpKind::kGru:
      out[n++] = {"weight_ih_l0", Shape{3 * l.hidden_size, l.input_size}, true, Init::kFanIn};
      out[n++] = {"weight_hh_l0", Shape{3 * l.hidden_size, l.hidden_size}, true, Init::kFanIn};
      if (l.bias) {
        out[n++] = {"bias_ih_l0", Shape{3 * l.hidden_size}, true, Init::kFanIn};
        out[n++] = {"bias_hh_l0", Shape{3 * l.hidden_size}, true, Init::kFanIn};
      }
      break;
    case OpKind::kBatchNorm1d:
    case OpKind::kBatchNorm2d:
      out[n++] = {"weight", Shape{l.num_features}, true, Init::kOnes};
      out[n++] = {"bias", Shape{l.num_features}, true, Init::kZeros};
      out[n++] = {"running_mean", Shape{l.num_features}, false, Init::kZeros};
      out[n++] = {"running_var", Shape{l.num_features}, false, Init::kOnes};
      break;
    default:
      break;
  }
  return n;
}

// PyTorch's default bound 1/√fan_in: fan_in of linear/conv weights, and 1/√hidden_size for GRUs.
float fan_in_bound(const Layer& l) {
  switch (l.type) {
    case OpKind::kLinear: return 1.0f / std::sqrt(static_cast<float>(l.in_features));
    case OpKind::kConv1d: return 1.0f / std::sqrt(static_cast<float>(l.in_channels * l.kernel.w));
    case OpKind::kConv2d:
      return 1.0f / std::sqrt(static_cast<float>(l.in_channels * l.kernel.h * l.kernel.w));
    case OpKind::kGru: return 1.0f / std::sqrt(static_cast<float>(l.hidden_size));
    default: return 0.0f;
  }
}

// Per-sample view of a batch shape.
Shape drop_batch(const Shape& s) {
  Shape r;
  r.rank = s.rank - 1;
  for (int i = 1; i < s.rank; ++i) r[i - 1] = s[i];
  return r;
}

Status check_input(const Shape& expected, const Shape& x) {
  bool ok = x.rank == expected.rank + 1;
  for (int i = 0; ok && i < expected.rank; ++i) ok = expected[i] == 0 || expected[i] == x[i + 1];
  if (ok && x.rank >= 1 && x[0] >= 1) return {};
  return Status::error(Code::kInvalidArgument,
                       "model input %s does not match [N] + per-sample shape %s (0 = any length)",
                       ShapeStr(x).c_str(), ShapeStr(expected).c_str());
}

}  // namespace

Result<Model> Model::create(const Shape& input_shape, std::vector<Layer> layers) {
  if (input_shape.rank < 1 || input_shape.rank > Shape::kMaxRank - 1)
    return Status::error(Code::kInvalidArgument, "input shape %s must have 1 to %d per-sample dims",
                         ShapeStr(input_shape).c_str(), Shape::kMaxRank - 1);
  for (int i = 0; i < input_shape.rank; ++i)
    if (input_shape[i] < 0)
      return Status::error(Code::kInvalidArgument, "input shape %s has a negative size",
                           ShapeStr(input_shape).c_str());
  if (layers.empty()) return Status::error(Code::kInvalidArgument, "a model needs at least one layer");

  Model m;
  m.input_shape_ = input_shape;
  Shape shape = input_shape;
  size_t offset = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    if (l.name.empty() || l.name.size() >= static_cast<size_t>(RuleSet::kMaxLayerName))
      return Status::error(Code::kInvalidArgument, "layer %zu: a name of 1 to %d characters is required",
                           i, RuleSet::kMaxLayerName - 1);
    for (size_t j = 0; j < i; ++j)
      if (layers[j].name == l.name)
        return Status::error(Code::kInvalidArgument, "layer name '%s' is used twice", l.name.c_str());
    Result<Shape> next = layer_output_shape(l, shape);
    if (!next.ok()) return next.status();
    shape = *next;
    ParamSpec specs[4];
    const int count = param_specs(l, specs);
    m.layer_params_.push_back({static_cast<int>(m.parameters_.size()), count});
    for (int k = 0; k < count; ++k) {
      m.parameters_.push_back({l.name + "." + specs[k].suffix, specs[k].shape, offset, specs[k].trainable});
      offset += static_cast<size_t>(specs[k].shape.numel());
    }
  }
  m.layers_ = std::move(layers);
  m.storage_.assign(offset, 0.0f);
  return m;
}

void Model::init_default(uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < layers_.size(); ++i) {
    ParamSpec specs[4];
    param_specs(layers_[i], specs);
    const float bound = fan_in_bound(layers_[i]);
    for (int k = 0; k < layer_params_[i].count; ++k) {
      const Parameter& p = parameters_[layer_params_[i].first + k];
      float* data = storage_.data() + p.offset;
      for (int64_t j = 0; j < p.shape.numel(); ++j) {
        switch (specs[k].init) {
          case Init::kFanIn: data[j] = rng.uniform(-bound, bound); break;
          case Init::kOnes: data[j] = 1.0f; break;
          case Init::kZeros: data[j] = 0.0f; break;
        }
      }
    }
  }
}

const Parameter* Model::find(const char* name) const {
  for (const Parameter& p : parameters_)
    if (p.name == name) return &p;
  return nullptr;
}

float* Model::parameter(const char* name) {
  const Parameter* p = find(name);
  return p ? storage_.data() + p->offset : nullptr;
}

const float* Model::parameter(const char* name) const {
  const Parameter* p = find(name);
  return p ? storage_.data() + p->offset : nullptr;
}

const Layer* Model::layer(const char* name) const {
  for (const Layer& l : layers_)
    if (l.name == name) return &l;
  return nullptr;
}

Result<Shape> Model::shape_after(const Shape& input, size_t count, bool model_output) const {
  SALIENT_RETURN_IF_ERROR(check_input(input_shape_, input));
  Shape shape = drop_batch(input);
  // The step is selected before layer step_after_ (or after the last layer, on the way to the
  // model's output).
  for (size_t i = 0; i <= count; ++i) {
    if (output_step_ != kNoStep && i == step_after_ &&
        (i < count || model_output || gru_gives_step_)) {
      for (int d = 1; d < shape.rank; ++d) shape[d - 1] = shape[d];  // drop the time dimension
      --shape.rank;
    }
    if (i == count) break;
    Result<Shape> next = layer_output_shape(layers_[i], shape);
    if (!next.ok()) return next.status();
    shape = *next;
  }
  Shape out;
  out.rank = shape.rank + 1;
  out[0] = input[0];
  for (int i = 0; i < shape.rank; ++i) out[i + 1] = shape[i];
  return out;
}

Result<Shape> Model::output_shape(const Shape& input) const {
  return shape_after(input, layers_.size(), /*model_output=*/true);
}

Result<Shape> Model::output_shape_at(const Shape& input, const char* layer) const {
  for (size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i].name == layer) return shape_after(input, i + 1, /*model_output=*/false);
  return Status::error(Code::kInvalidArgument, "the model has no layer '%s'", layer);
}

Tensor Model::forward(Graph& g, const Tensor& x, Tensor* param_tensors) const {
  return run(g, x, param_tensors, nullptr);
}

Tensor Model::forward_train(Graph& g, const Tensor& x, Tensor* param_tensors) {
  return run(g, x, param_tensors, storage_.data());
}

bool maps_each_step(OpKind kind) {
  switch (kind) {
    case OpKind::kLinear:
    case OpKind::kRelu:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kDropout:
    case OpKind::kBatchNorm1d: return true;
    default: return false;
  }
}

Result<Model> Model::with_output_step(int64_t step, const char* keep_layer) const {
  if (step < kLastStep)
    return Status::error(Code::kInvalidArgument, "output step %lld is negative", static_cast<long long>(step));
  Shape per_step = input_shape_;
  for (int i = 0; i < per_step.rank; ++i)
    if (per_step[i] == 0) per_step[i] = 5;  // any length: probe with five steps
  Shape batch;
  batch.rank = per_step.rank + 1;
  batch[0] = 1;
  for (int i = 0; i < per_step.rank; ++i) batch[i + 1] = per_step[i];
  Result<Shape> out = output_shape(batch);
  if (!out.ok()) return out.status();
  // Per-step: [N, T, D...] in, [N, T, C] out with the same T.
  if (output_step_ != kNoStep || out->rank != 3 || input_shape_.rank < 2 || (*out)[1] != batch[1])
    return Status::error(Code::kInvalidArgument, "the model's output %s is not per-step [N, T, C]",
                         ShapeStr(*out).c_str());
  Model m = *this;
  m.output_step_ = step;
  m.kept_layer_ = keep_layer ? keep_layer : "";
  m.step_after_ = 0;
  for (size_t i = 0; i < layers_.size(); ++i)
    if (!maps_each_step(layers_[i].type) || (keep_layer && layers_[i].name == keep_layer))
      m.step_after_ = i + 1;
  const Layer* before = m.step_after_ > 0 ? &layers_[m.step_after_ - 1] : nullptr;
  m.gru_gives_step_ = step == kLastStep && before && before->type == OpKind::kGru &&
                      before->all_steps && !(keep_layer && before->name == keep_layer);
  return m;
}

Tensor Model::run(Graph& g, const Tensor& x, Tensor* param_tensors, float* mutable_storage) const {
  if (!g.ok() || !x.valid()) return {};
  const Status input_ok = check_input(input_shape_, x.shape);
  if (!input_ok.ok()) {
    g.fail(input_ok);
    return {};
  }
  // The step is selected before layer step_after (after the last layer for none).
  const size_t step_after = output_step_ == kNoStep ? layers_.size() + 1
                            : g.training()          ? layers_.size()
                                                    : step_after_;
  // The GRU before the selection outputs the last step itself (inference graphs).
  const bool gru_gives_step = gru_gives_step_ && step_after == step_after_;
  Tensor h = x;
  for (size_t i = 0; i <= layers_.size(); ++i) {
    if (i == step_after && !gru_gives_step) {
      h = time_step(g, h, output_step_ == kLastStep ? h.shape[1] - 1 : output_step_);
      if (!h.valid()) return {};
    }
    if (i == layers_.size()) break;
    const Layer& l = layers_[i];
    const LayerParams& lp = layer_params_[i];
    LayerScope scope(g, l.name.c_str());
    Tensor p[4];
    for (int k = 0; k < lp.count; ++k) {
      const Parameter& param = parameters_[lp.first + k];
      p[k] = g.param(storage_.data() + param.offset, param.shape);
      if (param_tensors) param_tensors[lp.first + k] = p[k];
    }
    switch (l.type) {
      case OpKind::kLinear: h = linear(g, h, p[0], l.bias ? &p[1] : nullptr); break;
      case OpKind::kConv1d: h = conv1d(g, h, p[0], l.bias ? &p[1] : nullptr, l.stride.w, l.padding.w); break;
      case OpKind::kConv2d: h = conv2d(g, h, p[0], l.bias ? &p[1] : nullptr, l.stride, l.padding); break;
      case OpKind::kMaxPool1d: h = maxpool1d(g, h, l.kernel.w, l.stride.w); break;
      case OpKind::kMaxPool2d: h = maxpool2d(g, h, l.kernel, l.stride); break;
      case OpKind::kAvgPool1d: h = avgpool1d(g, h, l.kernel.w, l.stride.w); break;
      case OpKind::kAvgPool2d: h = avgpool2d(g, h, l.kernel, l.stride); break;
      case OpKind::kGlobalAvgPool: h = global_avgpool(g, h); break;
      case OpKind::kRelu: h = relu(g, h); break;
      case OpKind::kTanh: h = tanh(g, h); break;
      case OpKind::kSigmoid: h = sigmoid(g, h); break;
      case OpKind::kSoftmax: h = softmax(g, h); break;
      case OpKind::kLogSoftmax: h = log_softmax(g, h); break;
      case OpKind::kFlatten: h = flatten(g, h); break;
      case OpKind::kReshape: h = reshape(g, h, l.shape); break;
      case OpKind::kDropout: h = dropout(g, h, l.p); break;
      case OpKind::kGru:
        h = gru(g, h, p[0], p[1], l.bias ? &p[2] : nullptr, l.bias ? &p[3] : nullptr,
                l.all_steps && !(gru_gives_step && i + 1 == step_after));
        break;
      case OpKind::kBatchNorm1d:
      case OpKind::kBatchNorm2d: {
        BatchNormState state{p[2].data, p[3].data, l.eps, l.momentum, nullptr, nullptr};
        if (mutable_storage) {
          state.update_mean = mutable_storage + parameters_[lp.first + 2].offset;
          state.update_var = mutable_storage + parameters_[lp.first + 3].offset;
        }
        h = l.type == OpKind::kBatchNorm1d ? batchnorm1d(g, h, p[0], p[1], state)
                                           : batchnorm2d(g, h, p[0], p[1], state);
        break;
      }
      default:
        h = {};  // unreachable: create() accepts layer kinds only
        break;
    }
    if (!h.valid()) return {};
  }
  return h;
}

}  // namespace salient
