// Classification metrics for training reports.
#pragma once

#include <cstdint>

namespace salient {

/// Area under the ROC curve of `scores` for binary `labels` (0/1): the probability that a random
/// positive scores above a random negative, ties counting one half (Mann-Whitney U with average
/// ranks). NaN when either class is absent.
double binary_auroc(const float* scores, const float* labels, int64_t n);

}  // namespace salient
