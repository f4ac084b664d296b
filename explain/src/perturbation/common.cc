#include "common.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../batched.h"
#include "salient/explain/integrated_gradients.h"
#include "salient/io/npy.h"

namespace salient::explain::perturbation {

Status Evaluator::init(const Request& r, const char* method) {
  method_ = method;
  progress_ = r.progress;
  if (!r.model || !r.x)
    return Status::error(Code::kInvalidArgument, "%s: null model or input", method);
  if (r.shape.rank < 2)
    return Status::error(Code::kInvalidArgument,
                         "%s: the input %s needs a batch dimension and at least one more", method,
                         ShapeStr(r.shape).c_str());
  model_ = r.model;
  x_ = r.x;
  baseline_ = r.baseline;
  n_ = r.shape[0];
  d_ = r.shape.numel_from(1);
  sample_shape_ = Shape{};
  sample_shape_.rank = r.shape.rank - 1;
  for (int i = 1; i < r.shape.rank; ++i) sample_shape_[i - 1] = r.shape[i];
  if (n_ <= 0 || d_ <= 0)
    return Status::error(Code::kInvalidArgument, "%s: the input %s is empty", method,
                         ShapeStr(r.shape).c_str());
  fx_ = arena_.allocate_array<float>(static_cast<size_t>(n_));
  target_ = arena_.allocate_array<int32_t>(static_cast<size_t>(n_));
  if (!baseline_) zeros_ = arena_.allocate_zeroed_floats(static_cast<size_t>(d_));
  if (!fx_ || !target_ || (!baseline_ && !zeros_)) return out_of_memory(0);

  // The unperturbed forward, rows [start, start + m): target columns and f(x).
  const Arena::Mark before = arena_.mark();
  auto unperturbed = [&](int64_t start, int64_t m) -> Status {
    const float* y = nullptr;
    Status status = forward(m, x_ + start * d_, &y);
    for (int64_t i = 0; status.ok() && i < m; ++i) {
      const int64_t n = start + i;
      const float* row = y + i * c_;
      Result<int32_t> col = target_column(row, c_, r.target, n, method);
      if (!col.ok()) return col.status();
      target_[n] = *col;
      fx_[n] = row[*col];
    }
    return status;
  };

  // The arena use of a forward is affine in its rows, fixed + rows·per_row. Sample 0's unperturbed
  // forward, alone, gives one row's whole use; counting it all as per_row over-estimates, which is
  // kept when it still allows chunks of kEnoughRows rows (a full set of GEMM row tiles: a finer
  // estimate would only make big chunks larger, at the price of 48 rows of measuring forwards,
  // which can cost more than a small explanation itself, e.g. a GRU over 200 steps). Otherwise it
  // is measured at 16 and 32 rows (a multiple of 16 float rows needs no 64-byte rounding slack),
  // when 32 rows fit the budget, and kept if the two agree with an affine use.
  constexpr int64_t kEnoughRows = 64;
  Status first = unperturbed(0, 1);
  const size_t one = arena_.used_bytes() - before.used;
  arena_.rewind(before);
  SALIENT_RETURN_IF_ERROR(first);
  forward_fixed_ = 0;
  forward_row_ = one;
  reserve(0, 0);
  const size_t input_row = static_cast<size_t>(d_) * sizeof(float);
  const bool fits = 32 * (one + input_row) <= batch_budget_bytes();
  size_t sixteen = 0, thirty_two = 0;
  if (chunk_ < kEnoughRows && fits && forward_bytes(16, &sixteen).ok() && forward_bytes(32, &thirty_two).ok() &&
      thirty_two >= sixteen && thirty_two - sixteen <= sixteen) {  // fixed part ≥ 0
    forward_row_ = (thirty_two - sixteen) / 16;
    forward_fixed_ = sixteen - 16 * forward_row_;
  }
  reserve(0, 0);

  for (int64_t start = 1; start < n_; start += chunk_) {
    const Status status = unperturbed(start, std::min(chunk_, n_ - start));
    arena_.rewind(before);
    SALIENT_RETURN_IF_ERROR(status);
  }
  return {};
}

void Evaluator::reserve(size_t fixed_bytes, size_t row_bytes) {
  const size_t budget = detail::batch_budget_in(arena_);
  const size_t fixed = forward_fixed_ + fixed_bytes;
  const size_t per_row =
      forward_row_ + static_cast<size_t>(d_) * sizeof(float) + sizeof(int64_t) + row_bytes;
  const int64_t rows = budget > fixed ? static_cast<int64_t>((budget - fixed) / per_row) : 1;
  chunk_ = rows >= 16 ? rows / 16 * 16 : std::max<int64_t>(rows, 1);
}

Status Evaluator::forward_bytes(int64_t rows, size_t* bytes) {
  const Arena::Mark before = arena_.mark();
  float* in = arena_.allocate_array<float>(static_cast<size_t>(rows * d_));
  Status status = in ? Status{} : out_of_memory(rows);
  const size_t start = arena_.used_bytes();
  for (int64_t r = 0; status.ok() && r < rows; ++r)
    std::copy(x(r % n_), x(r % n_) + d_, in + r * d_);
  const float* y = nullptr;
  if (status.ok()) status = forward(rows, in, &y);
  *bytes = arena_.used_bytes() - start;
  arena_.rewind(before);
  return status;
}

Status Evaluator::out_of_memory(int64_t rows) const {
  return Status::error(Code::kOutOfMemory,
                       "%s: the arena cannot hold %lld perturbed rows of %lld floats (%zu of %zu "
                       "bytes used)",
                       method_, static_cast<long long>(rows), static_cast<long long>(d_),
                       arena_.used_bytes(), arena_.capacity_bytes());
}

Status Evaluator::forward(int64_t m, const float* in, const float** y) {
  Shape shape;
  shape.rank = sample_shape_.rank + 1;
  shape[0] = m;
  for (int i = 0; i < sample_shape_.rank; ++i) shape[i + 1] = sample_shape_[i];
  GraphOptions options;
  options.record = false;
  Graph g(arena_, options);
  const Tensor input = g.input(in, shape);
  const Tensor out = model_->forward(g, input);
  if (!g.ok()) return g.status();
  if (out.shape.rank != 2 || out.shape[0] != m)
    return Status::error(
        Code::kInvalidArgument,
        "%s: the model output %s is not [N, C] (N = %lld); choose a time step first", method_,
        ShapeStr(out.shape).c_str(), static_cast<long long>(m));
  if (c_ == 0) c_ = out.shape[1];
  if (out.shape[1] != c_ || c_ <= 0)
    return Status::error(Code::kInvalidArgument, "%s: the model output %s has no columns", method_,
                         ShapeStr(out.shape).c_str());
  *y = out.data;
  return {};
}

Result<Groups> feature_groups(const Request& request, const Method& method,
                              const Shape& sample_shape) {
  const int64_t d = sample_shape.numel();
  Groups groups;
  const std::string path = setting(request, method, "feature_mask");
  if (path.empty()) {
    groups.count = d;
    groups.group_of.resize(static_cast<size_t>(d));
    groups.members.resize(static_cast<size_t>(d));
    for (int64_t i = 0; i < d; ++i) {
      groups.group_of[static_cast<size_t>(i)] = static_cast<int32_t>(i);
      groups.members[static_cast<size_t>(i)].push_back(i);
    }
    return groups;
  }
  Result<io::Array> mask = io::read_npy(path.c_str());
  if (!mask.ok())
    return Status::error(mask.status().code(), "%s: feature_mask=%s: %s", method.name, path.c_str(),
                         mask.status().message());
  bool fits = mask->shape == sample_shape;
  if (!fits && mask->shape.rank == sample_shape.rank + 1 && mask->shape[0] == 1) {
    fits = true;
    for (int i = 0; i < sample_shape.rank; ++i)
      fits = fits && mask->shape[i + 1] == sample_shape[i];
  }
  if (!fits) {
    const ShapeStr want(sample_shape);
    return Status::error(Code::kInvalidArgument,
                         "%s: feature_mask %s has shape %s, not the per-sample shape %s",
                         method.name, path.c_str(), ShapeStr(mask->shape).c_str(), want.c_str());
  }
  std::vector<float> ids(mask->data);
  for (float v : ids)
    if (!std::isfinite(v) || v != std::floor(v))
      return Status::error(Code::kInvalidArgument,
                           "%s: feature_mask %s holds %g, not an integer group id", method.name,
                           path.c_str(), static_cast<double>(v));
  std::vector<float> unique(ids);
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  groups.count = static_cast<int64_t>(unique.size());
  groups.group_of.resize(static_cast<size_t>(d));
  groups.members.resize(unique.size());
  for (int64_t i = 0; i < d; ++i) {
    const auto g = std::lower_bound(unique.begin(), unique.end(), ids[static_cast<size_t>(i)]) -
                   unique.begin();
    groups.group_of[static_cast<size_t>(i)] = static_cast<int32_t>(g);
    groups.members[static_cast<size_t>(g)].push_back(i);
  }
  return groups;
}

Status parse_int_list(const Method& method, const char* key, const std::string& value,
                      std::vector<int64_t>* out) {
  out->clear();
  size_t pos = 0;
  while (true) {
    const size_t comma = value.find(',', pos);
    const std::string item =
        value.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long long v = item.empty() ? 0 : std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v <= 0)
      return Status::error(Code::kInvalidArgument,
                           "%s: %s=%s is not a comma list of positive integers", method.name, key,
                           value.c_str());
    out->push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return {};
}

void random_permutation(Rng& rng, int64_t n, int64_t* p) {
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
    std::swap(p[i], p[j]);
  }
}

}  // namespace salient::explain::perturbation
