// Sampling helpers shared by the generators: per-sample random streams, Bernoulli and categorical
// draws, the logistic function, Cholesky factors and float32 arrays. Everything draws from
// salient::Rng, so results are the same on every platform.
#pragma once

#include <cstdint>
#include <vector>

#include "salient/io/npy.h"
#include "salient/random.h"
#include "salient/shape.h"

namespace salient::data::detail {

/// The seed of sample `index`'s own stream in set `tag`: splitmix-style mixing of (seed, tag,
/// index), so streams of different samples, sets and seeds don't overlap in practice.
uint64_t stream_seed(uint64_t seed, uint64_t tag, uint64_t index);

/// Uniform in [0, 1) with 53 random bits (finer than Rng::uniform's 24, so Bernoulli(p) is exact
/// to 2^-53 for every p).
double uniform01(Rng& rng);

/// 1 with probability p (p ≤ 0 never, p ≥ 1 always).
inline int bernoulli(Rng& rng, double p) { return uniform01(rng) < p ? 1 : 0; }

/// The index k of `probs` (which sum to 1) with probability probs[k].
int categorical(Rng& rng, const double* probs, int count);

/// σ(v) = 1 / (1 + e^−v).
double sigmoid(double v);

/// Lower-triangular L with L·Lᵀ = a for a symmetric positive definite n×n matrix a (row-major);
/// false when a is not positive definite.
bool cholesky(const double* a, int n, double* l);

/// A zero-filled float32 array of `shape`, dtype "<f4".
io::Array zeros(const Shape& shape);

}  // namespace salient::data::detail
