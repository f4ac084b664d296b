#include "bench_util.h"

#include "salient/random.h"
#include "salient/threads.h"

namespace salient::bench {
namespace {
double g_peak = 0.0;
}  // namespace

std::vector<float> random_vector(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

void set_peak_gflops(double per_core) { g_peak = per_core; }
double peak_gflops() { return g_peak; }

ThreadScope::ThreadScope(int threads) : saved_(thread_count()) { set_thread_count(threads); }
ThreadScope::~ThreadScope() { set_thread_count(saved_); }

void report_flops(benchmark::State& state, double flops_per_iteration, double seconds,
                  int threads) {
  if (seconds <= 0.0) return;
  const double gflops = flops_per_iteration * double(state.iterations()) / seconds * 1e-9;
  state.counters["GFLOPS"] = gflops;
  if (g_peak > 0.0) state.counters["pct_peak"] = 100.0 * gflops / (threads * g_peak);
}

}  // namespace salient::bench
