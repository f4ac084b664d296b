// Skinny C = alpha·A·B + beta·C (no transposes) for a few rows of A (a batch-1 GRU step's
// backward dh·W_hh, a batch-1 linear layer's input gradient), written once over a per-ISA traits
// type V (sgemm_axpy_avx2.cc and sgemm_axpy_avx512.cc instantiate it in their own translation
// units; everything here has internal linkage):
//   C[i, j] = beta·C[i, j] + alpha·Σ_p a[i·lda + p]·b[p·ldb + j]      (then the epilogue)
// Each row p of B is contiguous along j, so C is built as a sum of scaled rows of B (an "axpy" per
// p): B is read in place exactly once, where packing would copy all of it to use each value once
// per row of A. A block of kR rows × kV vectors of columns holds kR·kV accumulators; for each p it
// loads kV vectors of B's row p and broadcasts a[i, p]. Every element is summed over p in order
// with one FMA per term, whichever block or thread computes it. The last vector of a row is
// loaded and stored under a lane mask.
#pragma once

#include <cstdint>

#include "salient/kernels.h"

namespace salient::kern {
namespace {

template <class V>
struct SkinnyAB {
  using T = typename V::T;
  using M = typename V::M;
  static constexpr int W = V::W;
  static constexpr int kRows = V::kAxpyRows;  // most rows of A served
  static constexpr int kMaxV = V::kAxpyVectors;

  // Vectors per block for kR rows: kR·kV accumulators + kV loads of B fit the registers.
  static constexpr int vectors(int rows) { return rows == 1 ? kMaxV : kMaxV / 2; }

  // kV vectors of columns of C; kMasked: the last one under the lane mask `last`.
  template <int kR, int kV, bool kMasked>
  static void block(int k, float alpha, const float* a, int lda, const float* b, int ldb,
                    float beta, float* c, int ldc, const GemmEpilogue* ep, M last) {
    T acc[kR][kV];
#pragma GCC unroll 8
    for (int i = 0; i < kR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < kV; ++v) acc[i][v] = V::zero();
    for (int p = 0; p < k; ++p) {
      const float* bp = b + int64_t{p} * ldb;
      T bv[kV];
#pragma GCC unroll 8
      for (int v = 0; v < kV; ++v)
        bv[v] = kMasked && v == kV - 1 ? V::load_masked(bp + v * W, last) : V::load(bp + v * W);
#pragma GCC unroll 8
      for (int i = 0; i < kR; ++i) {
        const T ai = V::set1(a[int64_t{i} * lda + p]);
#pragma GCC unroll 8
        for (int v = 0; v < kV; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
      }
    }
    for (int i = 0; i < kR; ++i) {
      float* ci = c + int64_t{i} * ldc;
      for (int v = 0; v < kV; ++v) {
        const bool masked = kMasked && v == kV - 1;
        T x = V::mul(V::set1(alpha), acc[i][v]);
        if (beta != 0.0f) {
          const T c0 = masked ? V::load_masked(ci + v * W, last) : V::load(ci + v * W);
          x = V::add(x, V::mul(V::set1(beta), c0));
        }
        if (ep) {
          if (ep->row_bias) x = V::add(x, V::set1(ep->row_bias[i]));
          if (ep->col_bias) {
            const float* cb = ep->col_bias + v * W;
            x = V::add(x, masked ? V::load_masked(cb, last) : V::load(cb));
          }
          if (ep->relu) x = V::max(x, V::zero());
        }
        if (masked) {
          V::store_masked(ci + v * W, last, x);
        } else {
          V::store(ci + v * W, x);
        }
      }
    }
  }

  using Block = void (*)(int, float, const float*, int, const float*, int, float, float*, int,
                         const GemmEpilogue*, M);

  // The block of kR rows and `vecs` ≤ kV vectors, the last one masked or not.
  template <int kR, int kV>
  static Block pick(int vecs, bool masked) {
    if constexpr (kV > 1) {
      if (vecs < kV) return pick<kR, kV - 1>(vecs, masked);
    }
    return masked ? &block<kR, kV, true> : &block<kR, kV, false>;
  }

  // The n columns' vectors are shared evenly by the fewest blocks of at most vectors(kR) each
  // (200 columns at 1 row: 7 + 6 zmm rather than 8 + 5), so no block is short of independent
  // accumulators; only the last vector of the last block is masked.
  template <int kR>
  static void rows(int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                   float beta, float* c, int ldc, const GemmEpilogue* ep) {
    constexpr int kV = vectors(kR);
    const int total = (n + W - 1) / W;
    const int blocks = (total + kV - 1) / kV;
    const M last = V::mask(n - (total - 1) * W);
    for (int q = 0; q < blocks; ++q) {
      const int v0 = total * q / blocks, v1 = total * (q + 1) / blocks;
      const int j = v0 * W;
      GemmEpilogue block_ep;
      if (ep) {
        block_ep = *ep;
        if (block_ep.col_bias) block_ep.col_bias += j;
      }
      const bool masked = v1 == total && n % W != 0;
      pick<kR, kV>(v1 - v0, masked)(k, alpha, a, lda, b + j, ldb, beta, c + j, ldc,
                                    ep ? &block_ep : nullptr, last);
    }
  }

  // The AxpyFn contract (gemm/sgemm_blocked.h): m ≤ kRows.
  static void run(int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc, const GemmEpilogue* ep) {
    switch (m) {
      case 1: return rows<1>(n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
      case 2: return rows<2>(n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
      case 3: return rows<3>(n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
      default:
        if constexpr (kRows >= 4) return rows<4>(n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
    }
  }
};

}  // namespace
}  // namespace salient::kern
