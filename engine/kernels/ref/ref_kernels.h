// Scalar reference kernels: the textbook loops that define every kernel's meaning (see the
// formulas on KernelTable). They are the oracle of the kernel tests and the last entry in dispatch.
#pragma once

#include <cmath>
#include <cstdint>

#include "salient/kernels.h"

namespace salient::ref {

/// The max m = max_j x_j of a row and s = Σ_j e^{x_j − m}, so log Σ e^x = m + log s without overflow.
inline void row_max_and_sum(int cols, const float* x, float* m, float* s) {
  float mx = x[0];
  for (int j = 1; j < cols; ++j) mx = x[j] > mx ? x[j] : mx;
  float sum = 0.0f;
  for (int j = 0; j < cols; ++j) sum += std::exp(x[j] - mx);
  *m = mx;
  *s = sum;
}

/// σ(x) = 1/(1 + e^−x), evaluated as e^x/(1 + e^x) for x < 0 so that neither branch overflows.
inline float stable_sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

void sgemm(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);
void sgemm_fused(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc, const GemmEpilogue& ep);
void add_row_vector(int64_t rows, int cols, const float* b, float* y);
void sum_rows_accumulate(int64_t rows, int cols, const float* gy, float* gb);

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                    float* y);
void conv2d_backward_data(const Conv2dGeometry& g, const float* gy, const float* w, float* gx);
void conv2d_backward_weights(const Conv2dGeometry& g, const float* x, const float* gy, float* gw,
                             float* gb);

void maxpool2d_forward(const Pool2dGeometry& g, const float* x, float* y, int32_t* argmax);
void avgpool2d_forward(const Pool2dGeometry& g, const float* x, float* y);
void avgpool2d_backward(const Pool2dGeometry& g, const float* gy, float* gx);
void maxpool2d_backward(const Pool2dGeometry& g, const int32_t* argmax, const float* gy, float* gx);

void relu(int64_t n, const float* x, float* y);
void tanh(int64_t n, const float* x, float* y);
void sigmoid(int64_t n, const float* x, float* y);
void relu_backward(int64_t n, const float* x, const float* gy, float* gx);
void tanh_backward(int64_t n, const float* y, const float* gy, float* gx);
void sigmoid_backward(int64_t n, const float* y, const float* gy, float* gx);

void softmax_rows(int64_t rows, int cols, const float* x, float* y);
void log_softmax_rows(int64_t rows, int cols, const float* x, float* y);
void softmax_rows_backward(int64_t rows, int cols, const float* y, const float* gy, float* gx);
void log_softmax_rows_backward(int64_t rows, int cols, const float* y, const float* gy, float* gx);

void add(int64_t n, const float* a, const float* b, float* y);
void mul(int64_t n, const float* a, const float* b, float* y);
void accumulate(int64_t n, const float* x, float* y);
void mul_accumulate(int64_t n, const float* a, const float* b, float* y);

void gru_gates_forward(int n, int h, const float* gi, const float* gh, const float* h_prev,
                       float* h_out, float* ws);
void gru_gates_backward(int n, int h, const float* dh, const float* h_prev, const float* ws,
                        float* d_gi, float* d_gh, float* dh_prev);

void channel_mean_var(int64_t outer, int c, int64_t inner, const float* x, float* mean, float* var);
void channel_affine(int64_t outer, int c, int64_t inner, const float* x, const float* scale,
                    const float* shift, float* y);
void batchnorm_backward(int64_t outer, int c, int64_t inner, const float* x, const float* gy,
                        const float* mean, const float* invstd, const float* gamma, bool training,
                        float* gx, float* ggamma, float* gbeta);

void cross_entropy_rows(int64_t rows, int cols, const float* x, const float* labels, float* loss);
void cross_entropy_rows_backward(int64_t rows, int cols, const float* x, const float* labels,
                                 float scale, float* gx);
void bce_with_logits(int64_t n, const float* x, const float* y, float* loss);
void bce_with_logits_backward(int64_t n, const float* x, const float* y, float scale, float* gx);
void squared_difference(int64_t n, const float* a, const float* b, float* loss);
void scaled_difference_accumulate(int64_t n, float scale, const float* a, const float* b, float* g);

}  // namespace salient::ref
