// Kernel benchmarks through the engine's kernel table. Counter GFLOPS = 1e9 FLOP/s of real work
// (padded convolution taps are not counted).
#include <benchmark/benchmark.h>

#include <vector>

#include "salient/kernels.h"
#include "salient/random.h"

namespace {

std::vector<float> random_vector(size_t n, uint64_t seed) {
  salient::Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

void set_gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOPS"] = benchmark::Counter(flops_per_iteration * 1e-9 * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

// C[n×n] = A·B, square, one thread: 2n³ FLOP.
void BM_Sgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto a = random_vector(size_t(n) * n, 1), b = random_vector(size_t(n) * n, 2);
  std::vector<float> c(size_t(n) * n);
  const salient::KernelTable& k = salient::kernels();
  for (auto _ : state) {
    k.sgemm(salient::Trans::kNo, salient::Trans::kNo, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
            c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  set_gflops(state, 2.0 * n * n * n);
}
BENCHMARK(BM_Sgemm)->Arg(64)->Arg(128)->Arg(256)->Unit(benchmark::kMillisecond);

// 3×3, pad 1, stride 1 convolution forward, batch 16, SPEC §11's shapes as (c_in, c_out, size).
void BM_Conv2d(benchmark::State& state) {
  salient::Conv2dGeometry g{};
  g.n = 16;
  g.c_in = static_cast<int>(state.range(0));
  g.c_out = static_cast<int>(state.range(1));
  g.h = g.w = static_cast<int>(state.range(2));
  g.kh = g.kw = 3;
  g.sh = g.sw = 1;
  g.ph = g.pw = 1;
  g.oh = g.h;
  g.ow = g.w;
  const auto x = random_vector(size_t(g.n) * g.c_in * g.h * g.w, 3);
  const auto w = random_vector(size_t(g.c_out) * g.c_in * 9, 4);
  const auto b = random_vector(size_t(g.c_out), 5);
  std::vector<float> y(size_t(g.n) * g.c_out * g.oh * g.ow);
  for (auto _ : state) {
    salient::kernels().conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  // Real taps: along each axis of size s, a 3-tap window with pad 1 touches 3s − 2 inputs.
  const double taps = double(3 * g.h - 2) * (3 * g.w - 2);
  set_gflops(state, 2.0 * g.n * g.c_out * g.c_in * taps);
}
BENCHMARK(BM_Conv2d)->Args({3, 32, 32})->Args({32, 64, 16})->Args({64, 128, 8})->Unit(benchmark::kMillisecond);

}  // namespace
