// RISE (Petsiuk et al. 2018, "RISE: Randomized Input Sampling for Explanation"): the random masks.
// The method itself is `rise` in the registry (methods.h); this header exposes its mask stream so
// that tools and tests can inspect the masks a seed produces.
#pragma once

#include <cstdint>
#include <vector>

#include "salient/random.h"

namespace salient::explain {

/// Draws RISE masks over 1 or 2 spatial axes of extents E_a (H, or H × W). Each mask:
///   1. a low-resolution grid of cell^axes values g ~ Bernoulli(p) (row-major, from the Rng);
///   2. one shift t_a ~ U{0, …, c_a − 1} per axis, c_a = ⌈E_a / cell⌉ (from the Rng, after the
///   grid);
///   3. M(i) = the grid upsampled bilinearly to (cell + 1)·c_a per axis, read at i + t_a:
///      half-pixel centres, src = (i + t_a + ½)·cell/((cell + 1)·c_a) − ½ clamped to [0, cell − 1],
///      linear weights between ⌊src⌋ and ⌊src⌋ + 1 (separable over the axes; torch's
///      interpolate with align_corners = false).
/// Values lie in [0, 1] and E[M(i)] = p exactly (the interpolation weights sum to one).
/// The stream depends only on the seed: the same seed gives bit-identical masks.
class RiseMaskSampler {
 public:
  /// axes: 1 or 2; extent: the axes' extents (≥ 1); cell ≥ 1; p ∈ (0, 1].
  RiseMaskSampler(int axes, const int64_t* extent, int64_t cell, double p, uint64_t seed);

  /// Values per mask: Π_a E_a.
  int64_t size() const { return extent_[0] * extent_[1]; }
  /// Writes the next mask (size() floats, row-major).
  void next(float* mask);

 private:
  int axes_;
  int64_t extent_[2] = {1, 1};
  int64_t cell_;
  double p_;
  Rng rng_;
  std::vector<float> grid_;      // cell^axes
  std::vector<int64_t> low_[2];  // per axis and output index: ⌊src⌋
  std::vector<float> frac_[2];   // src − ⌊src⌋
};

}  // namespace salient::explain
