// Scalar reference kernels: the textbook loops that define every kernel's meaning (see the
// formulas on KernelTable). They are the oracle of the kernel tests and the last entry in dispatch.
#pragma once

#include <cstdint>

#include "salient/kernels.h"

namespace salient::ref {

void sgemm(Trans ta, Trans tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);
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
void scatter_add(int64_t n, const int32_t* index, const float* gy, float* gx);

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

}  // namespace salient::ref
