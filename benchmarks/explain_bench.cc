// Explainer benchmarks: BM_Explain/<method>/<model> for every registered method
// (explain::methods()) on one sample of digits-cnn (1×1×8×8) and hmm-gru (1×200×3), one thread,
// with the per-method settings of the parity table (benchmarks/README.md, tools/parity/README.md):
//   occlusion          digits window 1,3,3 stride 1;  hmm window 10,3 stride 10,3
//   feature-ablation, feature-permutation, shapley-sampling, kernel-shap, lime
//                      digits: each scalar a feature (a mask of 64 groups); hmm: 20 groups of
//                      10 steps × 3 features
//   shapley-exact      8 groups (digits: 2×4 blocks of 4×2 pixels; hmm: 25-step blocks)
//   feature-permutation  two samples (a batch of one has nothing to permute with)
//   gradient-shap, deeplift-shap  a baseline set of 10 rows
//   lrp-alpha-beta     alpha 1, beta 0 (Captum's Alpha1_Beta0_Rule)
//   every other key    the registry's default
//   target             each sample's argmax class at x (at the last step of hmm-gru), computed
//                      once and passed explicitly, as the Captum timing passes its target
// Models and inputs: the presets with init_default(1) and uniform [−1, 1) inputs, or, when
// SALIENT_EXPLAIN_BENCH_DATA names a directory, <dir>/<model>.safetensors, <dir>/<model>_x.npy (two
// samples; one-sample methods use the first) and <dir>/<model>_baselines.npy (tools/parity writes
// them, so both sides run the same weights and inputs). A method that cannot run on a model
// (grad-cam on a GRU) is reported as skipped with the method's error.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "salient/explain/backprop.h"
#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/io/model_file.h"
#include "salient/io/npy.h"
#include "salient/presets.h"

namespace {

using salient::Shape;
using salient::explain::Setting;

constexpr int kBaselineRows = 10;

/// What one model's benchmarks share: the model, two samples, the baseline set and the mask files.
struct ExplainCase {
  const char* name;
  Shape sample;  // per-sample shape
  salient::Model model;
  std::vector<float> x;          // two samples
  std::vector<float> baselines;  // kBaselineRows samples
  std::string feature_mask;      // .npy: the perturbation methods' groups
  std::string exact_mask;        // .npy: shapley-exact's 8 groups
};

Shape batch_shape(const Shape& sample, int64_t n) {
  Shape s;
  s.rank = sample.rank + 1;
  s[0] = n;
  for (int i = 0; i < sample.rank; ++i) s[i + 1] = sample[i];
  return s;
}

/// Group id of each scalar of a per-sample shape: the index of its block (block sizes `block`, one
/// per dim), row-major over the blocks.
std::vector<float> block_mask(const Shape& sample, const std::vector<int64_t>& block) {
  std::vector<float> mask(static_cast<size_t>(sample.numel()));
  for (int64_t i = 0; i < sample.numel(); ++i) {
    int64_t rest = i, group = 0, stride = 1;
    for (int d = sample.rank - 1; d >= 0; --d) {
      const int64_t index = rest % sample[d];
      rest /= sample[d];
      const int64_t blocks = (sample[d] + block[d] - 1) / block[d];
      group += (index / block[d]) * stride;
      stride *= blocks;
    }
    mask[static_cast<size_t>(i)] = static_cast<float>(group);
  }
  return mask;
}

std::string write_mask(const std::string& file, const std::vector<float>& mask,
                       const Shape& sample) {
  const std::string path = (std::filesystem::temp_directory_path() / file).string();
  salient::Status s = salient::io::write_npy(path.c_str(), mask.data(), sample);
  return s.ok() ? path : std::string();
}

/// Loads <dir>/<name>.safetensors and its inputs when SALIENT_EXPLAIN_BENCH_DATA is set, else the
/// preset with init_default(1) and seeded uniform inputs. nullptr (with `error`) on failure.
std::unique_ptr<ExplainCase> make_case(const char* name, const Shape& sample,
                                       const std::vector<int64_t>& mask_block,
                                       const std::vector<int64_t>& exact_block,
                                       std::string* error) {
  const char* dir = std::getenv("SALIENT_EXPLAIN_BENCH_DATA");
  salient::Result<salient::Model> model =
      dir ? salient::io::load_model((std::string(dir) + "/" + name + ".safetensors").c_str())
          : salient::preset_model(name);
  if (!model.ok()) {
    *error = model.status().message();
    return nullptr;
  }
  auto c =
      std::make_unique<ExplainCase>(ExplainCase{name, sample, std::move(*model), {}, {}, {}, {}});
  const size_t per_sample = static_cast<size_t>(sample.numel());
  if (dir) {
    salient::Result<salient::io::Array> x =
        salient::io::read_npy((std::string(dir) + "/" + name + "_x.npy").c_str());
    salient::Result<salient::io::Array> b =
        salient::io::read_npy((std::string(dir) + "/" + name + "_baselines.npy").c_str());
    if (!x.ok() || !b.ok()) {
      *error = !x.ok() ? x.status().message() : b.status().message();
      return nullptr;
    }
    if (x->data.size() != 2 * per_sample || b->data.size() != kBaselineRows * per_sample) {
      *error = "inputs must hold 2 samples and the baselines 10";
      return nullptr;
    }
    c->x = std::move(x->data);
    c->baselines = std::move(b->data);
  } else {
    c->model.init_default(1);
    c->x = salient::bench::random_vector(2 * per_sample, 2);
    c->baselines = salient::bench::random_vector(kBaselineRows * per_sample, 3);
  }
  c->feature_mask = write_mask(std::string("salient_bench_mask_") + name + ".npy",
                               block_mask(sample, mask_block), sample);
  c->exact_mask = write_mask(std::string("salient_bench_exact_") + name + ".npy",
                             block_mask(sample, exact_block), sample);
  if (c->feature_mask.empty() || c->exact_mask.empty()) {
    *error = "cannot write the feature masks to the temporary directory";
    return nullptr;
  }
  return c;
}

bool is_digits(const ExplainCase& c) { return std::string(c.name) == "digits-cnn"; }

/// The parity table's settings for `method` on `c` (the header comment lists them).
std::vector<Setting> settings_for(const std::string& method, const ExplainCase& c) {
  if (method == "occlusion") {
    return is_digits(c) ? std::vector<Setting>{{"window", "1,3,3"}, {"stride", "1"}}
                        : std::vector<Setting>{{"window", "10,3"}, {"stride", "10,3"}};
  }
  if (method == "shapley-exact") return {{"feature_mask", c.exact_mask}};
  if (method == "lrp-alpha-beta") return {{"alpha", "1"}, {"beta", "0"}};
  const bool grouped = method == "feature-ablation" || method == "feature-permutation" ||
                       method == "shapley-sampling" || method == "kernel-shap" || method == "lime";
  if (grouped) return {{"feature_mask", c.feature_mask}};
  return {};
}

/// Each sample's argmax class at x (a per-step model's at its last step).
std::vector<int32_t> argmax_targets(const salient::Model& model, const float* x, const Shape& shape) {
  salient::Result<Shape> out = model.output_shape(shape);
  salient::Result<salient::Model> last = model.with_output_step(salient::Model::kLastStep);
  const salient::Model& m = out.ok() && out->rank == 3 && last.ok() ? *last : model;
  salient::Arena arena;
  salient::GraphOptions options;
  options.record = false;
  salient::Graph g(arena, options);
  const salient::Tensor y = m.forward(g, g.input(x, shape, false));
  std::vector<int32_t> targets;
  if (!g.ok() || y.shape.rank != 2) return targets;
  const int64_t c = y.shape[1];
  for (int64_t i = 0; i < y.shape[0]; ++i) {
    salient::Result<int32_t> best =
        salient::explain::target_column(y.data + i * c, c, salient::explain::Target{}, i, "bench");
    if (!best.ok()) return {};
    targets.push_back(*best);
  }
  return targets;
}

void BM_Explain(benchmark::State& state, const salient::explain::Method* method,
                const ExplainCase* c) {
  const salient::bench::ThreadScope one_thread(1);
  const std::string name = method->name;
  const int64_t n = name == "feature-permutation" ? 2 : 1;
  salient::explain::Request request;
  request.model = &c->model;
  request.x = c->x.data();
  request.shape = batch_shape(c->sample, n);
  request.settings = settings_for(name, *c);
  request.seed = 1;
  request.baselines = c->baselines.data();
  request.baselines_shape = batch_shape(c->sample, kBaselineRows);
  const std::vector<int32_t> targets = argmax_targets(c->model, request.x, request.shape);
  if (targets.size() != static_cast<size_t>(n)) {
    state.SkipWithError("cannot compute the argmax targets");
    return;
  }
  request.target.columns = targets.data();
  const salient::Result<Shape> out_shape = salient::explain::output_shape(*method, request);
  if (!out_shape.ok()) {
    state.SkipWithError(out_shape.status().message());
    return;
  }
  std::vector<float> attributions(static_cast<size_t>(out_shape->numel()));
  salient::Arena arena;
  for (auto _ : state) {
    arena.reset();
    const salient::Status s =
        salient::explain::run_method(name, request, arena, attributions.data());
    if (!s.ok()) {
      state.SkipWithError(s.message());
      break;
    }
    benchmark::DoNotOptimize(attributions.data());
  }
}

/// Registers BM_Explain/<method>/<model> for every method; the cases live for the whole run. A
/// model that cannot be set up registers BM_Explain/<model>, which reports why.
bool register_explain_benchmarks() {
  static std::vector<std::unique_ptr<ExplainCase>> cases;
  static std::vector<std::string> errors;
  struct Spec {
    const char* name;
    Shape sample;
    std::vector<int64_t> mask_block, exact_block;
  };
  for (const Spec& spec : {Spec{"digits-cnn", Shape{1, 8, 8}, {1, 1, 1}, {1, 4, 2}},
                           Spec{"hmm-gru", Shape{200, 3}, {10, 3}, {25, 3}}}) {
    std::string error;
    std::unique_ptr<ExplainCase> c =
        make_case(spec.name, spec.sample, spec.mask_block, spec.exact_block, &error);
    if (!c) {
      const std::string& message = errors.emplace_back(error);
      benchmark::RegisterBenchmark(
          (std::string("BM_Explain/") + spec.name).c_str(),
          [&message](benchmark::State& state) { state.SkipWithError(message.c_str()); });
      continue;
    }
    for (const salient::explain::Method& method : salient::explain::methods()) {
      benchmark::RegisterBenchmark(
          (std::string("BM_Explain/") + method.name + "/" + spec.name).c_str(), BM_Explain, &method,
          c.get())
          ->Unit(benchmark::kMillisecond);
    }
    cases.push_back(std::move(c));
  }
  return true;
}

const bool registered = register_explain_benchmarks();

}  // namespace
