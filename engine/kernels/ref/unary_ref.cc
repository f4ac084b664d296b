// Reference elementwise activations and their exact derivatives (accumulating into gx).
//   relu:    y = max(x, 0)         gx += gy·[x > 0]      (relu'(0) = 0)
//   tanh:    y = tanh(x)           gx += gy·(1 − y²)
//   sigmoid: y = 1/(1 + e^−x)      gx += gy·y·(1 − y)
#include <cmath>

#include "ref/ref_kernels.h"

namespace salient::ref {

void relu(int64_t n, const float* x, float* y) {
  // NOTE: x > 0 ? x : 0 maps NaN to 0; keep NaN visible instead, as max(x, 0) does in PyTorch.
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
}

void tanh(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void sigmoid(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = stable_sigmoid(x[i]);
}

void relu_backward(int64_t n, const float* x, const float* gy, float* gx) {
  for (int64_t i = 0; i < n; ++i)
    if (x[i] > 0.0f) gx[i] += gy[i];
}

void tanh_backward(int64_t n, const float* y, const float* gy, float* gx) {
  for (int64_t i = 0; i < n; ++i) gx[i] += gy[i] * (1.0f - y[i] * y[i]);
}

void sigmoid_backward(int64_t n, const float* y, const float* gy, float* gx) {
  for (int64_t i = 0; i < n; ++i) gx[i] += gy[i] * y[i] * (1.0f - y[i]);
}

}  // namespace salient::ref
