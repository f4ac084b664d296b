// salient: the command line (SPEC §5). One binary, one subcommand per concern.
#include <cstdio>
#include <cstring>

#include "args.h"
#include "commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"info", salient::cli::run_info, "architecture, parameter count, input/output shapes of a model"},
    {"predict", salient::cli::run_predict, "the model's outputs for a batch of inputs"},
    {"data", salient::cli::run_data, "write a dataset (x.npy, y.npy, saliency.npy) to a directory"},
    {"explain", salient::cli::run_explain, "attributions for a batch of inputs with an explainer"},
    {"methods", salient::cli::run_methods, "every explainer with its parameters and defaults"},
    {"equivalences", salient::cli::run_equivalences, "check the rule equivalences (SPEC §8) on seeded random nets"},
    {"train", salient::cli::run_train, "train a classifier (presets digits-cnn, hmm-gru) and report test metrics"},
};

void print_help(FILE* out) {
  std::fprintf(out, "usage: salient COMMAND [options]   (salient COMMAND --help for details)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return salient::cli::kExitUsage;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    print_help(stdout);
    return salient::cli::kExitOk;
  }
  for (const Command& c : kCommands)
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 2, argv + 2);
  std::fprintf(stderr, "salient: unknown command '%s'\n", argv[1]);
  print_help(stderr);
  return salient::cli::kExitUsage;
}
