#include "sampling.h"

#include <cmath>

namespace salient::data::detail {
namespace {

// The splitmix64 finaliser: a bijective 64-bit mix.
uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t stream_seed(uint64_t seed, uint64_t tag, uint64_t index) {
  return mix64(mix64(seed ^ mix64(tag)) + index);
}

double uniform01(Rng& rng) { return static_cast<double>(rng.next_u64() >> 11) * 0x1.0p-53; }

int categorical(Rng& rng, const double* probs, int count) {
  const double u = uniform01(rng);
  double cumulative = 0.0;
  for (int k = 0; k < count - 1; ++k) {
    cumulative += probs[k];
    if (u < cumulative) return k;
  }
  return count - 1;
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// Cholesky–Banachiewicz, row by row: L[i][j] = (a[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j],
// L[i][i] = sqrt(a[i][i] − Σ_{k<i} L[i][k]²).
bool cholesky(const double* a, int n, double* l) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j) {
      double sum = a[i * n + j];
      for (int k = 0; k < j; ++k) sum -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(sum > 0.0)) return false;
        l[i * n + i] = std::sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
    for (int j = i + 1; j < n; ++j) l[i * n + j] = 0.0;
  }
  return true;
}

io::Array zeros(const Shape& shape) {
  io::Array a;
  a.shape = shape;
  a.data.assign(static_cast<size_t>(shape.numel()), 0.0f);
  a.dtype = "<f4";
  return a;
}

}  // namespace salient::data::detail
