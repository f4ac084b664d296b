// Node: one tape entry per op, plain data. It names its input and output values (by id) and keeps
// what any backward rule needs beyond them (SPEC §2.1): x, z and f(z) are the input/output values
// themselves (values are immutable once computed), the pool argmax and the dropout mask are saved here.
#pragma once

#include <cstdint>

#include "salient/kernels.h"
#include "salient/op_kind.h"

namespace salient {

struct Node {
  OpKind kind = OpKind::kCount;
  int32_t layer = -1;              // index of the layer name in the graph; -1 outside any layer
  int32_t out = -1;                // the value this node produced
  // linear/conv/batchnorm: x, weight, bias (-1: none); add/mul and losses: a, b;
  // gru: x, weight_ih, weight_hh, bias_ih, bias_hh
  int32_t in[5] = {-1, -1, -1, -1, -1};
  const int32_t* argmax = nullptr; // max pools: flat input index per output element
  // Op-specific saved data: dropout (training) mask, 0 or 1/(1−p) per element; GRU gates
  // (layout in ops.h: gru); batchnorm mean, invstd, scale, shift ([C] each).
  const float* saved = nullptr;
  bool training = false;           // batchnorm: normalised with batch statistics
  Conv2dGeometry conv = {};        // conv1d/conv2d
  Pool2dGeometry pool = {};        // max/avg/global pools
  float p = 0.0f;                  // dropout probability
  int64_t step = 0;                // time_step: the selected step
};

}  // namespace salient
