// Shared machinery of the perturbation explainers (occlusion, feature ablation and permutation,
// Shapley values, surrogates, RISE): forward passes only, on perturbed copies of the input that are
// generated row by row and evaluated in chunks whose size follows from a memory budget (never a
// user-tuned batch size). Everything lives in the caller's arena. Internal to the explain library.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "salient/arena.h"
#include "salient/explain/methods.h"
#include "salient/graph.h"
#include "salient/model.h"
#include "salient/random.h"
#include "salient/status.h"

namespace salient::explain::perturbation {

/// Evaluates the model on perturbed inputs and reads each row's target logit, in the caller's
/// arena. init() runs the unperturbed forward on x, checks that the output is [N, C], fixes each
/// sample's target column (the request's, or the argmax of f(x)) and sizes the chunks: the arena
/// use of a forward is estimated from one row (measured at 16 and 32 rows where that estimate
/// gives chunks under 64 rows), and a chunk holds as many rows (a multiple of
/// 16) as fit batch_budget_bytes(): input copy, forward temporaries, bookkeeping and what the
/// caller reserve()s; at most the free space of a user-buffer arena.
class Evaluator {
 public:
  explicit Evaluator(Arena& arena) : arena_(arena) {}
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Status init(const Request& request, const char* method);

  int64_t samples() const { return n_; }
  /// Elements per sample.
  int64_t sample_numel() const { return d_; }
  const Shape& sample_shape() const { return sample_shape_; }
  /// Rows per forward pass.
  int64_t chunk_rows() const { return chunk_; }
  /// Resizes the chunks so that the budget also covers what the caller allocates besides them:
  /// `fixed_bytes` once and `row_bytes` per row of a chunk (call after its own allocations).
  void reserve(size_t fixed_bytes, size_t row_bytes);
  /// f(x)_n at sample n's target column.
  float fx(int64_t n) const { return fx_[n]; }
  /// Sample n of x and of the baseline (zeros when the request has none).
  const float* x(int64_t n) const { return x_ + n * d_; }
  const float* baseline(int64_t n) const { return baseline_ ? baseline_ + n * d_ : zeros_; }

  /// For a method that calls evaluate() several times: the rows of all its calls, so that progress
  /// is one count rising to `rows` (else each call reports its own rows).
  void expect_rows(int64_t rows) { progress_total_ = rows; }

  /// Evaluates `rows` perturbed inputs in chunks of chunk_rows() rows, rows [start, start + m)
  /// with start a multiple of chunk_rows() (row % chunk_rows() is a row's slot in its chunk).
  /// fill(row, dst) writes row's input (sample_numel floats) into dst and returns the sample whose
  /// target column is read; after the chunk's forward, consume(row, logit) is called for its rows
  /// in order. The chunk's buffers and forward temporaries are rewound after every chunk: neither
  /// callback may keep arena memory it allocates.
  template <class Fill, class Consume>
  Status evaluate(int64_t rows, Fill&& fill, Consume&& consume) {
    if (rows <= 0) return {};
    const Arena::Mark before = arena_.mark();
    const int64_t chunk = std::min(chunk_, rows);
    float* buffer = arena_.allocate_array<float>(static_cast<size_t>(chunk * d_));
    int64_t* row_sample = arena_.allocate_array<int64_t>(static_cast<size_t>(chunk));
    Status status = buffer && row_sample ? Status{} : out_of_memory(chunk);
    const Arena::Mark chunk_start = arena_.mark();
    for (int64_t start = 0; status.ok() && start < rows; start += chunk) {
      const int64_t m = std::min(chunk, rows - start);
      for (int64_t r = 0; r < m; ++r) row_sample[r] = fill(start + r, buffer + r * d_);
      const float* y = nullptr;
      status = forward(m, buffer, &y);
      for (int64_t r = 0; status.ok() && r < m; ++r)
        consume(start + r, y[r * c_ + target_[row_sample[r]]]);
      arena_.rewind(chunk_start);
      if (status.ok()) {
        if (progress_total_ > 0)
          progress_(progress_done_ + start + m, progress_total_);
        else
          progress_(start + m, rows);
      }
    }
    arena_.rewind(before);
    if (status.ok()) progress_done_ += rows;
    return status;
  }
  /// evaluate() writing row's logit into out[row].
  template <class Fill>
  Status evaluate(int64_t rows, Fill&& fill, float* out) {
    return evaluate(rows, fill, [out](int64_t row, float logit) { out[row] = logit; });
  }

 private:
  /// Runs the model on m rows of `in`; *y points at the [m, C] output (valid until the next
  /// rewind).
  Status forward(int64_t m, const float* in, const float** y);
  /// The arena bytes a forward of `rows` rows (copies of x's samples) allocates beyond its input.
  Status forward_bytes(int64_t rows, size_t* bytes);
  Status out_of_memory(int64_t rows) const;

  Arena& arena_;
  ProgressSink progress_;  // rows done of each evaluate() call, or of all (expect_rows)
  int64_t progress_done_ = 0, progress_total_ = 0;  // rows of the calls before; expect_rows
  const char* method_ = "";
  const Model* model_ = nullptr;
  const float* x_ = nullptr;
  const float* baseline_ = nullptr;
  Shape sample_shape_;
  int64_t n_ = 0, d_ = 0, c_ = 0, chunk_ = 1;
  size_t forward_fixed_ = 0, forward_row_ = 0;  // arena bytes of a forward: fixed + rows·row
  // In the arena, for the explainer's lifetime.
  float* zeros_ = nullptr;
  float* fx_ = nullptr;
  int32_t* target_ = nullptr;
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
Result<Groups> feature_groups(const Request& request, const Method& method,
                              const Shape& sample_shape);

/// Parses a comma list of positive integers ("2,2"); kInvalidArgument naming method and key.
Status parse_int_list(const Method& method, const char* key, const std::string& value,
                      std::vector<int64_t>* out);

/// Writes a uniformly random permutation of 0..n-1 (Fisher-Yates) into p.
void random_permutation(Rng& rng, int64_t n, int64_t* p);

}  // namespace salient::explain::perturbation
