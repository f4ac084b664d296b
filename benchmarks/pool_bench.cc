// Pooling through the engine's kernel table (the ISA kernels() serves; cap it with
// SALIENT_MAX_ISA), one thread:
//   BM_MaxPool2d/<shape>, BM_AvgPool2d/<shape>, BM_MaxPool2dBackward/<shape> (gx += gy routed
//   through the forward's argmax), BM_AvgPool2dBackward/<shape>
// Shapes: digits-cnn's pool (batch 32, 16 channels, 8×8, 2×2 stride 2), the same at integrated
// gradients' batch (50 points, the 32 channels of conv2), a 3×3 stride-1 pool over 16×32×32×32
// (contiguous loads) and a 1-D pool (32×64×200, kernel 2 stride 2).
// Counter outputs_per_s: pooled outputs per second of wall clock.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "bench_util.h"
#include "salient/kernels.h"

namespace salient::bench {
namespace {

Pool2dGeometry geometry(int n, int c, int h, int w, int k_h, int k_w, int s_h, int s_w) {
  return {n, c, h, w, k_h, k_w, s_h, s_w, (h - k_h) / s_h + 1, (w - k_w) / s_w + 1};
}

void pool(benchmark::State& state, Pool2dGeometry g, bool max) {
  const auto x = random_vector(size_t(g.n) * g.c * g.h * g.w, 1);
  const size_t outputs = size_t(g.n) * g.c * g.oh * g.ow;
  std::vector<float> y(outputs);
  std::vector<int32_t> argmax(outputs);
  const KernelTable& k = kernels();
  auto run = [&] {
    if (max) {
      k.maxpool2d_forward(g, x.data(), y.data(), argmax.data());
    } else {
      k.avgpool2d_forward(g, x.data(), y.data());
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  };
  run();  // warm-up
  const WallTimer timer;
  for (auto _ : state) run();
  state.counters["outputs_per_s"] = double(outputs) * double(state.iterations()) / timer.seconds();
}

// gx += the gradient of gy through the pool (max: routed through the forward's argmax).
void pool_backward(benchmark::State& state, Pool2dGeometry g, bool max) {
  const size_t inputs = size_t(g.n) * g.c * g.h * g.w, outputs = size_t(g.n) * g.c * g.oh * g.ow;
  const auto x = random_vector(inputs, 1);
  const auto gy = random_vector(outputs, 2);
  std::vector<float> y(outputs), gx(inputs, 0.0f);
  std::vector<int32_t> argmax(outputs);
  const KernelTable& k = kernels();
  k.maxpool2d_forward(g, x.data(), y.data(), argmax.data());
  auto run = [&] {
    if (max) {
      k.maxpool2d_backward(g, argmax.data(), gy.data(), gx.data());
    } else {
      k.avgpool2d_backward(g, gy.data(), gx.data());
    }
    benchmark::DoNotOptimize(gx.data());
    benchmark::ClobberMemory();
  };
  run();  // warm-up
  const WallTimer timer;
  for (auto _ : state) run();
  state.counters["outputs_per_s"] = double(outputs) * double(state.iterations()) / timer.seconds();
}

void BM_MaxPool2d(benchmark::State& state, Pool2dGeometry g) { pool(state, g, true); }
void BM_AvgPool2d(benchmark::State& state, Pool2dGeometry g) { pool(state, g, false); }
void BM_MaxPool2dBackward(benchmark::State& state, Pool2dGeometry g) {
  pool_backward(state, g, true);
}
void BM_AvgPool2dBackward(benchmark::State& state, Pool2dGeometry g) {
  pool_backward(state, g, false);
}

#define SALIENT_POOL_SHAPES(bm)                                                         \
  BENCHMARK_CAPTURE(bm, digits_n32_c16_8x8_k2s2, geometry(32, 16, 8, 8, 2, 2, 2, 2))    \
      ->Unit(benchmark::kMicrosecond);                                                  \
  BENCHMARK_CAPTURE(bm, digits_ig_n50_c32_8x8_k2s2, geometry(50, 32, 8, 8, 2, 2, 2, 2)) \
      ->Unit(benchmark::kMicrosecond);                                                  \
  BENCHMARK_CAPTURE(bm, n16_c32_32x32_k3s1, geometry(16, 32, 32, 32, 3, 3, 1, 1))       \
      ->Unit(benchmark::kMicrosecond);                                                  \
  BENCHMARK_CAPTURE(bm, pool1d_n32_c64_l200_k2s2, geometry(32, 64, 1, 200, 1, 2, 1, 2)) \
      ->Unit(benchmark::kMicrosecond)
SALIENT_POOL_SHAPES(BM_MaxPool2d);
SALIENT_POOL_SHAPES(BM_AvgPool2d);
SALIENT_POOL_SHAPES(BM_MaxPool2dBackward);
SALIENT_POOL_SHAPES(BM_AvgPool2dBackward);

}  // namespace
}  // namespace salient::bench
