#include "salient/augment.h"

#include <cstring>
#include <vector>

namespace salient {

void shift_images(float* images, int64_t count, const Shape& batch_shape, int max_shift, Rng& rng) {
  const int64_t c = batch_shape[1], h = batch_shape[2], w = batch_shape[3];
  std::vector<float> sample(static_cast<size_t>(c * h * w));
  const uint64_t choices = 2 * static_cast<uint64_t>(max_shift) + 1;
  for (int64_t n = 0; n < count; ++n) {
    const int64_t dy = static_cast<int64_t>(rng.below(choices)) - max_shift;
    const int64_t dx = static_cast<int64_t>(rng.below(choices)) - max_shift;
    float* x = images + n * c * h * w;
    std::memcpy(sample.data(), x, sizeof(float) * sample.size());
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) {
          const int64_t si = i - dy, sj = j - dx;
          x[(k * h + i) * w + j] = si >= 0 && si < h && sj >= 0 && sj < w ? sample[(k * h + si) * w + sj] : 0.0f;
        }
  }
}

}  // namespace salient
