// The inner loop the AVX-512 plane and Winograd convolutions share: R output channels × NV vectors
// of 16 in S accumulator sets, summed over input channels c (channel c into set c mod S):
//     acc[c mod S][r][j] += w[c·w_channel + w_row[r]] · x[c·x_channel + 16j]
// with x's lanes outside mask[j] read as 0 (masked-off lanes read nothing). Per channel: NV loads
// of x and R weights broadcast from where they lie. S = 2 covers the FMA latency for tiles of at
// most 8 accumulators. Internal linkage, as x86/work_units.h: each kernel's translation unit
// compiles its own copy with its flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace salient::kern::avx512 {
namespace {

template <int S, int R, int NV>
inline __attribute__((always_inline)) void fma_over_channels(__m512 (&acc)[S][R][NV], int channels,
                                                             const float* x, int64_t x_channel,
                                                             const __mmask16 (&mask)[NV],
                                                             const float* w, int64_t w_channel,
                                                             const int64_t (&w_row)[R]) {
  // acc[set] += one channel's products (x at xc, weights at wc).
  auto channel = [&](__m512(&set)[R][NV], const float* xc, const float* wc)
      __attribute__((always_inline)) {
    __m512 xv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) xv[j] = _mm512_maskz_loadu_ps(mask[j], xc + j * 16);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 wr = _mm512_set1_ps(wc[w_row[r]]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) set[r][j] = _mm512_fmadd_ps(wr, xv[j], set[r][j]);
    }
  };
  int c = 0;
  for (; c + S <= channels; c += S, x += S * x_channel, w += S * w_channel) {
#pragma GCC unroll 2
    for (int k = 0; k < S; ++k) channel(acc[k], x + k * x_channel, w + k * w_channel);
  }
  if (c < channels) channel(acc[0], x, w);  // an odd channel count's last, with two sets
}

}  // namespace
}  // namespace salient::kern::avx512
