// The skinny A·B kernel of the AVX-512 SGEMM (the AxpyFn contract in gemm/sgemm_blocked.h).
#pragma once

#include "salient/kernels.h"

namespace salient::kern::avx512 {

/// Rows (m) up to which sgemm_axpy serves A·B.
inline constexpr int kAxpyMaxRows = 4;

/// C = alpha·A·B + beta·C (then ep) for m ≤ kAxpyMaxRows, reading A [m×k] and B [k×n] in place.
void sgemm_axpy(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                float beta, float* c, int ldc, const GemmEpilogue* ep);

}  // namespace salient::kern::avx512
