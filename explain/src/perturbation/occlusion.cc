// occlusion (Zeiler & Fergus; Captum's Occlusion): windows of shape `window` start at multiples of
// `stride` along every per-sample dim, shift_count = ceil((dim − window) / stride) + 1 per dim (the
// last window is cropped at the border). Each window's difference f(x) − f(x with the window set to
// the baseline) is added to every element it covers, and each element is divided by the number of
// windows covering it. Cost: 1 + N·Π shift_count forward rows.
#include <algorithm>
#include <vector>

#include "common.h"
#include "perturbation.h"

namespace salient::explain {
namespace {

using perturbation::Evaluator;

// Calls fn(flat index) for every element of the box [start, start + extent) clipped to `shape`.
template <class Fn>
void for_each_in_box(const Shape& shape, const int64_t* start, const int64_t* extent, Fn&& fn) {
  const int rank = shape.rank;
  int64_t lo[Shape::kMaxRank], hi[Shape::kMaxRank], idx[Shape::kMaxRank];
  for (int i = 0; i < rank; ++i) {
    lo[i] = start[i];
    hi[i] = std::min(shape[i], start[i] + extent[i]);
    if (lo[i] >= hi[i]) return;
    idx[i] = lo[i];
  }
  while (true) {
    int64_t flat = 0;
    for (int i = 0; i < rank; ++i) flat = flat * shape[i] + idx[i];
    fn(flat);
    int i = rank - 1;
    while (i >= 0 && ++idx[i] == hi[i]) {
      idx[i] = lo[i];
      --i;
    }
    if (i < 0) return;
  }
}

}  // namespace

Status occlusion(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("occlusion");
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  const Shape& shape = ev.sample_shape();
  const int rank = shape.rank;

  const std::string window_text = setting(r, method, "window");
  if (window_text.empty())
    return Status::error(Code::kInvalidArgument,
                         "occlusion: window is required (the per-sample window shape, e.g. "
                         "--set window=1,3,3 for inputs of per-sample shape %s)",
                         ShapeStr(shape).c_str());
  std::vector<int64_t> window, stride;
  SALIENT_RETURN_IF_ERROR(perturbation::parse_int_list(method, "window", window_text, &window));
  SALIENT_RETURN_IF_ERROR(
      perturbation::parse_int_list(method, "stride", setting(r, method, "stride"), &stride));
  if (static_cast<int>(window.size()) != rank)
    return Status::error(Code::kInvalidArgument,
                         "occlusion: window=%s has %d entries; the per-sample shape %s has %d",
                         window_text.c_str(), static_cast<int>(window.size()),
                         ShapeStr(shape).c_str(), rank);
  if (stride.size() == 1) stride.assign(static_cast<size_t>(rank), stride[0]);
  if (static_cast<int>(stride.size()) != rank)
    return Status::error(Code::kInvalidArgument, "occlusion: stride has %d entries; give one or %d",
                         static_cast<int>(stride.size()), rank);
  int64_t shifts[Shape::kMaxRank];
  int64_t windows = 1;
  for (int i = 0; i < rank; ++i) {
    if (window[static_cast<size_t>(i)] > shape[i])
      return Status::error(Code::kInvalidArgument,
                           "occlusion: window=%s exceeds the per-sample shape %s",
                           window_text.c_str(), ShapeStr(shape).c_str());
    const int64_t span = shape[i] - window[static_cast<size_t>(i)];
    const int64_t s = stride[static_cast<size_t>(i)];
    shifts[i] = (span + s - 1) / s + 1;
    windows *= shifts[i];
  }
  auto window_start = [&](int64_t w, int64_t* start) {
    for (int i = rank - 1; i >= 0; --i) {
      start[i] = (w % shifts[i]) * stride[static_cast<size_t>(i)];
      w /= shifts[i];
    }
  };

  const int64_t n = ev.samples(), d = ev.sample_numel();
  std::vector<float> count(static_cast<size_t>(d), 0.0f);
  for (int64_t w = 0; w < windows; ++w) {
    int64_t start[Shape::kMaxRank];
    window_start(w, start);
    for_each_in_box(shape, start, window.data(),
                    [&](int64_t i) { count[static_cast<size_t>(i)] += 1.0f; });
  }

  // Rows ordered (sample, window).
  const int64_t rows = n * windows;
  std::vector<float> out(static_cast<size_t>(rows));
  SALIENT_RETURN_IF_ERROR(ev.evaluate(
      rows,
      [&](int64_t row, float* dst) {
        const int64_t s = row / windows, w = row % windows;
        std::copy(ev.x(s), ev.x(s) + d, dst);
        const float* b = ev.baseline(s);
        int64_t start[Shape::kMaxRank];
        window_start(w, start);
        for_each_in_box(shape, start, window.data(), [&](int64_t i) { dst[i] = b[i]; });
        return s;
      },
      out.data()));

  std::fill(attributions, attributions + n * d, 0.0f);
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t s = row / windows, w = row % windows;
    const float diff = ev.fx(s) - out[static_cast<size_t>(row)];
    int64_t start[Shape::kMaxRank];
    window_start(w, start);
    float* a = attributions + s * d;
    for_each_in_box(shape, start, window.data(), [&](int64_t i) { a[i] += diff; });
  }
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < d; ++i)
      if (count[static_cast<size_t>(i)] > 0)
        attributions[s * d + i] /= count[static_cast<size_t>(i)];
  return {};
}

}  // namespace salient::explain
