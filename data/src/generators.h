// The per-set builders behind make_dataset. Each takes options already checked and resolved by
// make_dataset (n ≥ 1, length within the set's range, the array size within the limit).
#pragma once

#include <cstdint>

#include "salient/data/dataset.h"

namespace salient::data::detail {

/// What every generator needs: the resolved sample count and length, the seed, the progress hook.
struct Request {
  int64_t n;
  int64_t length;
  uint64_t seed;
  const DatasetOptions* options;  // for the progress hook

  /// Reports `done` samples finished (every 64 samples and at the end).
  void report(int64_t done) const {
    if (options->progress && (done % 64 == 0 || done == n)) options->progress(options->progress_context, done, n);
  }
};

/// The 8×8 digits compiled into the library: the first n images, x N×1×8×8 in [0, 1], y [N].
Result<Dataset> make_digits(int64_t n);

/// The 2-state "state" HMM (reference/timeseries.md §1b): x [N, T, 3], y [N, T], saliency [N, T, 3].
Result<Dataset> make_hmm(const Request& r);

/// The ARMA white-box sets (reference/timeseries.md §0.1, §1a): x [N, T, 50], y = f(x) [N, T],
/// saliency [N, T, 50]. by_time false: rare-feature; true: rare-time.
Result<Dataset> make_rare(bool by_time, const Request& r);

/// FIT's 3-state switching Gaussian processes (reference/timeseries.md §1c): x [N, T, 3],
/// y [N, T], saliency [N, T, 3].
Result<Dataset> make_switch_feature(const Request& r);

}  // namespace salient::data::detail
