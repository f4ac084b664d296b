// What the benchmark files share: seeded inputs, a thread-count scope, and the GFLOPS / pct_peak
// counters. FLOP rates use the wall clock around the whole timed loop, so work done on pool threads
// counts and one-thread and all-thread runs compare directly.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace salient::bench {

/// n values uniform in [−1, 1), reproducible from `seed`.
std::vector<float> random_vector(size_t n, uint64_t seed);

/// The per-core FP32 peak (GFLOP/s) that pct_peak divides by; main() sets it once from
/// tools/peak_probe, or from SALIENT_PEAK_GFLOPS when that is set. 0: pct_peak is not reported.
void set_peak_gflops(double per_core);
double peak_gflops();

/// Sets salient::thread_count() for one benchmark and restores it afterwards.
class ThreadScope {
 public:
  explicit ThreadScope(int threads);
  ~ThreadScope();

 private:
  int saved_;
};

/// Wall-clock seconds since construction (start it right before `for (auto _ : state)`).
class WallTimer {
 public:
  WallTimer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Counters GFLOPS = flops_per_iteration·iterations / seconds / 1e9 and
/// pct_peak = 100·GFLOPS / (threads·peak_gflops()).
void report_flops(benchmark::State& state, double flops_per_iteration, double seconds, int threads);

}  // namespace salient::bench
