// AUROC = (Σ ranks of positives − P(P+1)/2) / (P·N), ranks averaged over ties (Mann-Whitney U).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "salient/metrics.h"

namespace salient {

double binary_auroc(const float* scores, const float* labels, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::sort(order.begin(), order.end(), [scores](int64_t a, int64_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0.0;
  int64_t positives = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double average_rank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (int64_t k = i; k < j; ++k)
      if (labels[order[k]] > 0.5f) {
        positive_rank_sum += average_rank;
        ++positives;
      }
    i = j;
  }
  const int64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return std::nan("");
  const double p = static_cast<double>(positives);
  return (positive_rank_sum - p * (p + 1.0) / 2.0) / (p * static_cast<double>(negatives));
}

}  // namespace salient
