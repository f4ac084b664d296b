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

/// The target column per sample: explicit ones (checked against C), or each sample's argmax at x.
/// `outputs` (may be null) receives F(x) ([N, C]).
Status resolve_columns(const Model& model, const float* x, const Shape& shape, Target target,
                       std::vector<int32_t>* columns, std::vector<float>* outputs = nullptr,
                       int64_t* classes = nullptr);

/// Integer / float settings of `method` with bounds; kInvalidArgument naming the key otherwise.
Result<int64_t> int_setting(const Request& request, const Method& method, const char* key, int64_t lo, int64_t hi);
Result<double> float_setting(const Request& request, const Method& method, const char* key, double lo);

/// Shape with the leading dimension replaced.
inline Shape with_rows(Shape s, int64_t rows) {
  s[0] = rows;
  return s;
}

/// Calls run(first, count, arena) for consecutive ranges of points covering [0, total), in order.
/// The first chunk holds one point; its arena use sizes the later chunks to batch_budget_bytes().
template <class Run>
Status run_chunked(int64_t total, Run&& run) {
  Arena arena;
  int64_t done = 0;
  int64_t chunk = 1;
  while (done < total) {
    const int64_t count = std::min(chunk, total - done);
    arena.reset();
    SALIENT_RETURN_IF_ERROR(run(done, count, arena));
    if (done == 0) {
      const int64_t per_point = std::max<int64_t>(1, static_cast<int64_t>(arena.used_bytes()));
      chunk = std::max<int64_t>(1, static_cast<int64_t>(batch_budget_bytes()) / per_point);
    }
    done += count;
  }
  return {};
}

}  // namespace salient::explain::detail
