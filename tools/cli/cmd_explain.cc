// salient explain --model M --input X.npy --method NAME [--target C] [--set k=v ...] [--seed S] --out A.npy
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "salient/explain/methods.h"
#include "salient/io/model_file.h"
#include "salient/io/npy.h"
#include "values.h"

namespace salient::cli {
namespace {

// The method's ProgressSink drawn as a Progress bar; a new bar whenever the method starts a loop
// with another total.
struct ExplainProgress {
  std::string label;
  bool quiet = false;
  int64_t total = -1;
  std::unique_ptr<Progress> bar;

  static void report(void* context, int64_t done, int64_t total) {
    auto* self = static_cast<ExplainProgress*>(context);
    if (total != self->total || !self->bar) {
      self->bar.reset();
      self->bar = std::make_unique<Progress>(self->label.c_str(), total, self->quiet);
      self->total = total;
    }
    self->bar->update(done);
  }
};

}  // namespace

int run_explain(int argc, char** argv) {
  Args args("salient explain --model M --input X.npy --method NAME [--target C] [--baseline zero|mean|B.npy]\n"
            "                       [--baselines S.npy] [--set key=value ...] [--seed S] [--quiet] --out A.npy",
            "Explains the model's output for every sample of X.npy with an explainer (salient methods\n"
            "lists them) and writes attributions of X's shape to A.npy.",
            {{"--model", "M", "model file (.safetensors)", true},
             {"--input", "X.npy", "inputs, [N] + the model's per-sample shape", true},
             {"--method", "NAME", "explainer", true},
             {"--out", "A.npy", "attributions (float32, X's shape; grad-cam: N×1×spatial; relevance_at=LAYER: that layer's output shape)", true},
             {"--target", "C", "output column to explain (default: each sample's argmax)"},
             {"--baseline", "zero|mean|B.npy", "reference input (default zero; B.npy: X's shape or per-sample shape)"},
             {"--baselines", "S.npy", "baseline set [B, per-sample shape] (gradient-shap, deeplift-shap)"},
             {"--set", "key=value", "method parameter (salient methods NAME lists them)", false, true},
             {"--seed", "S", "seed of stochastic methods (default 0)"},
             {"--quiet", nullptr, "no progress on stderr"}});
  if (int code = parse_or_exit(args, argc, argv, "explain"); code >= 0) return code;

  explain::Request request;
  std::vector<Setting> settings;
  std::string problem;
  if (!split_settings(args.all("--set"), &settings, &problem)) return usage_error("explain", problem.c_str());
  for (const Setting& s : settings) request.settings.push_back({s.key, s.value});
  if (!parse_uint(args.get("--seed", "0"), &request.seed)) return usage_error("explain", "--seed needs a non-negative integer");
  if (!explain::find_method(args.get("--method")))
    return usage_error("explain", ("unknown method '" + std::string(args.get("--method")) + "'").c_str());

  Result<Model> model = io::load_model(args.get("--model"));
  if (!model.ok()) return fail("explain", args.get("--model"), model.status().message());
  Result<io::Array> x = io::read_npy(args.get("--input"));
  if (!x.ok()) return fail("explain", args.get("--input"), x.status().message());
  if (x->shape.rank < 1) return fail("explain", args.get("--input"), "needs a batch dimension");

  std::vector<int32_t> targets;
  if (const char* t = args.get("--target")) {
    uint64_t column = 0;
    if (!parse_uint(t, &column) || column > 1000000) return usage_error("explain", "--target needs a column index");
    targets.assign(static_cast<size_t>(x->shape[0]), static_cast<int32_t>(column));
    request.target.columns = targets.data();
  }
  // --baseline: a name, or a .npy of X's full shape (one per sample) or per-sample shape (broadcast).
  std::vector<float> baseline(x->data.size());
  const std::string baseline_arg = args.get("--baseline", "zero");
  if (baseline_arg == "zero" || baseline_arg == "mean") {
    Status s = explain::resolve_baseline(baseline_arg, x->data.data(), x->shape, baseline.data());
    if (!s.ok()) return fail("explain", s.message());
  } else {
    Result<io::Array> b = io::read_npy(baseline_arg.c_str());
    if (!b.ok()) return fail("explain", baseline_arg, b.status().message());
    const int64_t per_sample = x->shape.numel_from(1);
    Shape per_sample_shape;
    per_sample_shape.rank = x->shape.rank - 1;
    for (int i = 1; i < x->shape.rank; ++i) per_sample_shape[i - 1] = x->shape[i];
    if (b->shape == x->shape) {
      baseline = b->data;
    } else if (b->shape == per_sample_shape) {
      for (int64_t n = 0; n < x->shape[0]; ++n) std::copy(b->data.begin(), b->data.end(), baseline.begin() + n * per_sample);
    } else {
      return fail("explain", baseline_arg,
                  ("baseline shape " + std::string(ShapeStr(b->shape).c_str()) + " is neither the input's " +
                   ShapeStr(x->shape).c_str() + " nor its per-sample " + ShapeStr(per_sample_shape).c_str())
                      .c_str());
    }
  }
  request.baseline = baseline.data();
  io::Array baselines;
  if (const char* path = args.get("--baselines")) {
    Result<io::Array> b = io::read_npy(path);
    if (!b.ok()) return fail("explain", path, b.status().message());
    bool fits = b->shape.rank == x->shape.rank && b->shape[0] >= 1;
    for (int i = 1; fits && i < x->shape.rank; ++i) fits = b->shape[i] == x->shape[i];
    if (!fits) return fail("explain", path, "the baseline set must be [B] + the input's per-sample shape");
    baselines = std::move(*b);
    request.baselines = baselines.data.data();
    request.baselines_shape = baselines.shape;
  }
  request.model = &*model;
  request.x = x->data.data();
  request.shape = x->shape;
  // Most methods write X's shape; grad-cam writes N×1×spatial, relevance_at=LAYER that layer's
  // output shape (explain::output_shape).
  Result<Shape> out_shape = explain::output_shape(*explain::find_method(args.get("--method")), request);
  if (!out_shape.ok()) return fail("explain", out_shape.status().message());
  std::vector<float> attributions(static_cast<size_t>(out_shape->numel()));
  ExplainProgress progress;
  progress.label = "explain " + std::string(args.get("--method"));
  progress.quiet = args.has("--quiet");
  request.progress = {ExplainProgress::report, &progress};
  Arena arena;
  Status s = explain::run_method(args.get("--method"), request, arena, attributions.data());
  if (!s.ok()) return fail("explain", s.message());
  s = io::write_npy(args.get("--out"), attributions.data(), *out_shape);
  if (!s.ok()) return fail("explain", args.get("--out"), s.message());
  return kExitOk;
}

}  // namespace salient::cli
