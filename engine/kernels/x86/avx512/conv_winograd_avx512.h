// The AVX-512 Winograd convolution F(2×2, 3×3) for 3×3 kernels, stride 1, padding 1 and even image
// sides: forward, and the backward data as the same kernel on the transposed, flipped weights
// (docs/kernels.md, "Winograd kernel").
#pragma once

#include "salient/kernels.h"

namespace salient::kern::avx512 {

/// Whether conv2d_forward_winograd serves g: a 3×3 kernel, stride 1, padding 1, even h and w,
/// at least 8 channels in and out, at least two vectors of 16 tiles (2×2 outputs) in the batch,
/// and its transformed weights and scratch fit the workspace.
bool conv_winograd_serves(const Conv2dGeometry& g);

/// y = conv(x, w) + b for a geometry conv_winograd_serves accepts (b may be null).
void conv2d_forward_winograd(const Conv2dGeometry& g, const float* x, const float* w,
                             const float* b, float* y);

/// Whether conv2d_backward_data_winograd serves g (its transposed convolution is again 3×3 with
/// padding 1, so the conditions are the forward's with c_in and c_out swapped).
bool conv_winograd_serves_backward_data(const Conv2dGeometry& g);

/// gx += the transposed convolution of gy with w, for a geometry conv_winograd_serves_backward_data
/// accepts.
void conv2d_backward_data_winograd(const Conv2dGeometry& g, const float* gy, const float* w,
                                   float* gx);

}  // namespace salient::kern::avx512
