// salient predict --model M --input X.npy [--out Y.npy]: the model's outputs for a batch of inputs,
// computed in chunks of samples so memory stays bounded, with progress on stderr.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "salient/graph.h"
#include "salient/io/model_file.h"
#include "salient/io/npy.h"

namespace salient::cli {
namespace {

// Samples per forward: enough to amortise per-op overhead, small enough to bound the arena.
constexpr int64_t kChunk = 256;

void print_rows(const float* y, const Shape& shape) {
  const int64_t per_sample = shape.numel_from(1);
  for (int64_t n = 0; n < shape[0]; ++n) {
    for (int64_t j = 0; j < per_sample; ++j) std::printf(j ? " %.9g" : "%.9g", y[n * per_sample + j]);
    std::printf("\n");
  }
}

}  // namespace

int run_predict(int argc, char** argv) {
  Args args("salient predict --model M --input X.npy [--out Y.npy] [--quiet]",
            "Runs the model (inference mode: dropout off, batchnorm running statistics) on every\n"
            "sample of X.npy (shape [N] + the model's per-sample input shape) and writes the outputs\n"
            "to Y.npy, or prints one line per sample when --out is not given.",
            {{"--model", "M", "model file (.safetensors, SPEC §4)", true},
             {"--input", "X.npy", "input array", true},
             {"--out", "Y.npy", "output array (float32)"},
             {"--quiet", nullptr, "no progress on stderr"}});
  if (int code = parse_or_exit(args, argc, argv, "predict"); code >= 0) return code;

  Result<Model> model = io::load_model(args.get("--model"));
  if (!model.ok()) return fail("predict", args.get("--model"), model.status().message());
  Result<io::Array> x = io::read_npy(args.get("--input"));
  if (!x.ok()) return fail("predict", args.get("--input"), x.status().message());
  Result<Shape> out_shape = model->output_shape(x->shape);
  if (!out_shape.ok()) return fail("predict", out_shape.status().message());

  const int64_t n = x->shape[0];
  const int64_t in_per_sample = x->shape.numel_from(1);
  std::vector<float> y;
  Shape y_shape;
  Arena arena;
  Progress progress("predict", n, args.has("--quiet"));
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t count = std::min(kChunk, n - start);
    Shape chunk_shape = x->shape;
    chunk_shape[0] = count;
    arena.reset();
    Graph g(arena, GraphOptions{.record = false});
    Tensor out = model->forward(g, g.input(x->data.data() + start * in_per_sample, chunk_shape));
    if (!g.ok()) return fail("predict", g.status().message());
    if (y.empty()) {
      y_shape = out.shape;
      y_shape[0] = n;
      y.resize(static_cast<size_t>(y_shape.numel()));
    }
    std::memcpy(y.data() + start * y_shape.numel_from(1), out.data, sizeof(float) * out.numel());
    progress.update(start + count);
  }
  if (const char* path = args.get("--out")) {
    Status s = io::write_npy(path, y.data(), y_shape);
    if (!s.ok()) return fail("predict", path, s.message());
  } else {
    print_rows(y.data(), y_shape);
  }
  return kExitOk;
}

}  // namespace salient::cli
