// salient_demo: builds the digits-cnn architecture (SPEC §9) with PyTorch's default initialisation,
// runs it on a synthetic 8×8 "digit", and explains the predicted class with the input gradient,
// then with a swapped ReLU rule (the signal passed through unmasked), to show rule sets at work.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "salient/explain/backprop.h"
#include "salient/model.h"
#include "salient/presets.h"
#include "salient/rules.h"

namespace {

void print_help() {
  std::printf(
      "usage: salient_demo [--seed S] [--help]\n\n"
      "Builds the digits-cnn model (conv 1->16, conv 16->32, maxpool, 512->64->10) with seeded\n"
      "PyTorch-default weights, runs it on a synthetic 8x8 image of a '7', prints the class scores,\n"
      "and maps the input gradient of the predicted class (and the same with the ReLU backward\n"
      "replaced by a pass-through rule) as an 8x8 heat map.\n");
}

// A '7' drawn on the 8×8 grid, pixel values in [0, 1].
std::vector<float> synthetic_seven() {
  static const char* rows[8] = {"........", ".######.", "......#.", ".....#..",
                                "....#...", "...#....", "...#....", "........"};
  std::vector<float> x(64);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) x[i * 8 + j] = rows[i][j] == '#' ? 1.0f : 0.0f;
  return x;
}

void print_map(const char* title, const float* a) {
  static const char* shades = " .:-=+*#%@";
  float peak = 0.0f;
  for (int i = 0; i < 64; ++i) peak = std::fmax(peak, std::fabs(a[i]));
  std::printf("%s (|value| / %.3g; '+' positive, '-' negative)\n", title, peak);
  for (int i = 0; i < 8; ++i) {
    std::printf("  ");
    for (int j = 0; j < 8; ++j) {
      const float v = peak > 0 ? a[i * 8 + j] / peak : 0.0f;
      const int level = static_cast<int>(std::fabs(v) * 9.0f + 0.5f);
      std::printf("%c%c ", v >= 0 ? '+' : '-', shades[level]);
    }
    std::printf("\n");
  }
}

// A ReLU backward rule that ignores the forward mask: gx += gy.
void relu_pass_through(const salient::Node& n, salient::BackwardContext& ctx, const void*) {
  float* gx = ctx.grad_in(n, 0);
  if (gx) ctx.kernels().accumulate(ctx.output(n).shape.numel(), ctx.grad_out(n), gx);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned long long seed = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      print_help();
      return 0;
    }
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      char* end = nullptr;
      seed = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0') {
        std::fprintf(stderr, "salient_demo: --seed needs a non-negative integer\n");
        return 2;
      }
      continue;
    }
    std::fprintf(stderr, "salient_demo: unknown argument '%s' (see --help)\n", argv[i]);
    return 2;
  }

  salient::Result<salient::Model> model = salient::preset_model("digits-cnn");
  if (!model.ok()) {
    std::fprintf(stderr, "salient_demo: %s\n", model.status().message());
    return 1;
  }
  model->init_default(seed);
  std::printf("digits-cnn: %zu layers, %lld parameters, kernels: %s, seed %llu\n", model->layers().size(),
              static_cast<long long>(model->parameter_count()), salient::kernels().isa, seed);

  const std::vector<float> x = synthetic_seven();
  std::vector<float> gradient(64), pass_through(64), logits(10);
  int32_t predicted = 0;
  salient::Arena arena;
  const auto start = std::chrono::steady_clock::now();
  salient::Status s = salient::explain::backprop(*model, x.data(), salient::Shape{1, 1, 8, 8}, {},
                                                 salient::gradient_rules(), arena, gradient.data(),
                                                 logits.data(), &predicted);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    std::fprintf(stderr, "salient_demo: %s\n", s.message());
    return 1;
  }
  std::printf("class scores (untrained weights):");
  for (float v : logits) std::printf(" %.4f", v);
  std::printf("\npredicted class %d; forward + backward in %.2f ms (arena peak %zu KiB)\n\n", predicted,
              ms, arena.peak_bytes() / 1024);
  print_map("input gradient d score / d pixel", gradient.data());

  salient::RuleSet rules = salient::gradient_rules();
  rules.set(salient::OpKind::kRelu, salient::Rule{relu_pass_through, nullptr, "pass-through"});
  arena.reset();
  const salient::explain::Target same{&predicted};
  s = salient::explain::backprop(*model, x.data(), salient::Shape{1, 1, 8, 8}, same, rules, arena,
                                 pass_through.data());
  if (!s.ok()) {
    std::fprintf(stderr, "salient_demo: %s\n", s.message());
    return 1;
  }
  std::printf("\n");
  print_map("same class, ReLU backward swapped for a pass-through rule", pass_through.data());
  return 0;
}
