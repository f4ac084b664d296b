// salient methods [NAME]: every explainer (or one) with its --set keys and defaults.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "salient/explain/methods.h"

namespace salient::cli {
namespace {

void print_method(const explain::Method& m) {
  std::printf("%-20s %s\n", m.name, m.summary);
  for (const explain::MethodKey& k : m.keys) std::printf("  --set %s=%s    %s\n", k.key, k.default_value, k.help);
}

}  // namespace

int run_methods(int argc, char** argv) {
  Args args("salient methods [NAME]",
            "Lists every explainer `salient explain --method NAME` can run, with its --set keys and\n"
            "their defaults; with NAME, only that one.",
            {}, {"[NAME]"});
  if (int code = parse_or_exit(args, argc, argv, "methods"); code >= 0) return code;
  if (args.positional_count() == 1) {
    const explain::Method* m = explain::find_method(args.positional(0));
    if (!m) return fail("methods", ("unknown method '" + args.positional(0) + "'").c_str());
    print_method(*m);
    return kExitOk;
  }
  for (const explain::Method& m : explain::methods()) print_method(m);
  std::printf("\nevery method:\n");
  for (const explain::MethodKey& k : explain::common_keys())
    std::printf("  --set %s=%s    %s\n", k.key, k.default_value, k.help);
  return kExitOk;
}

}  // namespace salient::cli
