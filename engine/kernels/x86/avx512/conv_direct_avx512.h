// The direct (implicit-GEMM) AVX-512 convolution forward for stride 1: x read through a zero-padded
// copy of each image, no im2col (docs/kernels.md, "Direct forward").
#pragma once

#include "salient/kernels.h"

namespace salient::kern::avx512 {

/// Whether conv2d_forward_direct serves g: stride 1, rows of at least 16 outputs (or of exactly 8,
/// with at least 64 taps c_in·kh·kw), and its buffers fit the workspace.
bool conv_direct_serves(const Conv2dGeometry& g);

/// y = conv(x, w) + b for a geometry conv_direct_serves accepts (b may be null).
void conv2d_forward_direct(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                           float* y);

}  // namespace salient::kern::avx512
