// Reference loss kernels (per row or element; the ops take the mean):
//   cross-entropy:   loss_r = log Σ_j e^{x_rj} − x_r,y_r          gx_r += s·(softmax(x_r) − e_{y_r})
//   BCE with logits: loss = max(x, 0) − x·y + log(1 + e^{−|x|})    gx += s·(σ(x) − y)
//   squared error:   loss = (a − b)²                               g += s·(a − b)
#include <cmath>

#include "ref/ref_kernels.h"

namespace salient::ref {

void cross_entropy_rows(int64_t rows, int cols, const float* x, const float* labels, float* loss) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float m, sum;
    row_max_and_sum(cols, xr, &m, &sum);
    loss[r] = m + std::log(sum) - xr[static_cast<int>(labels[r])];
  }
}

void cross_entropy_rows_backward(int64_t rows, int cols, const float* x, const float* labels,
                                 float scale, float* gx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float m, sum;
    row_max_and_sum(cols, xr, &m, &sum);
    const int label = static_cast<int>(labels[r]);
    for (int j = 0; j < cols; ++j)
      gx[r * cols + j] += scale * (std::exp(xr[j] - m) / sum - (j == label ? 1.0f : 0.0f));
  }
}

void bce_with_logits(int64_t n, const float* x, const float* y, float* loss) {
  for (int64_t i = 0; i < n; ++i)
    loss[i] = (x[i] > 0.0f ? x[i] : 0.0f) - x[i] * y[i] + std::log1p(std::exp(-std::fabs(x[i])));
}

void bce_with_logits_backward(int64_t n, const float* x, const float* y, float scale, float* gx) {
  for (int64_t i = 0; i < n; ++i) gx[i] += scale * (stable_sigmoid(x[i]) - y[i]);
}

void squared_difference(int64_t n, const float* a, const float* b, float* loss) {
  for (int64_t i = 0; i < n; ++i) loss[i] = (a[i] - b[i]) * (a[i] - b[i]);
}

void scaled_difference_accumulate(int64_t n, float scale, const float* a, const float* b, float* g) {
  for (int64_t i = 0; i < n; ++i) g[i] += scale * (a[i] - b[i]);
}

}  // namespace salient::ref
