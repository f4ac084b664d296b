// salient info MODEL: architecture, parameter count, input/output shapes.
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "salient/io/model_file.h"
#include "shape_text.h"

namespace salient::cli {

int run_info(int argc, char** argv) {
  Args args("salient info MODEL",
            "Prints a model file's architecture (each layer's type, output shape and parameters),\n"
            "its parameter count, and its per-sample input and output shapes ('any' = any length).",
            {}, {"MODEL"});
  if (int code = parse_or_exit(args, argc, argv, "info"); code >= 0) return code;

  Result<Model> model = io::load_model(args.positional(0).c_str());
  if (!model.ok()) return fail("info", args.positional(0), model.status().message());

  std::printf("model       %s\n", args.positional(0).c_str());
  std::printf("input       %s per sample\n", shape_text(model->input_shape()).c_str());
  Shape shape = model->input_shape();
  std::printf("\n%-16s %-16s %-20s %s\n", "layer", "type", "output (per sample)", "parameters");
  for (const Layer& l : model->layers()) {
    Result<Shape> next = layer_output_shape(l, shape);
    if (!next.ok()) return fail("info", next.status().message());
    shape = *next;
    std::string params;
    int64_t count = 0;
    for (const Parameter& p : model->parameters()) {
      if (p.name.compare(0, l.name.size() + 1, l.name + ".") != 0) continue;
      if (!params.empty()) params += ' ';
      params.append(p.name, l.name.size() + 1, std::string::npos);
      params += shape_text(p.shape);
      count += p.shape.numel();
    }
    std::printf("%-16s %-16s %-20s %s%s\n", l.name.c_str(), op_kind_name(l.type), shape_text(shape).c_str(),
                count ? (std::to_string(count) + "  ").c_str() : "", params.c_str());
  }
  int64_t trainable = 0;
  for (const Parameter& p : model->parameters())
    if (p.trainable) trainable += p.shape.numel();
  std::printf("\noutput      %s per sample\n", shape_text(shape).c_str());
  std::printf("parameters  %lld (%lld trainable)\n", static_cast<long long>(model->parameter_count()),
              static_cast<long long>(trainable));
  return kExitOk;
}

}  // namespace salient::cli
