// Helpers shared by the data tests: building a set that must succeed, and indexing its arrays.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "salient/data/dataset.h"

namespace salient::data::testing {

/// make_dataset that must succeed (the test aborts with the message otherwise).
inline Dataset make(const std::string& name, int64_t n, uint64_t seed, int64_t length = 0) {
  DatasetOptions options;
  options.n = n;
  options.seed = seed;
  options.length = length;
  Result<Dataset> r = make_dataset(name, options);
  SALIENT_ASSERT(r.ok() && "make_dataset failed");
  return std::move(*r);
}

/// The state at (sample i, step t) of a set whose ground truth marks one feature per step:
/// the index of that feature (hmm: state + 1; switch-feature: the state), or -1 if not exactly one.
inline int marked_feature(const Dataset& d, int64_t i, int64_t t) {
  const int64_t T = d.x.shape[1], D = d.x.shape[2];
  int found = -1, count = 0;
  for (int64_t f = 0; f < D; ++f)
    if (d.saliency->data[static_cast<size_t>((i * T + t) * D + f)] != 0.0f) {
      found = static_cast<int>(f);
      ++count;
    }
  return count == 1 ? found : -1;
}

}  // namespace salient::data::testing
