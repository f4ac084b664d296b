// FMA-throughput loop on 16-lane vectors (avx512): N independent chains acc[i] = acc[i]·x + y. With
// x < 1 every chain converges to y/(1 − x) ≈ 1, so no value overflows or turns subnormal.
#include <immintrin.h>

#include "fma_loops.h"

namespace salient::peak {
namespace {

template <int N>
float loop(int64_t iterations) {
  __m512 acc[N];
#pragma GCC unroll 16
  for (int i = 0; i < N; ++i) acc[i] = _mm512_set1_ps(float(i));
  const __m512 x = _mm512_set1_ps(0.9999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t t = 0; t < iterations; ++t) {
#pragma GCC unroll 16
    for (int i = 0; i < N; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 sum = acc[0];
#pragma GCC unroll 16
  for (int i = 1; i < N; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  return lanes[0];
}

}  // namespace

float fma_loop_avx512(int accumulators, int64_t iterations) {
  switch (accumulators) {
    case 4: return loop<4>(iterations);
    case 8: return loop<8>(iterations);
    case 10: return loop<10>(iterations);
    case 12: return loop<12>(iterations);
    default: return 0.0f;  // not a probed count
  }
}

}  // namespace salient::peak
