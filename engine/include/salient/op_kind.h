// OpKind: what a tape node computed. Backward rules are looked up by it (SPEC §2.2).
#pragma once

namespace salient {

enum class OpKind : unsigned char {
  kLinear,
  kConv1d,
  kConv2d,
  kMaxPool1d,
  kMaxPool2d,
  kAvgPool1d,
  kAvgPool2d,
  kGlobalAvgPool,
  kRelu,
  kTanh,
  kSigmoid,
  kSoftmax,
  kLogSoftmax,
  kFlatten,
  kReshape,
  kDropout,
  kAdd,
  kMul,
  kGru,
  kBatchNorm1d,
  kBatchNorm2d,
  kCrossEntropy,
  kBceWithLogits,
  kMse,
  kTimeStep,
  kCount
};

constexpr int kOpKindCount = static_cast<int>(OpKind::kCount);

/// "linear", "conv2d", ... (the layer type names of SPEC §4 where the op is a layer).
const char* op_kind_name(OpKind kind);

}  // namespace salient
