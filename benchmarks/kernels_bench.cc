// Convolution through the engine's kernel table (the ISA kernels() serves; cap it with
// SALIENT_MAX_ISA), one thread:
//   BM_Conv2d/<shape>          forward, y = conv(x, W) + b
//   BM_Conv2dBackward/<shape>  backward data and backward weights (with the bias gradient)
//   BM_Conv2dBackwardData/<shape>  backward data only (what the explainers run)
// Shapes: SPEC §11's (batch 16, 3×3, padding 1: 3→32 at 32×32, 32→64 at 16×16, 64→128 at 8×8) and
// the digits-cnn layers at batch 32 (1→16 and 16→32 at 8×8, 3×3, padding 1). GFLOPS counts the
// real taps only (2 FLOP per multiply-add inside the input, none for the zero padding); forward
// and backward each count the product once per gradient (backward = 2× the forward's taps, backward
// data = 1×).
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "salient/kernels.h"

namespace salient::bench {
namespace {

Conv2dGeometry geometry(int n, int c_in, int hw, int c_out) {
  Conv2dGeometry g{n, c_in, hw, hw, c_out, 3, 3, 1, 1, 1, 1, 0, 0};
  g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
  return g;
}

// 2·n·c_in·c_out·(taps inside the input, summed over output positions).
double real_flops(const Conv2dGeometry& g) {
  double taps = 0;
  for (int i = 0; i < g.oh; ++i)
    for (int j = 0; j < g.ow; ++j)
      for (int u = 0; u < g.kh; ++u)
        for (int v = 0; v < g.kw; ++v) {
          const int r = i * g.sh + u - g.ph, s = j * g.sw + v - g.pw;
          taps += (r >= 0 && r < g.h && s >= 0 && s < g.w) ? 1 : 0;
        }
  return 2.0 * g.n * g.c_in * g.c_out * taps;
}

enum class Pass { kForward, kBackward, kBackwardData };

void conv(benchmark::State& state, Conv2dGeometry g, Pass pass) {
  const ThreadScope scope(1);
  const auto x = random_vector(size_t(g.n) * g.c_in * g.h * g.w, 1);
  const auto w = random_vector(size_t(g.c_out) * g.c_in * g.kh * g.kw, 2);
  const auto b = random_vector(size_t(g.c_out), 3);
  const auto gy = random_vector(size_t(g.n) * g.c_out * g.oh * g.ow, 4);
  std::vector<float> y(gy.size()), gx(x.size()), gw(w.size()), gb(b.size());
  const KernelTable& k = kernels();
  auto run = [&] {
    if (pass != Pass::kForward) {
      k.conv2d_backward_data(g, gy.data(), w.data(), gx.data());
      if (pass == Pass::kBackward) k.conv2d_backward_weights(g, x.data(), gy.data(), gw.data(), gb.data());
      benchmark::DoNotOptimize(gx.data());
      benchmark::DoNotOptimize(gw.data());
    } else {
      k.conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
      benchmark::DoNotOptimize(y.data());
    }
    benchmark::ClobberMemory();
  };
  run();  // warm-up
  const WallTimer timer;
  for (auto _ : state) run();
  report_flops(state, (pass == Pass::kBackward ? 2.0 : 1.0) * real_flops(g), timer.seconds(), 1);
}

void BM_Conv2d(benchmark::State& state, Conv2dGeometry g) { conv(state, g, Pass::kForward); }
void BM_Conv2dBackward(benchmark::State& state, Conv2dGeometry g) { conv(state, g, Pass::kBackward); }
void BM_Conv2dBackwardData(benchmark::State& state, Conv2dGeometry g) {
  conv(state, g, Pass::kBackwardData);
}

#define SALIENT_CONV_SHAPES(bm)                                                        \
  BENCHMARK_CAPTURE(bm, n16_3to32_32x32, geometry(16, 3, 32, 32))                      \
      ->Unit(benchmark::kMicrosecond);                                                 \
  BENCHMARK_CAPTURE(bm, n16_32to64_16x16, geometry(16, 32, 16, 64))                    \
      ->Unit(benchmark::kMicrosecond);                                                 \
  BENCHMARK_CAPTURE(bm, n16_64to128_8x8, geometry(16, 64, 8, 128))                     \
      ->Unit(benchmark::kMicrosecond);                                                 \
  BENCHMARK_CAPTURE(bm, digits_conv1_n32_1to16_8x8, geometry(32, 1, 8, 16))            \
      ->Unit(benchmark::kMicrosecond);                                                 \
  BENCHMARK_CAPTURE(bm, digits_conv2_n32_16to32_8x8, geometry(32, 16, 8, 32))          \
      ->Unit(benchmark::kMicrosecond)

SALIENT_CONV_SHAPES(BM_Conv2d);
SALIENT_CONV_SHAPES(BM_Conv2dBackward);
SALIENT_CONV_SHAPES(BM_Conv2dBackwardData);

}  // namespace
}  // namespace salient::bench
