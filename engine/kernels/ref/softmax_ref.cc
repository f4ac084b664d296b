// Reference softmax and log-softmax over the last dimension (rows × cols), max-subtracted:
//   softmax:     y_j = e^{x_j − m} / Σ_k e^{x_k − m}      gx += y ⊙ (gy − Σ_k gy_k·y_k)
//   log-softmax: y_j = x_j − m − log Σ_k e^{x_k − m}      gx += gy − e^{y} · Σ_k gy_k
#include <cmath>

#include "ref/ref_kernels.h"

namespace salient::ref {
void softmax_rows(int64_t rows, int cols, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m, s;
    row_max_and_sum(cols, xr, &m, &s);
    const float inv = 1.0f / s;
    for (int j = 0; j < cols; ++j) yr[j] = std::exp(xr[j] - m) * inv;
  }
}

void log_softmax_rows(int64_t rows, int cols, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    float m, s;
    row_max_and_sum(cols, xr, &m, &s);
    const float log_s = std::log(s);
    for (int j = 0; j < cols; ++j) yr[j] = xr[j] - m - log_s;
  }
}

void softmax_rows_backward(int64_t rows, int cols, const float* y, const float* gy, float* gx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = gy + r * cols;
    float dot = 0.0f;
    for (int j = 0; j < cols; ++j) dot += gr[j] * yr[j];
    for (int j = 0; j < cols; ++j) gx[r * cols + j] += yr[j] * (gr[j] - dot);
  }
}

void log_softmax_rows_backward(int64_t rows, int cols, const float* y, const float* gy, float* gx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = gy + r * cols;
    float total = 0.0f;
    for (int j = 0; j < cols; ++j) total += gr[j];
    for (int j = 0; j < cols; ++j) gx[r * cols + j] += gr[j] - std::exp(yr[j]) * total;
  }
}

}  // namespace salient::ref
