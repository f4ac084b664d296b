// AVX2 packing of GEMM micro-panels (the PackFn contract in gemm/sgemm_blocked.h). The AVX-512
// variant uses them too: packing moves data, so wider registers buy nothing here.
#pragma once

namespace salient::kern::avx2 {

/// dst[p·stride + r] = scale·src[r·ld + p]: 8×8 blocks transposed in registers.
void pack_transposed(int rows, int depth, const float* src, int ld, float scale, float* dst,
                     int stride);
/// dst[p·stride + r] = scale·src[p·ld + r]: masked row copies.
void pack_copied(int rows, int depth, const float* src, int ld, float scale, float* dst,
                 int stride);

}  // namespace salient::kern::avx2
