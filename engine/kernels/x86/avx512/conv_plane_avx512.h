// The AVX-512 plane convolution (stride 1, "same" width, rows shorter than 16): whole flattened
// output planes in vectors of 16, x read in place under lane masks; and the backward data as the
// same kernel on the transposed, flipped weights (docs/kernels.md, "Plane kernel").
#pragma once

#include "salient/kernels.h"

namespace salient::kern::avx512 {

/// Whether conv2d_forward_plane serves g: stride 1, ow = w < 16, and its buffers fit the workspace.
bool conv_plane_serves(const Conv2dGeometry& g);

/// y = conv(x, w) + b for a geometry conv_plane_serves accepts (b may be null).
void conv2d_forward_plane(const Conv2dGeometry& g, const float* x, const float* w, const float* b,
                          float* y);

/// Whether conv2d_backward_data_plane serves g: stride 1, ph ≤ kh − 1, pw ≤ kw − 1, and the
/// transposed convolution (gy → gx) has "same" width and fits the mask table (at any row width,
/// unlike the forward's rows below 16).
bool conv_plane_serves_backward_data(const Conv2dGeometry& g);

/// gx += the transposed convolution of gy with w, for a geometry conv_plane_serves_backward_data
/// accepts.
void conv2d_backward_data_plane(const Conv2dGeometry& g, const float* gy, const float* w, float* gx);

}  // namespace salient::kern::avx512
