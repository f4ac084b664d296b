// SGEMM through the engine's kernel table (the ISA kernels() serves; cap it with SALIENT_MAX_ISA):
//   BM_Sgemm/n      C = A·B, square n×n, no transposes, one thread   (2n³ FLOP per call)
//   BM_Sgemm_MT/n   the same on every thread (thread_count(): SALIENT_THREADS or the cores)
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "salient/kernels.h"
#include "salient/threads.h"

namespace salient::bench {
namespace {

void sgemm_square(benchmark::State& state, int threads) {
  const ThreadScope scope(threads);
  const int n = static_cast<int>(state.range(0));
  const auto a = random_vector(size_t(n) * n, 1), b = random_vector(size_t(n) * n, 2);
  std::vector<float> c(size_t(n) * n);
  const KernelTable& k = kernels();
  k.sgemm(Trans::kNo, Trans::kNo, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(),
          n);  // warm-up
  const WallTimer timer;
  for (auto _ : state) {
    k.sgemm(Trans::kNo, Trans::kNo, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  report_flops(state, 2.0 * n * n * n, timer.seconds(), threads);
}

void BM_Sgemm(benchmark::State& state) { sgemm_square(state, 1); }
void BM_Sgemm_MT(benchmark::State& state) { sgemm_square(state, thread_count()); }

BENCHMARK(BM_Sgemm)->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Unit(
    benchmark::kMicrosecond);
BENCHMARK(BM_Sgemm_MT)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace salient::bench
