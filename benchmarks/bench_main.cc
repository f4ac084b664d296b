// salient_bench's main: measures the FP32 peak with tools/peak_probe (under a second) unless
// SALIENT_PEAK_GFLOPS gives it, records it and the kernel ISA and thread count in the benchmark
// context, then runs the benchmarks.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.h"
#include "peak.h"
#include "salient/kernels.h"
#include "salient/threads.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const char* fixed = std::getenv("SALIENT_PEAK_GFLOPS");
  const double peak = fixed ? std::atof(fixed) : salient::peak::peak_gflops_per_core();
  salient::bench::set_peak_gflops(peak);
  char text[64];
  std::snprintf(text, sizeof text, "%.1f GFLOP/s (%s)", peak,
                fixed ? "SALIENT_PEAK_GFLOPS" : "peak_probe");
  benchmark::AddCustomContext("peak_per_core", text);
  benchmark::AddCustomContext("kernels_isa", salient::kernels().isa);
  benchmark::AddCustomContext("threads", std::to_string(salient::thread_count()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
