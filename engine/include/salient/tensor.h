// Tensor: a non-owning float32 view (data + shape) that names one value of a Graph.
// Memory belongs to the graph's arena (op outputs) or to the caller (inputs, model parameters).
#pragma once

#include <cstdint>

#include "salient/shape.h"

namespace salient {

struct Tensor {
  float* data = nullptr;
  Shape shape;
  int32_t id = -1;  // index of the value in its Graph; -1 for an invalid tensor (after an error)

  bool valid() const { return id >= 0 && data != nullptr; }
  int64_t numel() const { return shape.numel(); }
};

}  // namespace salient
