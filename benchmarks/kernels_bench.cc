// Convolution kernels through the engine's kernel table. GFLOPS counts real work only (padded
// taps are not counted); one thread.
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "salient/kernels.h"

namespace salient::bench {
namespace {

// 3×3, pad 1, stride 1 convolution forward, batch 16, SPEC §11's shapes as (c_in, c_out, size).
void BM_Conv2d(benchmark::State& state) {
  const ThreadScope scope(1);
  Conv2dGeometry g{};
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
  const WallTimer timer;
  for (auto _ : state) {
    kernels().conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  // Real taps: along each axis of size s, a 3-tap window with pad 1 touches 3s − 2 inputs.
  const double taps = double(3 * g.h - 2) * (3 * g.w - 2);
  report_flops(state, 2.0 * g.n * g.c_out * g.c_in * taps, timer.seconds(), 1);
}
BENCHMARK(BM_Conv2d)
    ->Args({3, 32, 32})
    ->Args({32, 64, 16})
    ->Args({64, 128, 8})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace salient::bench
