// Gradient checking of engine ops against the double-precision reference (support/reference_ops.h).
//
// Check() registers every input with requires_grad = true (except those named in
// Options::no_grad, which stay constant), builds the float32 graph, and then
//  (a) compares the forward output elementwise with the double reference evaluated on the same
//      (exactly converted) input values, and
//  (b) runs Graph::backward with gradient_rules() and a random upstream signal c (uniform in
//      [−1, 1), from a fixed seed), i.e. computes ∂L/∂input for L = Σ_i c_i·y_i, and compares the
//      gradient of EVERY input (but the no_grad ones) with central differences of the double
//      reference L:
//          ∂L/∂x_j ≈ (L(x + h·e_j) − L(x − h·e_j)) / 2h,   h = 1e-6 (in double).
//
// Tolerances (per input tensor, elementwise):
//      |engine − reference| <= tol · (1 + max_j |reference_j|),   tol = 1e-5 (forward and gradient)
// Why 1e-5:
//  - Central differences in double are accurate to far better than that: the truncation error is
//    h²/6·|L'''| ≈ 2e-13·|L'''| and the cancellation error is about ε_double·|L|/h ≈ 1e-10·|L|; our
//    L has |L| <= ~100 and bounded third derivatives, so the "numeric" side is exact to ~1e-8.
//  - The engine's side is float32: every output/gradient element is a sum of K rounded products,
//    plus (for tanh/sigmoid/softmax) a derivative formed from the float32 forward output. Float
//    rounding contributes about u·√K·‖terms‖ typically and K·u·Σ|terms| at worst, with unit
//    roundoff u = 2^−24 ≈ 6e-8. The checks use data with |values| <= ~1 and keep K <= ~100 terms
//    per element (the largest is a conv weight gradient summing 72 products), so the typical
//    error is a few·1e-7·(1 + max|value|). Measured over this suite, the worst error is 1.8% of
//    the bound (about 1.8e-7 relative): a ~50× margin over float32 rounding, while a wrong
//    gradient (a missing term, a wrong index, a transposition, = instead of +=) is off by
//    O(max|value|) and fails by orders of magnitude.
//  - The "1 +" keeps the bound meaningful for tensors whose values are all close to 0.
// Kinks (relu at 0, ties in max pools) are avoided by the test data, never by tolerance: relu
// inputs have |x| >= 0.05 and max-pool inputs are distinct values spaced >= 0.01 apart, so ±h
// never crosses a kink or changes an argmax.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "salient/graph.h"
#include "salient/random.h"
#include "salient/shape.h"
#include "salient/tensor.h"
#include "support/reference_ops.h"

namespace salient::gradcheck {

/// One graph input (data, weight or bias): registered with requires_grad = true.
struct Input {
  std::string name;
  Shape shape;
  std::vector<float> data;
};

/// Builds the float32 graph from the registered inputs (in the order given) and returns its output.
using BuildFn = std::function<Tensor(Graph& g, const std::vector<Tensor>& inputs)>;
/// The same function in double on the same inputs.
using ReferenceFn = std::function<refops::Array(const std::vector<refops::Array>& inputs)>;

struct Options {
  GraphOptions graph = {};      // record is forced on; training/seed matter for dropout
  uint64_t upstream_seed = 12345;  // seed of the random upstream signal c
  double step = 1e-6;           // central-difference step h (double)
  double tolerance = 1e-5;      // see the header comment
  // Names of inputs that take no gradient (loss labels and targets): registered with
  // requires_grad = false, held constant in the central differences, and required to receive no
  // gradient. Every name must name an input.
  std::vector<std::string> no_grad = {};
};

/// What a check measured: the worst error as a fraction of the allowed bound (< 1 passes).
struct Stats {
  double forward_ratio = 0.0;
  double gradient_ratio = 0.0;
};

/// Runs the forward and gradient checks; the failure message names the input, the element, the
/// two values and the bound. Use as EXPECT_TRUE(gradcheck::Check(...)). With the environment
/// variable SALIENT_GRADCHECK_VERBOSE set, prints the worst error / bound of each check.
::testing::AssertionResult Check(const std::vector<Input>& inputs, const BuildFn& build,
                                 const ReferenceFn& reference, const Options& options = {},
                                 Stats* stats = nullptr);

// ---- test data ---------------------------------------------------------------------------------

/// Double copy of float data under the shape's dims.
refops::Array ToArray(const float* data, const Shape& shape);
std::vector<int64_t> Dims(const Shape& shape);

/// n values uniform in [lo, hi).
std::vector<float> Uniform(Rng& rng, int64_t n, float lo = -1.0f, float hi = 1.0f);
/// An input of `shape` with values uniform in [−1, 1).
inline Input RandomInput(const char* name, const Shape& shape, Rng& rng) {
  return Input{name, shape, Uniform(rng, shape.numel())};
}
/// n values with min_abs <= |x| < max_abs and random sign (for relu: no input near the kink).
std::vector<float> AwayFromZero(Rng& rng, int64_t n, float min_abs, float max_abs);
/// A random permutation of the n distinct values (k − n/2)·spacing, k = 0..n−1: every two values
/// differ by at least `spacing`, so max-pool windows have a unique maximum with that margin.
std::vector<float> DistinctShuffled(Rng& rng, int64_t n, float spacing);

}  // namespace salient::gradcheck
