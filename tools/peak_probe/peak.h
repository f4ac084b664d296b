// peak_probe: the machine's FP32 peak, measured as the FMA throughput of one thread (SPEC §11,
// reference/engines.md §2.1). Peak = cores × FMA pipes × lanes × 2 FLOP per cycle; the probe gets
// it by timing a loop of independent vector FMAs, with enough accumulators to hide the FMA
// latency (latency × pipes of them). The benchmarks divide by it for their pct_peak counter.
#pragma once

#include "salient/isa.h"

namespace salient::peak {

/// GFLOP/s (1e9 FLOP/s, 2 per lane per FMA) of the calling thread running independent FMAs on
/// `accumulators` vectors of `isa`'s width (4, 8, 10 or 12), best of `trials` runs of about
/// `seconds` each. 0 when this build or CPU cannot run `isa`'s vectors (scalar and NEON: not
/// probed).
double fma_gflops(Isa isa, int accumulators, int trials = 5, double seconds = 0.02);

/// The FP32 peak of one core: the best fma_gflops over every vector ISA this CPU runs, with 8, 10
/// and 12 accumulators. 0 when nothing could be probed.
double peak_gflops_per_core();

}  // namespace salient::peak
