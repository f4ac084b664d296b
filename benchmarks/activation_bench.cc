// ReLU forward and backward through the engine's kernel table (the ISA kernels() serves; cap it
// with SALIENT_MAX_ISA), one thread, on digits-cnn's activation sizes at integrated gradients'
// batch of 50 (conv1's 50×16×8×8 = 51 200 and conv2's 50×32×8×8 = 102 400 values):
//   BM_Relu/<n>          y = max(x, 0)           (reads x, writes y)
//   BM_ReluBackward/<n>  gx += gy·[x > 0]         (reads x, gy and gx, writes gx)
// Counter bytes_per_s: bytes read and written per second of wall clock (4 per float each way), to
// compare with the cache bandwidth.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_util.h"
#include "salient/kernels.h"

namespace salient::bench {
namespace {

void BM_Relu(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto x = random_vector(size_t(n), 1);
  std::vector<float> y(static_cast<size_t>(n));
  const KernelTable& k = kernels();
  k.relu(n, x.data(), y.data());  // warm-up
  const WallTimer timer;
  for (auto _ : state) {
    k.relu(n, x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes_per_s"] = 8.0 * double(n) * double(state.iterations()) / timer.seconds();
}

void BM_ReluBackward(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto x = random_vector(size_t(n), 1);
  const auto gy = random_vector(size_t(n), 2);
  std::vector<float> gx(static_cast<size_t>(n), 0.0f);
  const KernelTable& k = kernels();
  k.relu_backward(n, x.data(), gy.data(), gx.data());  // warm-up
  const WallTimer timer;
  for (auto _ : state) {
    k.relu_backward(n, x.data(), gy.data(), gx.data());
    benchmark::DoNotOptimize(gx.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes_per_s"] = 16.0 * double(n) * double(state.iterations()) / timer.seconds();
}

BENCHMARK(BM_Relu)->Arg(51200)->Arg(102400)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReluBackward)->Arg(51200)->Arg(102400)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace salient::bench
