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
  int32_t in[3] = {-1, -1, -1};    // linear/conv: x, weight, bias (-1: none); add/mul: a, b
  const int32_t* argmax = nullptr; // max pools: flat input index per output element
  const float* mask = nullptr;     // dropout (training): 0 or 1/(1−p) per element
  Conv2dGeometry conv = {};        // conv1d/conv2d
  Pool2dGeometry pool = {};        // max/avg/global pools
  float p = 0.0f;                  // dropout probability
};

}  // namespace salient
