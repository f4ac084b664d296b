// RISE's masks: a Bernoulli(p) grid, upsampled bilinearly (half-pixel centres) to (cell +
// 1)·⌈E/cell⌉ per axis and read at a random shift (formulas in salient/explain/rise.h).
#include <algorithm>
#include <cmath>

#include "salient/explain/rise.h"

namespace salient::explain {

RiseMaskSampler::RiseMaskSampler(int axes, const int64_t* extent, int64_t cell, double p,
                                 uint64_t seed)
    : axes_(axes), cell_(cell), p_(p), rng_(seed) {
  for (int a = 0; a < axes; ++a) {
    extent_[a] = extent[a];
    low_[a].resize(static_cast<size_t>(extent[a]));
    frac_[a].resize(static_cast<size_t>(extent[a]));
  }
  grid_.resize(static_cast<size_t>(axes == 2 ? cell * cell : cell));
}

void RiseMaskSampler::next(float* mask) {
  for (float& g : grid_) g = rng_.uniform() < p_ ? 1.0f : 0.0f;
  for (int a = 0; a < axes_; ++a) {
    const int64_t cell_size = (extent_[a] + cell_ - 1) / cell_;  // c_a = ⌈E_a / cell⌉
    const int64_t shift = static_cast<int64_t>(rng_.below(static_cast<uint64_t>(cell_size)));
    const double scale = double(cell_) / double((cell_ + 1) * cell_size);
    for (int64_t i = 0; i < extent_[a]; ++i) {
      const double src =
          std::clamp((double(i + shift) + 0.5) * scale - 0.5, 0.0, double(cell_ - 1));
      const int64_t lo = static_cast<int64_t>(src);
      low_[a][static_cast<size_t>(i)] = lo;
      frac_[a][static_cast<size_t>(i)] = static_cast<float>(src - double(lo));
    }
  }
  // Axis 0 is the only axis (1-D) or the rows (2-D); the columns of a 1-D mask are one column at 0.
  const int64_t rows = extent_[0], cols = extent_[1], grid_cols = axes_ == 2 ? cell_ : 1;
  auto at = [&](int64_t r, int64_t c) {
    return grid_[static_cast<size_t>(std::min(r, cell_ - 1) * grid_cols +
                                     std::min(c, grid_cols - 1))];
  };
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t r0 = low_[0][static_cast<size_t>(i)];
    const float fr = frac_[0][static_cast<size_t>(i)];
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t c0 = axes_ == 2 ? low_[1][static_cast<size_t>(j)] : 0;
      const float fc = axes_ == 2 ? frac_[1][static_cast<size_t>(j)] : 0.0f;
      const float top = at(r0, c0) + fc * (at(r0, c0 + 1) - at(r0, c0));
      const float bottom = at(r0 + 1, c0) + fc * (at(r0 + 1, c0 + 1) - at(r0 + 1, c0));
      mask[i * cols + j] =
          std::clamp(top + fr * (bottom - top), 0.0f, 1.0f);  // rounding never leaves [0, 1]
    }
  }
}

}  // namespace salient::explain
