// Rng: a small, seeded, portable random generator (xoshiro256** seeded by splitmix64), so every
// stochastic op and explainer reproduces bit-identically from its seed on every platform (SPEC §2.6).
#pragma once

#include <cstdint>

namespace salient {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t next_u64();
  /// Uniform in [0, 1) with 24 random bits.
  float uniform();
  /// Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal by Box-Muller (one value per call; the pair's second value is kept).
  float normal();
  /// Uniform integer in [0, n), n > 0.
  uint64_t below(uint64_t n);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace salient
