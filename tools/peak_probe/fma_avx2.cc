// FMA-throughput loop on 8-lane vectors (avx2): N independent chains acc[i] = acc[i]·x + y. With
// x < 1 every chain converges to y/(1 − x) ≈ 1, so no value overflows or turns subnormal.
#include <immintrin.h>

#include "fma_loops.h"

namespace salient::peak {
namespace {

template <int N>
float loop(int64_t iterations) {
  __m256 acc[N];
#pragma GCC unroll 16
  for (int i = 0; i < N; ++i) acc[i] = _mm256_set1_ps(float(i));
  const __m256 x = _mm256_set1_ps(0.9999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t t = 0; t < iterations; ++t) {
#pragma GCC unroll 16
    for (int i = 0; i < N; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 sum = acc[0];
#pragma GCC unroll 16
  for (int i = 1; i < N; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(64) float lanes[8];
  _mm256_store_ps(lanes, sum);
  return lanes[0];
}

}  // namespace

float fma_loop_avx2(int accumulators, int64_t iterations) {
  switch (accumulators) {
    case 4: return loop<4>(iterations);
    case 8: return loop<8>(iterations);
    case 10: return loop<10>(iterations);
    case 12: return loop<12>(iterations);
    default: return 0.0f;  // not a probed count
  }
}

}  // namespace salient::peak
