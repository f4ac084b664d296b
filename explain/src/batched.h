// Internal helpers of the multi-point explainers (integrated gradients, noise tunnel,
// gradient-shap): resolving targets once at x, and running many points in chunks that are sized
// from a memory budget, each chunk in a scratch arena that is reset between chunks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "salient/explain/integrated_gradients.h"
#include "salient/explain/methods.h"

namespace salient::explain::detail {

/// The model output ([N, C]) for x ([N, ...]); writes C into `classes`.
Status forward_outputs(const Model& model, const float* x, const Shape& shape, std::vector<float>* out,
                       int64_t* classes);

/// The target column per sample: explicit ones (checked against C, which the output shape gives:
/// no forward unless `outputs` is wanted), or each sample's argmax at x. `outputs` (may be null)
/// receives F(x) ([N, C]).
Status resolve_columns(const Model& model, const float* x, const Shape& shape, Target target,
                       std::vector<int32_t>* columns, std::vector<float>* outputs = nullptr,
                       int64_t* classes = nullptr);

/// Shape with the leading dimension replaced.
inline Shape with_rows(Shape s, int64_t rows) {
  s[0] = rows;
  return s;
}

/// The bytes a batch may use in `arena`: batch_budget_bytes(), at most the free space of a
/// user-buffer arena.
inline size_t batch_budget_in(const Arena& arena) {
  const size_t budget = batch_budget_bytes();
  return arena.owns_memory() ? budget : std::min(budget, arena.capacity_bytes() - arena.used_bytes());
}

/// Calls run(first, count, arena) for consecutive ranges of points covering [0, total), in order,
/// in `arena`: what a chunk allocates is rewound before the next. The first chunk holds one point;
/// its arena use sizes the later chunks to batch_budget_bytes() (at most the free space of a
/// user-buffer arena). Reports the points done to `progress` after each chunk.
template <class Run>
Status run_chunked(Arena& arena, int64_t total, Run&& run, const ProgressSink& progress = {}) {
  const Arena::Mark start = arena.mark();
  const size_t budget = batch_budget_in(arena);
  int64_t done = 0;
  int64_t chunk = 1;
  Status status;
  while (status.ok() && done < total) {
    const int64_t count = std::min(chunk, total - done);
    status = run(done, count, arena);
    if (done == 0) {
      const int64_t per_point = std::max<int64_t>(1, static_cast<int64_t>(arena.used_bytes() - start.used));
      chunk = std::max<int64_t>(1, static_cast<int64_t>(budget) / per_point);
    }
    arena.rewind(start);
    done += count;
    if (status.ok()) progress(done, total);
  }
  return status;
}

/// run_chunked in a scratch arena of its own.
template <class Run>
Status run_chunked(int64_t total, Run&& run, const ProgressSink& progress = {}) {
  Arena arena;
  return run_chunked(arena, total, run, progress);
}

}  // namespace salient::explain::detail
