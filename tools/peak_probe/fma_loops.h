// The timed FMA loops, one per vector width, each in a translation unit built with its ISA's flags.
#pragma once

#include <cstdint>

namespace salient::peak {

/// Runs `iterations` steps of acc[i] = acc[i]·x + y on `accumulators` independent vectors and
/// returns their sum (so the loop cannot be dropped). accumulators: 4, 8, 10 or 12.
float fma_loop_avx2(int accumulators, int64_t iterations);    // 8-lane ymm
float fma_loop_avx512(int accumulators, int64_t iterations);  // 16-lane zmm

}  // namespace salient::peak
