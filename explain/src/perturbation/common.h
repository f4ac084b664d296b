// Shared machinery of the perturbation explainers (occlusion, feature ablation and permutation,
// Shapley values): forward passes only, on perturbed copies of the input that are generated row by
// row and evaluated in chunks whose size follows from a fixed memory budget (never a user-tuned
// batch size). Internal to the explain library.
#pragma once

#include <cstdint>
#include <vector>

#include "salient/arena.h"
#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/model.h"
#include "salient/random.h"
#include "salient/status.h"

namespace salient::explain::perturbation {

/// Floats of perturbed input evaluated by one forward pass (the chunk is this many floats, at
/// least one row): 2^20 floats = 4 MiB of input per forward.
inline constexpr int64_t kChunkFloats = int64_t{1} << 20;

/// Evaluates the model on perturbed inputs and reads each row's target logit.
/// init() runs the unperturbed forward on x, checks that the output is [N, C] and fixes each
/// sample's target column (the request's, or the argmax of f(x)).
class Evaluator {
 public:
  Evaluator() : scratch_(size_t{1} << 20) {}
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Status init(const Request& request, const char* method);

  int64_t samples() const { return n_; }
  /// Elements per sample.
  int64_t sample_numel() const { return d_; }
  const Shape& sample_shape() const { return sample_shape_; }
  /// f(x)_n at sample n's target column.
  float fx(int64_t n) const { return fx_[static_cast<size_t>(n)]; }
  /// Sample n of x and of the baseline (zeros when the request has none).
  const float* x(int64_t n) const { return x_ + n * d_; }
  const float* baseline(int64_t n) const { return baseline_ ? baseline_ + n * d_ : zeros_.data(); }

  /// Evaluates `rows` perturbed inputs: fill(row, dst) writes row's input (sample_numel floats) into
  /// dst and returns the sample whose target column is read; out[row] receives that logit.
  template <class Fill>
  Status evaluate(int64_t rows, Fill&& fill, float* out) {
    const int64_t chunk = chunk_rows();
    for (int64_t start = 0; start < rows; start += chunk) {
      const int64_t m = rows - start < chunk ? rows - start : chunk;
      for (int64_t r = 0; r < m; ++r)
        row_sample_[static_cast<size_t>(r)] = fill(start + r, buffer_.data() + r * d_);
      const float* y = nullptr;
      SALIENT_RETURN_IF_ERROR(forward(m, buffer_.data(), &y));
      for (int64_t r = 0; r < m; ++r) {
        const int64_t n = row_sample_[static_cast<size_t>(r)];
        out[start + r] = y[r * c_ + target_[static_cast<size_t>(n)]];
      }
      scratch_.reset();
    }
    return {};
  }

 private:
  int64_t chunk_rows() const;
  /// Runs the model on m rows of `in`; *y points at the [m, C] output (valid until scratch reset).
  Status forward(int64_t m, const float* in, const float** y);

  const char* method_ = "";
  const Model* model_ = nullptr;
  const float* x_ = nullptr;
  const float* baseline_ = nullptr;
  Shape sample_shape_;
  int64_t n_ = 0, d_ = 0, c_ = 0;
  std::vector<float> zeros_, fx_, buffer_;
  std::vector<int32_t> target_;
  std::vector<int64_t> row_sample_;
  Arena scratch_;  // the temporaries of one forward; reset after every chunk
};

/// Feature groups of one sample: group_of[i] is element i's group (0..count-1, in increasing order
/// of the mask's ids); members[g] lists group g's elements.
struct Groups {
  int64_t count = 0;
  std::vector<int32_t> group_of;
  std::vector<std::vector<int64_t>> members;
};

/// The `feature_mask` setting: a .npy of the per-sample shape (or [1, per-sample shape]) holding
/// integer group ids; empty means each scalar is its own feature.
Result<Groups> feature_groups(const Request& request, const Method& method, const Shape& sample_shape);

/// Parses a comma list of positive integers ("2,2"); kInvalidArgument naming method and key.
Status parse_int_list(const Method& method, const char* key, const std::string& value, std::vector<int64_t>* out);
/// A non-negative integer setting.
Result<int64_t> int_setting(const Request& request, const Method& method, const char* key, int64_t min_value);

/// Writes a uniformly random permutation of 0..n-1 (Fisher-Yates) into p.
void random_permutation(Rng& rng, int64_t n, int64_t* p);

}  // namespace salient::explain::perturbation
