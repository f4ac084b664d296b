#include "salient/op_kind.h"

namespace salient {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kLinear: return "linear";
    case OpKind::kConv1d: return "conv1d";
    case OpKind::kConv2d: return "conv2d";
    case OpKind::kMaxPool1d: return "maxpool1d";
    case OpKind::kMaxPool2d: return "maxpool2d";
    case OpKind::kAvgPool1d: return "avgpool1d";
    case OpKind::kAvgPool2d: return "avgpool2d";
    case OpKind::kGlobalAvgPool: return "global_avgpool";
    case OpKind::kRelu: return "relu";
    case OpKind::kTanh: return "tanh";
    case OpKind::kSigmoid: return "sigmoid";
    case OpKind::kSoftmax: return "softmax";
    case OpKind::kLogSoftmax: return "log_softmax";
    case OpKind::kFlatten: return "flatten";
    case OpKind::kReshape: return "reshape";
    case OpKind::kDropout: return "dropout";
    case OpKind::kAdd: return "add";
    case OpKind::kMul: return "mul";
    case OpKind::kGru: return "gru";
    case OpKind::kBatchNorm1d: return "batchnorm1d";
    case OpKind::kBatchNorm2d: return "batchnorm2d";
    case OpKind::kCrossEntropy: return "cross_entropy";
    case OpKind::kBceWithLogits: return "bce_with_logits";
    case OpKind::kMse: return "mse";
    case OpKind::kTimeStep: return "time_step";
    case OpKind::kCount: break;
  }
  return "?";
}

}  // namespace salient
