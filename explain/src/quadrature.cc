// Quadrature rules of the integrated-gradients path integral over α ∈ [0, 1] (Captum's
// definitions). Gauss-Legendre nodes are the roots of the Legendre polynomial P_n, found by
// Newton's method from Tricomi's initial guesses, with weights 2 / ((1 − t²) P_n'(t)²), mapped to
// [0, 1]. The last n's nodes and weights are kept (Newton's method costs O(n²) and more: 4.7 % of a
// 50-step digits-cnn integrated-gradients call), behind a mutex where there are threads.
#include <algorithm>
#include <cmath>
#include <vector>
#if !SALIENT_NO_THREADS
#include <mutex>
#endif

#include "salient/explain/integrated_gradients.h"

namespace salient::explain {
namespace {

// P_n(t) and P_n'(t) by the three-term recurrence.
void legendre(int n, double t, double* p, double* dp) {
  double p0 = 1.0, p1 = t;
  if (n == 0) {
    *p = 1.0;
    *dp = 0.0;
    return;
  }
  for (int k = 2; k <= n; ++k) {
    const double pk = ((2.0 * k - 1.0) * t * p1 - (k - 1.0) * p0) / k;
    p0 = p1;
    p1 = pk;
  }
  *p = p1;
  *dp = n * (t * p1 - p0) / (t * t - 1.0);
}

void gauss_legendre(int n, double* alphas, double* weights) {
  const double pi = 3.14159265358979323846;
  for (int i = 0; i < n; ++i) {
    // Root i of P_n in descending order; stored ascending in α.
    double t = std::cos(pi * (i + 0.75) / (n + 0.5));
    double p = 0.0, dp = 1.0;
    for (int iter = 0; iter < 100; ++iter) {
      legendre(n, t, &p, &dp);
      const double step = p / dp;
      t -= step;
      if (std::fabs(step) < 1e-16) break;
    }
    legendre(n, t, &p, &dp);
    const double w = 2.0 / ((1.0 - t * t) * dp * dp);
    alphas[n - 1 - i] = 0.5 * (t + 1.0);
    weights[n - 1 - i] = 0.5 * w;
  }
}

// gauss_legendre for the most recent n (the same bits: a copy of what it computed).
void cached_gauss_legendre(int n, double* alphas, double* weights) {
  static int cached_n = 0;
  static std::vector<double> cached_alphas, cached_weights;
#if !SALIENT_NO_THREADS
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
#endif
  if (cached_n != n) {
    cached_alphas.resize(static_cast<size_t>(n));
    cached_weights.resize(static_cast<size_t>(n));
    gauss_legendre(n, cached_alphas.data(), cached_weights.data());
    cached_n = n;
  }
  std::copy(cached_alphas.begin(), cached_alphas.end(), alphas);
  std::copy(cached_weights.begin(), cached_weights.end(), weights);
}

}  // namespace

Result<Quadrature> parse_quadrature(const std::string& name) {
  if (name == "gausslegendre") return Quadrature::kGaussLegendre;
  if (name == "riemann_left") return Quadrature::kRiemannLeft;
  if (name == "riemann_right") return Quadrature::kRiemannRight;
  if (name == "riemann_middle") return Quadrature::kRiemannMiddle;
  if (name == "riemann_trapezoid") return Quadrature::kRiemannTrapezoid;
  return Status::error(
      Code::kInvalidArgument,
      "method=%s is not gausslegendre, riemann_left, riemann_right, riemann_middle or "
      "riemann_trapezoid",
      name.c_str());
}

Status quadrature(Quadrature rule, int n, double* alphas, double* weights) {
  if (n < 1) return Status::error(Code::kInvalidArgument, "n_steps=%d must be at least 1", n);
  const double h = 1.0 / n;
  switch (rule) {
    case Quadrature::kGaussLegendre: cached_gauss_legendre(n, alphas, weights); return {};
    case Quadrature::kRiemannLeft:
      for (int k = 0; k < n; ++k) alphas[k] = k * h, weights[k] = h;
      return {};
    case Quadrature::kRiemannRight:
      for (int k = 0; k < n; ++k) alphas[k] = (k + 1) * h, weights[k] = h;
      return {};
    case Quadrature::kRiemannMiddle:
      for (int k = 0; k < n; ++k) alphas[k] = (k + 0.5) * h, weights[k] = h;
      return {};
    case Quadrature::kRiemannTrapezoid: {
      if (n < 2)
        return Status::error(Code::kInvalidArgument,
                             "riemann_trapezoid needs n_steps >= 2 (got %d)", n);
      const double g = 1.0 / (n - 1);
      for (int k = 0; k < n; ++k)
        alphas[k] = k * g, weights[k] = (k == 0 || k == n - 1) ? 0.5 * g : g;
      return {};
    }
  }
  return Status::error(Code::kInvalidArgument, "unknown quadrature rule");
}

}  // namespace salient::explain
