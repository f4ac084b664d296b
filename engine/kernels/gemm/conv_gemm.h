// Convolution through the packed SGEMM (im2col / col2im), shared by every ISA's conv variants: the
// variant supplies its sgemm and sgemm_fused, this loop nest does the rest (docs/kernels.md).
//
// Per image n, with K = c_in·kh·kw and P = oh·ow, the patch matrix col[K×P] holds
// col[(c·kh + u)·kw + v, i·ow + j] = x[n, c, i·sh + u − ph, j·sw + v − pw] (0 in the padding), and
// W is the row-major matrix [c_out × K]:
//   forward:          Y_n[c_out×P] = W·col + b (b as sgemm_fused's row_bias)
//   backward data:    gcol = Wᵀ·gY_n, then col2im adds gcol into gx_n
//   backward weights: gW += gY_n·colᵀ;  gb[o] += Σ_p gY_n[o, p]
// A 1×1 kernel with unit stride and no padding uses x_n itself as col (no copy).
//
// Image groups: when one image's col and output fit the workspace, several images share one SGEMM
// (col [K × nb·P] side by side, the output or output gradient gathered to [c_out × nb·P]), which
// turns the small products of small images into wide ones. Otherwise one image's col is built in
// blocks of kc rows × pc columns (chosen from K and P only), summed over with beta = 1.
// Workspace: a per-thread buffer of kConvWorkspaceFloats (one static block without threads: no
// allocation). Threads: forward and backward data run whole images in parallel when the batch has
// at least as many images as threads (else in order, the SGEMM splitting each product); backward
// weights sums over groups in order, the SGEMM splitting each product. No choice changes any
// element's order of summation, so results are bit-identical for every thread count.
#pragma once

#include <cstddef>

#include "salient/kernels.h"

namespace salient::kern {

/// Floats in one thread's workspace (col block plus gathered outputs): 2 MiB per thread, allocated
/// on its first convolution; 256 KiB of static storage in a build without threads.
#if SALIENT_NO_THREADS
inline constexpr size_t kConvWorkspaceFloats = size_t{64} * 1024;
#else
inline constexpr size_t kConvWorkspaceFloats = size_t{512} * 1024;
#endif

/// This thread's workspace of kConvWorkspaceFloats floats, 64-byte aligned (shared by the conv
/// kernels of this thread, one at a time).
float* conv_workspace();

struct ConvGemm {
  decltype(KernelTable::sgemm) sgemm;
  decltype(KernelTable::sgemm_fused) sgemm_fused;
};

void conv2d_forward_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* x, const float* w,
                         const float* b, float* y);
void conv2d_backward_data_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* gy,
                               const float* w, float* gx);
void conv2d_backward_weights_gemm(const ConvGemm& k, const Conv2dGeometry& g, const float* x,
                                  const float* gy, float* gw, float* gb);

}  // namespace salient::kern
