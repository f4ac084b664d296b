// --baseline zero|mean (SPEC §5): "mean" averages each sample over its non-leading dims, i.e.
// per channel over H×W (N×C×H×W), per feature over time (N×T×D), one scalar for N×F.
#include <cstring>

#include "salient/explain/methods.h"

namespace salient::explain {

Status resolve_baseline(const std::string& name, const float* x, const Shape& shape, float* out) {
  const int64_t total = shape.numel();
  if (name == "zero") {
    std::memset(out, 0, sizeof(float) * total);
    return {};
  }
  if (name != "mean")
    return Status::error(Code::kInvalidArgument, "baseline '%s' is not zero, mean or a .npy file", name.c_str());
  if (shape.rank < 2) return Status::error(Code::kInvalidArgument, "baseline mean needs inputs [N, ...]");
  const int64_t n = shape[0];
  const int64_t per_sample = shape.numel_from(1);
  // Groups: N×C×H×W → C channels of H·W values (stride 1 inside a group); N×T×D → D features of
  // T values (stride D); N×F → one group of F values.
  const bool image = shape.rank == 4;
  const bool sequence = shape.rank == 3;
  const int64_t groups = image ? shape[1] : (sequence ? shape[2] : 1);
  const int64_t group_size = per_sample / groups;
  for (int64_t s = 0; s < n; ++s) {
    const float* xs = x + s * per_sample;
    float* os = out + s * per_sample;
    for (int64_t g = 0; g < groups; ++g) {
      auto index = [&](int64_t k) { return image ? g * group_size + k : (sequence ? k * groups + g : k); };
      double sum = 0.0;
      for (int64_t k = 0; k < group_size; ++k) sum += xs[index(k)];
      const float mean = static_cast<float>(sum / static_cast<double>(group_size));
      for (int64_t k = 0; k < group_size; ++k) os[index(k)] = mean;
    }
  }
  return {};
}

}  // namespace salient::explain
