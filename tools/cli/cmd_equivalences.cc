// salient equivalences [--seed S] [--json]: the SPEC §8 identity table on seeded random nets.
// Exit 0 only when every identity holds and every negative control differs, 1 otherwise.
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "salient/explain/equivalences.h"
#include "values.h"

namespace salient::cli {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void print_json(const std::vector<explain::EquivalenceRow>& rows, uint64_t seed, bool ok) {
  std::printf("{\"seed\": %llu, \"ok\": %s, \"rows\": [\n", static_cast<unsigned long long>(seed), ok ? "true" : "false");
  for (size_t i = 0; i < rows.size(); ++i) {
    const explain::EquivalenceRow& r = rows[i];
    std::printf("  {\"identity\": %s, \"condition\": %s, \"method_a\": %s, \"method_b\": %s, \"nets\": %d, "
                "\"max_abs\": %.6g, \"max_rel\": %.6g, \"threshold\": %.6g, \"control\": %s, \"holds\": %s, "
                "\"as_expected\": %s, \"note\": %s}%s\n",
                json_string(r.identity).c_str(), json_string(r.condition).c_str(), json_string(r.method_a).c_str(),
                json_string(r.method_b).c_str(), r.nets, r.max_abs, r.max_rel, r.threshold, r.control ? "true" : "false",
                r.holds() ? "true" : "false", r.as_expected() ? "true" : "false", json_string(r.note).c_str(),
                i + 1 < rows.size() ? "," : "");
  }
  std::printf("]}\n");
}

void print_table(const std::vector<explain::EquivalenceRow>& rows, bool ok) {
  std::printf("%-10s %-36s %-36s %4s %10s %10s %9s %-5s %s\n", "identity", "method A", "method B", "nets", "max abs",
              "max rel", "threshold", "holds", "condition");
  for (const explain::EquivalenceRow& r : rows) {
    std::printf("%-10s %-36s %-36s %4d %10.2e %10.2e %9.0e %-5s %s%s\n", r.identity.c_str(), r.method_a.c_str(),
                r.method_b.c_str(), r.nets, r.max_abs, r.max_rel, r.threshold, r.holds() ? "yes" : "no",
                r.condition.c_str(), r.as_expected() ? "" : "   <-- UNEXPECTED");
    if (!r.note.empty()) std::printf("%-10s   %s\n", "", r.note.c_str());
  }
  std::printf("%s\n", ok ? "all identities hold and every negative control differs"
                         : "FAILED: an identity does not hold or a negative control does not differ");
}

}  // namespace

int run_equivalences(int argc, char** argv) {
  Args args("salient equivalences [--seed S] [--json]",
            "Checks the propagation-rule equivalences (SPEC §8, identities 1-9) on seeded random nets and\n"
            "prints one row per identity: the two methods, the max absolute and relative difference, the\n"
            "threshold and whether it holds; rows marked 'control' break the identity's condition and must\n"
            "not hold. Exits 0 only when every identity holds and every control differs, else 1.",
            {{"--seed", "S", "seed of the random nets and inputs (default 0)"},
             {"--json", nullptr, "print the rows as JSON instead of a table"}});
  if (int code = parse_or_exit(args, argc, argv, "equivalences"); code >= 0) return code;
  uint64_t seed = 0;
  if (!parse_uint(args.get("--seed", "0"), &seed)) return usage_error("equivalences", "--seed needs a non-negative integer");
  Result<std::vector<explain::EquivalenceRow>> rows = explain::equivalence_table(seed);
  if (!rows.ok()) return fail("equivalences", rows.status().message());
  const bool ok = explain::all_as_expected(*rows);
  if (args.has("--json")) {
    print_json(*rows, seed, ok);
  } else {
    print_table(*rows, ok);
  }
  return ok ? kExitOk : kExitError;
}

}  // namespace salient::cli
