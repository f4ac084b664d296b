// Whole-pass benchmark: digits-cnn forward + input gradient through the explain API, on the
// engine's default threads. samples_per_s uses the wall clock.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_util.h"
#include "salient/explain/backprop.h"
#include "salient/model.h"
#include "salient/presets.h"
#include "salient/random.h"

namespace {

void BM_DigitsCnnForwardBackward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  salient::Result<salient::Model> model = salient::preset_model("digits-cnn");
  if (!model.ok()) {
    state.SkipWithError(model.status().message());
    return;
  }
  model->init_default(1);
  salient::Rng rng(2);
  std::vector<float> x(size_t(batch) * 64), attributions(x.size());
  for (float& v : x) v = rng.uniform();
  salient::Arena arena;
  const salient::bench::WallTimer timer;
  for (auto _ : state) {
    arena.reset();
    salient::Status s =
        salient::explain::backprop(*model, x.data(), salient::Shape{batch, 1, 8, 8}, {},
                                   salient::gradient_rules(), arena, attributions.data());
    if (!s.ok()) state.SkipWithError(s.message());
    benchmark::DoNotOptimize(attributions.data());
  }
  state.counters["samples_per_s"] = double(batch) * double(state.iterations()) / timer.seconds();
}
BENCHMARK(BM_DigitsCnnForwardBackward)->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond);

// GRU(3→200) over T = 200 steps, last step into linear(200→2); forward over the sequence, then the
// gradient of output class 1 w.r.t. the input (SPEC §11's GRU target), on the engine's threads.
void gru_forward_backward(benchmark::State& state, int batch) {
  constexpr int kSteps = 200;
  salient::Result<salient::Model> model = salient::Model::create(
      salient::Shape{0, 3}, {salient::Layer::gru("gru", 3, 200, /*all_steps=*/false),
                             salient::Layer::linear("fc", 200, 2)});
  if (!model.ok()) {
    state.SkipWithError(model.status().message());
    return;
  }
  model->init_default(1);
  std::vector<float> x = salient::bench::random_vector(size_t(batch) * kSteps * 3, 3);
  std::vector<float> attributions(x.size());
  const std::vector<int32_t> target(size_t(batch), 1);
  salient::Arena arena;
  const salient::bench::WallTimer timer;
  for (auto _ : state) {
    arena.reset();
    salient::Status s = salient::explain::backprop(
        *model, x.data(), salient::Shape{batch, kSteps, 3}, {target.data()},
        salient::gradient_rules(), arena, attributions.data());
    if (!s.ok()) state.SkipWithError(s.message());
    benchmark::DoNotOptimize(attributions.data());
  }
  state.counters["samples_per_s"] = double(batch) * double(state.iterations()) / timer.seconds();
}
void gru_b1(benchmark::State& state) { gru_forward_backward(state, 1); }
void gru_b32(benchmark::State& state) { gru_forward_backward(state, 32); }
BENCHMARK(gru_b1)->Name("BM_GruForwardBackward/B1")->Unit(benchmark::kMillisecond);
BENCHMARK(gru_b32)->Name("BM_GruForwardBackward/B32")->Unit(benchmark::kMillisecond);

}  // namespace
