// peak_probe's measurement: times the FMA loops and converts to GFLOP/s.
#include "peak.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "fma_loops.h"

namespace salient::peak {
namespace {

using LoopFn = float (*)(int, int64_t);

LoopFn loop_for(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return fma_loop_avx2;
  if (isa == Isa::kAvx512) return fma_loop_avx512;
#endif
  return nullptr;
}

int lanes(Isa isa) { return isa == Isa::kAvx512 ? 16 : 8; }

volatile float g_sink;  // keeps each loop's result alive

double seconds_for(LoopFn loop, int accumulators, int64_t iterations) {
  const auto start = std::chrono::steady_clock::now();
  g_sink = loop(accumulators, iterations);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double fma_gflops(Isa isa, int accumulators, int trials, double seconds) {
  const LoopFn loop = loop_for(isa);
  const bool known =
      accumulators == 4 || accumulators == 8 || accumulators == 10 || accumulators == 12;
  if (!loop || !known || !isa_within(isa, cpu_isa())) return 0.0;
  // Calibrate the iteration count to about `seconds`, then keep the fastest trial.
  int64_t iterations = 1 << 16;
  while (seconds_for(loop, accumulators, iterations) < seconds / 4) iterations *= 2;
  iterations =
      static_cast<int64_t>(iterations * seconds / seconds_for(loop, accumulators, iterations)) + 1;
  double best = 0.0;
  for (int t = 0; t < trials; ++t) {
    const double flops = 2.0 * lanes(isa) * accumulators * double(iterations);
    best = std::max(best, flops / seconds_for(loop, accumulators, iterations) * 1e-9);
  }
  return best;
}

double peak_gflops_per_core() {
  double best = 0.0;
  for (Isa isa : kAllIsas)
    for (int accumulators : {8, 10, 12}) best = std::max(best, fma_gflops(isa, accumulators));
  return best;
}

}  // namespace salient::peak
