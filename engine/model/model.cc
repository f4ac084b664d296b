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

bool has_params(const Layer& l) {
  return l.type == OpKind::kLinear || l.type == OpKind::kConv1d || l.type == OpKind::kConv2d;
}

Shape weight_shape(const Layer& l) {
  switch (l.type) {
    case OpKind::kLinear: return Shape{l.out_features, l.in_features};
    case OpKind::kConv1d: return Shape{l.out_channels, l.in_channels, l.kernel.w};
    default: return Shape{l.out_channels, l.in_channels, l.kernel.h, l.kernel.w};
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
    LayerParams lp;
    if (has_params(l)) {
      const Shape w = weight_shape(l);
      lp.weight = static_cast<int>(m.parameters_.size());
      m.parameters_.push_back({l.name + ".weight", w, offset});
      offset += static_cast<size_t>(w.numel());
      if (l.bias) {
        const Shape b{w[0]};
        lp.bias = static_cast<int>(m.parameters_.size());
        m.parameters_.push_back({l.name + ".bias", b, offset});
        offset += static_cast<size_t>(b.numel());
      }
    }
    m.layer_params_.push_back(lp);
  }
  m.layers_ = std::move(layers);
  m.storage_.assign(offset, 0.0f);
  return m;
}

void Model::init_default(uint64_t seed) {
  Rng rng(seed);
  for (const LayerParams& lp : layer_params_) {
    if (lp.weight < 0) continue;
    const Shape& w = parameters_[lp.weight].shape;
    const float bound = 1.0f / std::sqrt(static_cast<float>(w.numel_from(1)));  // 1/√fan_in
    for (int index : {lp.weight, lp.bias}) {
      if (index < 0) continue;
      const Parameter& p = parameters_[index];
      float* data = storage_.data() + p.offset;
      for (int64_t i = 0; i < p.shape.numel(); ++i) data[i] = rng.uniform(-bound, bound);
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

Result<Shape> Model::output_shape(const Shape& input) const {
  SALIENT_RETURN_IF_ERROR(check_input(input_shape_, input));
  Shape shape = drop_batch(input);
  for (const Layer& l : layers_) {
    Result<Shape> next = layer_output_shape(l, shape);
    if (!next.ok()) return next.status();
    shape = *next;
  }
  Shape out;
  out.rank = shape.rank + 1;
  out[0] = input[0];
  for (int i = 0; i < shape.rank; ++i) out[i + 1] = shape[i];
  return out;
}

Tensor Model::forward(Graph& g, const Tensor& x) const {
  if (!g.ok() || !x.valid()) return {};
  const Status input_ok = check_input(input_shape_, x.shape);
  if (!input_ok.ok()) {
    g.fail(input_ok);
    return {};
  }
  Tensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    const LayerParams& lp = layer_params_[i];
    LayerScope scope(g, l.name.c_str());
    auto param = [&](int index) {
      const Parameter& p = parameters_[index];
      return g.param(storage_.data() + p.offset, p.shape);
    };
    Tensor w = lp.weight >= 0 ? param(lp.weight) : Tensor{};
    Tensor b = lp.bias >= 0 ? param(lp.bias) : Tensor{};
    const Tensor* bias = lp.bias >= 0 ? &b : nullptr;
    switch (l.type) {
      case OpKind::kLinear: h = linear(g, h, w, bias); break;
      case OpKind::kConv1d: h = conv1d(g, h, w, bias, l.stride.w, l.padding.w); break;
      case OpKind::kConv2d: h = conv2d(g, h, w, bias, l.stride, l.padding); break;
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
      case OpKind::kAdd:
      case OpKind::kMul:
      case OpKind::kCount:
        h = {};  // unreachable: create() accepts layer kinds only
        break;
    }
    if (!h.valid()) return {};
  }
  return h;
}

}  // namespace salient
