// The skinny A·Bᵀ kernel of the AVX-512 SGEMM (the DotFn contract in gemm/sgemm_blocked.h).
#pragma once

#include "salient/kernels.h"

namespace salient::kern::avx512 {

/// Rows (m) up to which sgemm_dot serves A·Bᵀ.
inline constexpr int kDotRows = 4;

/// C = alpha·A·Bᵀ + beta·C (then ep) for m ≤ kDotRows, reading A [m×k] and B [n×k] in place.
void sgemm_dot(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
               float beta, float* c, int ldc, const GemmEpilogue* ep);

}  // namespace salient::kern::avx512
