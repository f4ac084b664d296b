// Reference elementwise arithmetic: y = a + b, y = a ⊙ b, y += x, y += a ⊙ b.
#include "ref/ref_kernels.h"

namespace salient::ref {

void add(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void mul(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

void accumulate(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void mul_accumulate(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += a[i] * b[i];
}

}  // namespace salient::ref
