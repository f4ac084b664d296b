// salient data NAME [--n N] [--seed S] [--length T] --out DIR: writes a dataset as .npy files
// (SPEC §5): DIR/x.npy, DIR/y.npy and, where the set has ground truth, DIR/saliency.npy.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "salient/data/dataset.h"
#include "salient/io/npy.h"

namespace salient::cli {
namespace {

// A decimal integer ≥ minimum, the whole text; false for anything else (signs other than a
// leading '-', spaces, trailing characters, overflow).
bool parse_int(const char* text, long long minimum, long long& out) {
  if (!text || !*text) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || (text[0] != '-' && (text[0] < '0' || text[0] > '9')) || v < minimum) return false;
  out = v;
  return true;
}

bool parse_seed(const char* text, uint64_t& out) {
  if (!text || text[0] < '0' || text[0] > '9') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  out = v;
  return true;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "salient data: %s (see salient data --help)\n", message.c_str());
  return kExitUsage;
}

std::string set_list() {
  std::string out;
  for (const data::DatasetInfo& info : data::dataset_infos()) {
    std::string name = std::string("  ") + info.name;
    if (name.size() < 18) name.resize(18, ' ');
    out += name + info.summary + "\n" + std::string(18, ' ') + "default n " + std::to_string(info.default_n);
    if (info.default_length) out += ", T " + std::to_string(info.default_length);
    out += info.has_saliency ? "; writes saliency.npy\n" : "; no ground truth\n";
  }
  out.pop_back();  // the help text adds the final newline
  return out;
}

std::string shape_list(const Shape& s) {
  std::string out = "[";
  for (int i = 0; i < s.rank; ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

void on_progress(void* context, int64_t done, int64_t /*total*/) { static_cast<Progress*>(context)->update(done); }

}  // namespace

int run_data(int argc, char** argv) {
  const std::string description =
      "Writes the dataset NAME to DIR (created if needed) as float32 .npy files: x.npy (N × per-sample\n"
      "shape), y.npy (class ids, [N] or [N, T] per-step labels; the white-box output f for rare-*) and,\n"
      "where the set has ground truth, saliency.npy (x's shape, 0/1; a stale one is removed otherwise).\n"
      "The last floor(N/5) samples as written are the test set. Generated sets are deterministic:\n"
      "the same NAME, --n, --length and --seed give bit-identical files. docs/data.md describes them.\n\n"
      "sets:\n" + set_list();
  Args args("salient data NAME [--n N] [--seed S] [--length T] --out DIR [--quiet]", description.c_str(),
            {{"--n", "N", "number of samples (default: the set's; digits: the first N of 1797)"},
             {"--seed", "S", "seed of the generators (default 0; digits ignores it)"},
             {"--length", "T", "sequence length of the time-series sets (default: the set's)"},
             {"--out", "DIR", "output directory", true},
             {"--quiet", nullptr, "no progress on stderr"}},
            {"NAME"});
  if (int code = parse_or_exit(args, argc, argv, "data"); code >= 0) return code;

  data::DatasetOptions options;
  long long value = 0;
  if (args.has("--n")) {
    if (!parse_int(args.get("--n"), 1, value)) return usage_error(std::string("--n must be a positive integer, got '") + args.get("--n") + "'");
    options.n = value;
  }
  if (args.has("--length")) {
    if (!parse_int(args.get("--length"), 1, value))
      return usage_error(std::string("--length must be a positive integer, got '") + args.get("--length") + "'");
    options.length = value;
  }
  if (args.has("--seed") && !parse_seed(args.get("--seed"), options.seed))
    return usage_error(std::string("--seed must be a non-negative integer, got '") + args.get("--seed") + "'");

  const std::string name = args.positional(0);
  const data::DatasetInfo* info = data::find_dataset(name);
  const int64_t expected = !info ? 0 : options.n ? options.n : info->default_n;
  Progress progress("data", expected, args.has("--quiet"));
  options.progress = on_progress;
  options.progress_context = &progress;
  Result<data::Dataset> set = data::make_dataset(name, options);
  if (!set.ok()) return fail("data", set.status().message());

  const std::string dir = args.get("--out");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("data", dir, ("cannot create the directory: " + ec.message()).c_str());
  const std::string x_path = dir + "/x.npy", y_path = dir + "/y.npy", s_path = dir + "/saliency.npy";
  if (Status s = io::write_npy(x_path.c_str(), set->x); !s.ok()) return fail("data", s.message());
  if (Status s = io::write_npy(y_path.c_str(), set->y); !s.ok()) return fail("data", s.message());
  if (set->saliency) {
    if (Status s = io::write_npy(s_path.c_str(), *set->saliency); !s.ok()) return fail("data", s.message());
  } else {
    std::filesystem::remove(s_path, ec);  // a stale ground truth from another set would mislead
  }

  const int64_t n = set->x.shape[0];
  std::printf("%s: x %s, y %s%s; train %lld (samples 0..%lld), test %lld (the last 20%%) -> %s\n", set->name.c_str(),
              shape_list(set->x.shape).c_str(), shape_list(set->y.shape).c_str(),
              set->saliency ? (", saliency " + shape_list(set->saliency->shape)).c_str() : "",
              static_cast<long long>(data::train_count(n)), static_cast<long long>(data::train_count(n) - 1),
              static_cast<long long>(data::test_count(n)), dir.c_str());
  return kExitOk;
}

}  // namespace salient::cli
