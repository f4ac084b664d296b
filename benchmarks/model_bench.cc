// Whole-pass benchmark: digits-cnn forward + input gradient through the explain API, on the
// engine's default threads. samples_per_s uses the wall clock.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_util.h"
#include "salient/explain/backprop.h"
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

}  // namespace
