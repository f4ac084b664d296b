// Datasets (SPEC §9): the shipped `digits` images and the seeded time-series generators `hmm`,
// `rare-feature`, `rare-time` and `switch-feature` (constants in reference/timeseries.md §1;
// docs/data.md describes every set). No downloads, no files at run time: the digits are compiled
// into the library and every other set is generated from its seed.
//
// Determinism: a generator draws only from salient::Rng (no std:: distributions, which differ
// between standard libraries), so the same name, n, length and seed give bit-identical arrays on
// every platform. Sample i draws from its own stream Rng(mix(seed, set, i)), so the first k samples
// of n are the same for every n >= k.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "salient/io/npy.h"
#include "salient/status.h"

namespace salient::data {

struct DatasetOptions {
  /// Number of samples; 0 takes the set's default (digits 1797, hmm 1000, rare-* 10,
  /// switch-feature 1000). Negative, or more than the set can give, is kInvalidArgument.
  int64_t n = 0;
  /// Seed of every random draw (ignored by `digits`, which is fixed data).
  uint64_t seed = 0;
  /// Sequence length T of the time-series sets; 0 takes the set's default (hmm 200, rare-* 50,
  /// switch-feature 100). `digits` has no time axis and refuses a non-zero length.
  int64_t length = 0;
  /// Called as progress(context, done, n) while samples are generated (optional; for long work).
  void (*progress)(void* context, int64_t done, int64_t total) = nullptr;
  void* progress_context = nullptr;
};

/// A dataset as `salient data` writes it (SPEC §5): float32 arrays, N first.
struct Dataset {
  std::string name;
  /// Inputs, N × per-sample shape: digits N×1×8×8; the sequence sets N×T×D.
  io::Array x;
  /// Targets: class ids as floats, [N] (digits) or [N, T] per-step labels (hmm, switch-feature).
  /// rare-feature and rare-time have no classes: y holds the white box's output f_t (a regression
  /// target), [N, T].
  io::Array y;
  /// Ground-truth saliency, x's shape, 0/1; absent for digits.
  std::optional<io::Array> saliency;
};

/// Static facts about one set.
struct DatasetInfo {
  const char* name;
  const char* summary;     // one line for help texts
  int64_t default_n;       // digits: all 1797 (the most it has)
  int64_t default_length;  // 0 for digits (no time axis)
  bool has_saliency;
};

/// Every set, in the order help texts list them.
const std::vector<DatasetInfo>& dataset_infos();
/// The info of `name`, or nullptr.
const DatasetInfo* find_dataset(const std::string& name);
/// "digits, hmm, rare-feature, rare-time, switch-feature".
std::string dataset_names();

/// Builds the set `name`. kNotFound (listing the sets) for an unknown name; kInvalidArgument for
/// a negative or too large n or an invalid length.
Result<Dataset> make_dataset(const std::string& name, const DatasetOptions& options);

/// The split of SPEC §5: of N samples as written, the last floor(N/5) are the test set
/// (hmm: 800 train / 200 test; digits: 1438 / 359) and the first N − floor(N/5) the training set.
inline int64_t test_count(int64_t n) { return n / 5; }
inline int64_t train_count(int64_t n) { return n - test_count(n); }

}  // namespace salient::data
