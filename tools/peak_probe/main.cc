// peak_probe: prints the FMA throughput of one thread for each vector ISA and accumulator count,
// the per-core peak the benchmarks use for pct_peak, and the aggregate with every thread probing
// at once. Usage: peak_probe [threads]   (default: salient::thread_count()).
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "peak.h"
#include "salient/threads.h"

int main(int argc, char** argv) {
  using namespace salient;
  const int threads = argc > 1 ? std::atoi(argv[1]) : thread_count();
  std::printf("FMA throughput, one thread, GFLOP/s (1e9 FLOP/s)\n%-8s", "isa");
  const int counts[] = {4, 8, 10, 12};
  for (int a : counts) std::printf("  %5d acc", a);
  std::printf("\n");
  Isa best_isa = Isa::kScalar;
  double best = 0.0;
  for (Isa isa : kAllIsas) {
    if (peak::fma_gflops(isa, 8, 1, 0.001) == 0.0) continue;
    std::printf("%-8s", isa_name(isa));
    for (int a : counts) {
      const double g = peak::fma_gflops(isa, a);
      std::printf("  %9.1f", g);
      if (a >= 8 && g > best) best = g, best_isa = isa;
    }
    std::printf("\n");
  }
  std::printf("peak per core: %.1f GFLOP/s (%s)\n", best, isa_name(best_isa));
  if (best == 0.0 || threads < 2) return 0;

  std::vector<double> rates(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(
        [&rates, t, best_isa] { rates[t] = peak::fma_gflops(best_isa, 12, 5, 0.05); });
  double total = 0.0;
  for (int t = 0; t < threads; ++t) pool[t].join(), total += rates[t];
  std::printf("all %d threads at once: %.1f GFLOP/s (%.2f× one core)\n", threads, total,
              total / best);
  return 0;
}
