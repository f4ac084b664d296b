// Double-precision textbook implementations of every engine op: the oracle of the gradient checks.
//
// Written independently of the engine (no engine code is called): plain loops straight from the
// formulas in the op documentation, on row-major std::vector<double> plus a shape. Bad arguments
// abort with a message (tests only ever pass valid ones); nothing here throws.
#pragma once

#include <cstdint>
#include <vector>

namespace salient::refops {

/// A dense row-major double array: shape plus data (data.size() == product of shape).
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Array() = default;
  Array(std::vector<int64_t> s, std::vector<double> d);
  /// A zero-filled array of the given shape.
  static Array zeros(std::vector<int64_t> s);

  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int rank() const { return static_cast<int>(shape.size()); }
};

/// Product of the dims (1 for rank 0).
int64_t numel_of(const std::vector<int64_t>& shape);

/// y = x·Wᵀ + b over the last dimension: x [..., in], w [out, in], b [out] (null: no bias).
Array linear(const Array& x, const Array& w, const Array* b);

/// Cross-correlation with zero padding. x [N, C_in, L], w [C_out, C_in, k], b [C_out] or null.
Array conv1d(const Array& x, const Array& w, const Array* b, int stride, int padding);
/// x [N, C_in, H, W], w [C_out, C_in, kh, kw], b [C_out] or null.
Array conv2d(const Array& x, const Array& w, const Array* b, int stride_h, int stride_w,
             int pad_h, int pad_w);

/// Pools without padding; output length (L − k)/s + 1 (floor).
Array maxpool1d(const Array& x, int kernel, int stride);
Array maxpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w);
Array avgpool1d(const Array& x, int kernel, int stride);
Array avgpool2d(const Array& x, int kernel_h, int kernel_w, int stride_h, int stride_w);
/// [N, C, L] or [N, C, H, W] -> [N, C]: mean over all positions.
Array global_avgpool(const Array& x);

Array relu(const Array& x);     // max(x, 0)
Array tanh(const Array& x);     // tanh(x)
Array sigmoid(const Array& x);  // 1 / (1 + e^−x)
/// Over the last dimension (max-shifted, which changes nothing mathematically).
Array softmax(const Array& x);
Array log_softmax(const Array& x);

/// Elementwise on equal shapes.
Array add(const Array& a, const Array& b);
Array mul(const Array& a, const Array& b);

/// The same data under another shape (flatten, reshape); the element count must match.
Array reshape(const Array& x, std::vector<int64_t> shape);

}  // namespace salient::refops
