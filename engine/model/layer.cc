// Layer factories, type names, and static shape inference (per sample, 0 = unknown length).
#include <cstring>
#include <utility>

#include "salient/model.h"

namespace salient {
namespace {

Layer make(std::string name, OpKind type) {
  Layer l;
  l.name = std::move(name);
  l.type = type;
  return l;
}

Layer make_pool(std::string name, OpKind type, Size2 kernel, Size2 stride) {
  Layer l = make(std::move(name), type);
  l.kernel = kernel;
  l.stride = {stride.h ? stride.h : kernel.h, stride.w ? stride.w : kernel.w};
  return l;
}

// Output length of a window of size k, stride s, padding p over n positions (0 stays unknown).
Result<int64_t> window_out(const Layer& l, int64_t n, int k, int s, int p) {
  if (k < 1 || s < 1 || p < 0)
    return Status::error(Code::kInvalidArgument, "layer '%s': kernel and stride must be >= 1, padding >= 0",
                         l.name.c_str());
  if (n == 0) return int64_t{0};
  const int64_t padded = n + 2 * static_cast<int64_t>(p);
  if (padded < k)
    return Status::error(Code::kInvalidArgument, "layer '%s': window %d is larger than the input length %lld",
                         l.name.c_str(), k, static_cast<long long>(padded));
  return (padded - k) / s + 1;
}

Status bad_input(const Layer& l, const Shape& in, const char* expected) {
  return Status::error(Code::kInvalidArgument, "layer '%s' (%s): per-sample input %s, expected %s",
                       l.name.c_str(), op_kind_name(l.type), ShapeStr(in).c_str(), expected);
}

}  // namespace

bool is_layer_kind(OpKind kind) {
  switch (kind) {
    case OpKind::kAdd:
    case OpKind::kMul:
    case OpKind::kCrossEntropy:
    case OpKind::kBceWithLogits:
    case OpKind::kMse:
    case OpKind::kTimeStep:
    case OpKind::kCount:
      return false;
    default:
      return true;
  }
}

Result<OpKind> layer_kind_from_name(const char* name) {
  for (int k = 0; k < kOpKindCount; ++k) {
    const OpKind kind = static_cast<OpKind>(k);
    if (is_layer_kind(kind) && std::strcmp(op_kind_name(kind), name) == 0) return kind;
  }
  return Status::error(Code::kNotFound, "unknown layer type '%s'", name);
}

Layer Layer::linear(std::string name, int in_features, int out_features, bool bias) {
  Layer l = make(std::move(name), OpKind::kLinear);
  l.in_features = in_features;
  l.out_features = out_features;
  l.bias = bias;
  return l;
}

Layer Layer::conv1d(std::string name, int in_channels, int out_channels, int kernel, int stride,
                    int padding, bool bias) {
  Layer l = conv2d(std::move(name), in_channels, out_channels, {1, kernel}, {1, stride},
                   {0, padding}, bias);
  l.type = OpKind::kConv1d;
  return l;
}

Layer Layer::conv2d(std::string name, int in_channels, int out_channels, Size2 kernel,
                    Size2 stride, Size2 padding, bool bias) {
  Layer l = make(std::move(name), OpKind::kConv2d);
  l.in_channels = in_channels;
  l.out_channels = out_channels;
  l.kernel = kernel;
  l.stride = stride;
  l.padding = padding;
  l.bias = bias;
  return l;
}

Layer Layer::maxpool1d(std::string name, int kernel, int stride) {
  return make_pool(std::move(name), OpKind::kMaxPool1d, {1, kernel}, {1, stride});
}
Layer Layer::maxpool2d(std::string name, Size2 kernel, Size2 stride) {
  return make_pool(std::move(name), OpKind::kMaxPool2d, kernel, stride);
}
Layer Layer::avgpool1d(std::string name, int kernel, int stride) {
  return make_pool(std::move(name), OpKind::kAvgPool1d, {1, kernel}, {1, stride});
}
Layer Layer::avgpool2d(std::string name, Size2 kernel, Size2 stride) {
  return make_pool(std::move(name), OpKind::kAvgPool2d, kernel, stride);
}
Layer Layer::global_avgpool(std::string name) { return make(std::move(name), OpKind::kGlobalAvgPool); }
Layer Layer::relu(std::string name) { return make(std::move(name), OpKind::kRelu); }
Layer Layer::tanh(std::string name) { return make(std::move(name), OpKind::kTanh); }
Layer Layer::sigmoid(std::string name) { return make(std::move(name), OpKind::kSigmoid); }
Layer Layer::softmax(std::string name) { return make(std::move(name), OpKind::kSoftmax); }
Layer Layer::log_softmax(std::string name) { return make(std::move(name), OpKind::kLogSoftmax); }
Layer Layer::flatten(std::string name) { return make(std::move(name), OpKind::kFlatten); }
Layer Layer::reshape(std::string name, Shape per_sample) {
  Layer l = make(std::move(name), OpKind::kReshape);
  l.shape = per_sample;
  return l;
}
Layer Layer::dropout(std::string name, float p) {
  Layer l = make(std::move(name), OpKind::kDropout);
  l.p = p;
  return l;
}

Layer Layer::gru(std::string name, int input_size, int hidden_size, bool all_steps, bool bias) {
  Layer l = make(std::move(name), OpKind::kGru);
  l.input_size = input_size;
  l.hidden_size = hidden_size;
  l.all_steps = all_steps;
  l.bias = bias;
  return l;
}

Layer Layer::batchnorm1d(std::string name, int num_features, float eps, float momentum) {
  Layer l = make(std::move(name), OpKind::kBatchNorm1d);
  l.num_features = num_features;
  l.eps = eps;
  l.momentum = momentum;
  return l;
}

Layer Layer::batchnorm2d(std::string name, int num_features, float eps, float momentum) {
  Layer l = batchnorm1d(std::move(name), num_features, eps, momentum);
  l.type = OpKind::kBatchNorm2d;
  return l;
}

Result<Shape> layer_output_shape(const Layer& l, const Shape& in) {
  if (!is_layer_kind(l.type))
    return Status::error(Code::kInvalidArgument, "layer '%s': %s is not a layer type", l.name.c_str(),
                         op_kind_name(l.type));
  Shape out = in;
  switch (l.type) {
    case OpKind::kLinear:
      if (l.in_features < 1 || l.out_features < 1)
        return Status::error(Code::kInvalidArgument, "layer '%s': in_features and out_features must be >= 1",
                             l.name.c_str());
      if (in.rank < 1 || in.back() != l.in_features) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "[..., %d]", l.in_features);
        return bad_input(l, in, expected);
      }
      out.dims[out.rank - 1] = l.out_features;
      return out;
    case OpKind::kConv1d:
    case OpKind::kConv2d: {
      const bool two_d = l.type == OpKind::kConv2d;
      if (l.in_channels < 1 || l.out_channels < 1)
        return Status::error(Code::kInvalidArgument, "layer '%s': in_channels and out_channels must be >= 1",
                             l.name.c_str());
      if (in.rank != (two_d ? 3 : 2) || in[0] != l.in_channels) {
        char expected[64];
        std::snprintf(expected, sizeof expected, two_d ? "[%d, H, W]" : "[%d, L]", l.in_channels);
        return bad_input(l, in, expected);
      }
      out[0] = l.out_channels;
      if (two_d) {
        Result<int64_t> h = window_out(l, in[1], l.kernel.h, l.stride.h, l.padding.h);
        if (!h.ok()) return h.status();
        out[1] = *h;
      }
      Result<int64_t> w = window_out(l, in.back(), l.kernel.w, l.stride.w, l.padding.w);
      if (!w.ok()) return w.status();
      out[out.rank - 1] = *w;
      return out;
    }
    case OpKind::kMaxPool1d:
    case OpKind::kAvgPool1d:
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d: {
      const bool two_d = l.type == OpKind::kMaxPool2d || l.type == OpKind::kAvgPool2d;
      if (in.rank != (two_d ? 3 : 2)) return bad_input(l, in, two_d ? "[C, H, W]" : "[C, L]");
      if (two_d) {
        Result<int64_t> h = window_out(l, in[1], l.kernel.h, l.stride.h, 0);
        if (!h.ok()) return h.status();
        out[1] = *h;
      }
      Result<int64_t> w = window_out(l, in.back(), l.kernel.w, l.stride.w, 0);
      if (!w.ok()) return w.status();
      out[out.rank - 1] = *w;
      return out;
    }
    case OpKind::kGlobalAvgPool:
      if (in.rank != 2 && in.rank != 3) return bad_input(l, in, "[C, L] or [C, H, W]");
      return Shape{in[0]};
    case OpKind::kRelu:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
      return out;
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
      if (in.rank < 1) return bad_input(l, in, "at least one dimension");
      return out;
    case OpKind::kDropout:
      if (!(l.p >= 0.0f && l.p < 1.0f))
        return Status::error(Code::kInvalidArgument, "layer '%s': dropout p = %g must be in [0, 1)",
                             l.name.c_str(), l.p);
      return out;
    case OpKind::kFlatten: {
      int64_t n = in.numel();  // 0 if any dim is unknown
      return Shape{n};
    }
    case OpKind::kReshape: {
      if (l.shape.rank < 1 || l.shape.rank > Shape::kMaxRank - 1)
        return Status::error(Code::kInvalidArgument, "layer '%s': reshape needs 1 to %d dims",
                             l.name.c_str(), Shape::kMaxRank - 1);
      int64_t known = 1;
      int infer = -1;
      for (int i = 0; i < l.shape.rank; ++i) {
        if (l.shape[i] == -1 && infer < 0) {
          infer = i;
        } else if (l.shape[i] < 1) {
          return Status::error(Code::kInvalidArgument,
                               "layer '%s': reshape target %s may hold one -1 and otherwise positive sizes",
                               l.name.c_str(), ShapeStr(l.shape).c_str());
        } else {
          known *= l.shape[i];
        }
      }
      const int64_t n = in.numel();
      if (n == 0) return l.shape;  // unknown length: checked when the model runs
      if (infer >= 0 && n % known == 0) {
        out = l.shape;
        out[infer] = n / known;
        return out;
      }
      if (infer < 0 && known == n) return l.shape;
      return Status::error(Code::kInvalidArgument, "layer '%s': cannot reshape %s to %s", l.name.c_str(),
                           ShapeStr(in).c_str(), ShapeStr(l.shape).c_str());
    }
    case OpKind::kGru: {
      if (l.input_size < 1 || l.hidden_size < 1)
        return Status::error(Code::kInvalidArgument, "layer '%s': input_size and hidden_size must be >= 1",
                             l.name.c_str());
      if (in.rank != 2 || in[1] != l.input_size) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "[T, %d]", l.input_size);
        return bad_input(l, in, expected);
      }
      return l.all_steps ? Shape{in[0], l.hidden_size} : Shape{l.hidden_size};
    }
    case OpKind::kBatchNorm1d:
    case OpKind::kBatchNorm2d: {
      const bool two_d = l.type == OpKind::kBatchNorm2d;
      if (l.num_features < 1 || !(l.eps > 0.0f) || !(l.momentum >= 0.0f && l.momentum <= 1.0f))
        return Status::error(Code::kInvalidArgument,
                             "layer '%s': num_features >= 1, eps > 0 and momentum in [0, 1] are required",
                             l.name.c_str());
      char expected[64];
      std::snprintf(expected, sizeof expected, two_d ? "[%d, H, W]" : "[..., %d]", l.num_features);
      if (two_d ? (in.rank != 3 || in[0] != l.num_features) : (in.rank < 1 || in.back() != l.num_features))
        return bad_input(l, in, expected);
      return out;
    }
    default:  // not a layer kind: refused above
      break;
  }
  return Status::error(Code::kInternal, "layer '%s': unhandled kind %s", l.name.c_str(), op_kind_name(l.type));
}

}  // namespace salient
