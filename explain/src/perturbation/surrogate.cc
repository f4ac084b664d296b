// Surrogate-model explainers over binary coalitions z ∈ {0,1}^G of the feature groups (z_g = 1: the
// group keeps x; 0: it is set to the baseline). Each sample gets its own coalitions (one seeded Rng
// for the batch), evaluated in memory-budgeted chunks; a linear model in z is then fitted to the
// target logit and every element receives its group's coefficient.
//
// lime (Captum's Lime defaults): n_samples coalitions with z_g ~ Bernoulli(0.5); weights
//   π(z) = exp(−d²/(2·kernel_width²)), d = 1 − cos(x, x_z) (cosine distance of the flattened inputs);
//   fit by weighted Lasso (sklearn's objective, sample weights rescaled to sum to n:
//   1/(2n)·Σ π (y − b − z·β)² + α‖β‖₁, cyclic coordinate descent, tol 1e-4, 1000 sweeps) or ridge
//   (Σ π (y − b − z·β)² + α‖β‖²), both with an unpenalised intercept.
// kernel-shap (Captum's KernelShap): the full and the empty coalition first, then coalitions whose
//   size k is drawn from p(k) ∝ (G−1)/(k(G−k)) with k groups picked uniformly (weight 1); when
//   2^G ≤ n_samples every coalition is used once with the Shapley kernel weight
//   (G−1)/(C(G,k)·k·(G−k)). Weighted least squares with the constraints enforced exactly:
//   intercept v(∅), Σ φ = v(full) − v(∅) (φ_G eliminated). With all coalitions this is exactly the
//   Shapley value.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "common.h"
#include "perturbation.h"

namespace salient::explain {
namespace {

using perturbation::Evaluator;
using perturbation::Groups;

// Solves (A + ridge·I) β = b for a symmetric positive semi-definite n×n A (row-major), by Gaussian
// elimination with partial pivoting. Pivots below 1e-12·scale are treated as zero (β_j = 0).
void solve(int64_t n, std::vector<double>& a, std::vector<double>& b, double ridge, std::vector<double>* beta) {
  double scale = 0;
  for (int64_t i = 0; i < n; ++i) scale = std::max(scale, std::fabs(a[size_t(i * n + i)]));
  for (int64_t i = 0; i < n; ++i) a[size_t(i * n + i)] += ridge;
  beta->assign(size_t(n), 0.0);
  std::vector<bool> singular(size_t(n), false);
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::fabs(a[size_t(i * n + k)]) > std::fabs(a[size_t(p * n + k)])) p = i;
    if (p != k) {
      for (int64_t j = 0; j < n; ++j) std::swap(a[size_t(k * n + j)], a[size_t(p * n + j)]);
      std::swap(b[size_t(k)], b[size_t(p)]);
    }
    const double pivot = a[size_t(k * n + k)];
    if (std::fabs(pivot) <= 1e-12 * (scale + 1e-300)) {
      singular[size_t(k)] = true;
      continue;
    }
    for (int64_t i = k + 1; i < n; ++i) {
      const double factor = a[size_t(i * n + k)] / pivot;
      if (factor == 0) continue;
      for (int64_t j = k; j < n; ++j) a[size_t(i * n + j)] -= factor * a[size_t(k * n + j)];
      b[size_t(i)] -= factor * b[size_t(k)];
    }
  }
  for (int64_t k = n - 1; k >= 0; --k) {
    if (singular[size_t(k)]) continue;
    double s = b[size_t(k)];
    for (int64_t j = k + 1; j < n; ++j) s -= a[size_t(k * n + j)] * (*beta)[size_t(j)];
    (*beta)[size_t(k)] = s / a[size_t(k * n + k)];
  }
}

// Evaluates the coalitions z (rows × G per sample, sample-major) of every sample.
Status evaluate_coalitions(Evaluator& ev, const Groups& groups, int64_t per_sample, const std::vector<uint8_t>& z,
                           std::vector<float>* y) {
  const int64_t d = ev.sample_numel(), g_count = groups.count;
  y->assign(size_t(ev.samples() * per_sample), 0.0f);
  return ev.evaluate(
      ev.samples() * per_sample,
      [&](int64_t row, float* dst) {
        const int64_t s = row / per_sample;
        const uint8_t* zr = z.data() + row * g_count;
        const float* x = ev.x(s);
        const float* b = ev.baseline(s);
        for (int64_t i = 0; i < d; ++i) dst[i] = zr[groups.group_of[size_t(i)]] ? x[i] : b[i];
        return s;
      },
      y->data());
}

void spread(const Evaluator& ev, const Groups& groups, const std::vector<double>& phi, float* attributions) {
  const int64_t d = ev.sample_numel();
  for (int64_t s = 0; s < ev.samples(); ++s)
    for (int64_t i = 0; i < d; ++i)
      attributions[s * d + i] = static_cast<float>(phi[size_t(s * groups.count + groups.group_of[size_t(i)])]);
}

Result<double> double_setting(const Request& r, const Method& method, const char* key, bool positive) {
  const std::string v = setting(r, method, key);
  char* end = nullptr;
  const double value = v.empty() ? 0.0 : std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(value) || value < 0 || (positive && value == 0))
    return Status::error(Code::kInvalidArgument, "%s: %s=%s is not a %s number", method.name, key, v.c_str(),
                         positive ? "positive" : "non-negative");
  return value;
}

}  // namespace

Status kernel_shap(const Request& r, Arena& /*arena*/, float* attributions) {
  const Method& method = *find_method("kernel-shap");
  Result<int64_t> n_samples = perturbation::int_setting(r, method, "n_samples", 2);
  if (!n_samples.ok()) return n_samples.status();
  Evaluator ev;
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t m = groups->count, n = ev.samples();
  const bool enumerate = m < 62 && (int64_t{1} << m) <= *n_samples;
  const int64_t per_sample = enumerate ? (int64_t{1} << m) : *n_samples;

  // Rows 0 and 1 of every sample: the full and the empty coalition.
  std::vector<uint8_t> z(size_t(n * per_sample * m), 0);
  std::vector<double> weight(size_t(per_sample), 1.0);
  Rng rng(r.seed);
  std::vector<double> cdf(size_t(std::max<int64_t>(m - 1, 1)), 0.0);
  double total = 0;
  for (int64_t k = 1; k < m; ++k) cdf[size_t(k - 1)] = (total += double(m - 1) / double(k * (m - k)));
  std::vector<int64_t> pick(static_cast<size_t>(m));
  for (int64_t s = 0; s < n; ++s) {
    uint8_t* zs = z.data() + s * per_sample * m;
    std::fill(zs, zs + m, uint8_t{1});
    if (enumerate) {
      int64_t row = 2;
      for (int64_t mask = 1; mask + 1 < (int64_t{1} << m); ++mask, ++row) {
        const int64_t k = __builtin_popcountll(static_cast<unsigned long long>(mask));
        for (int64_t g = 0; g < m; ++g) zs[row * m + g] = (mask >> g) & 1;
        const double log_binom = std::lgamma(double(m + 1)) - std::lgamma(double(k + 1)) - std::lgamma(double(m - k + 1));
        weight[size_t(row)] = double(m - 1) / (std::exp(log_binom) * double(k) * double(m - k));
      }
      continue;
    }
    for (int64_t row = 2; row < per_sample && m > 1; ++row) {
      const double u = rng.uniform() * total;
      int64_t k = 1;
      while (k < m - 1 && cdf[size_t(k - 1)] <= u) ++k;
      for (int64_t g = 0; g < m; ++g) pick[size_t(g)] = g;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t t = j + static_cast<int64_t>(rng.below(uint64_t(m - j)));
        std::swap(pick[size_t(j)], pick[size_t(t)]);
        zs[row * m + pick[size_t(j)]] = 1;
      }
    }
  }
  std::vector<float> y;
  SALIENT_RETURN_IF_ERROR(evaluate_coalitions(ev, *groups, per_sample, z, &y));

  std::vector<double> phi(size_t(n * m), 0.0), a, b, beta;
  const int64_t u = m - 1;  // unknowns after eliminating φ_{G−1}
  for (int64_t s = 0; s < n; ++s) {
    const double v_full = y[size_t(s * per_sample)], v_empty = y[size_t(s * per_sample + 1)];
    const double delta = v_full - v_empty;
    double* ps = phi.data() + s * m;
    if (m == 1) {
      ps[0] = delta;
      continue;
    }
    a.assign(size_t(u * u), 0.0);
    b.assign(size_t(u), 0.0);
    const uint8_t* zs = z.data() + s * per_sample * m;
    std::vector<double> row_features(static_cast<size_t>(u));
    for (int64_t row = 2; row < per_sample; ++row) {
      const uint8_t* zr = zs + row * m;
      const double w = weight[size_t(row)];
      const double t = double(y[size_t(s * per_sample + row)]) - v_empty - zr[m - 1] * delta;
      for (int64_t g = 0; g < u; ++g) row_features[size_t(g)] = double(zr[g]) - double(zr[m - 1]);
      for (int64_t i = 0; i < u; ++i) {
        if (row_features[size_t(i)] == 0) continue;
        b[size_t(i)] += w * row_features[size_t(i)] * t;
        for (int64_t j = 0; j < u; ++j) a[size_t(i * u + j)] += w * row_features[size_t(i)] * row_features[size_t(j)];
      }
    }
    solve(u, a, b, 1e-9, &beta);
    double sum = 0;
    for (int64_t g = 0; g < u; ++g) sum += (ps[g] = beta[size_t(g)]);
    ps[m - 1] = delta - sum;
  }
  spread(ev, *groups, phi, attributions);
  return {};
}

Status lime(const Request& r, Arena& /*arena*/, float* attributions) {
  const Method& method = *find_method("lime");
  Result<int64_t> n_samples = perturbation::int_setting(r, method, "n_samples", 1);
  if (!n_samples.ok()) return n_samples.status();
  Result<double> width = double_setting(r, method, "kernel_width", true);
  if (!width.ok()) return width.status();
  Result<double> alpha = double_setting(r, method, "alpha", false);
  if (!alpha.ok()) return alpha.status();
  const std::string solver = setting(r, method, "solver");
  if (solver != "lasso" && solver != "ridge")
    return Status::error(Code::kInvalidArgument, "lime: solver=%s is not lasso or ridge", solver.c_str());
  Evaluator ev;
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t m = groups->count, n = ev.samples(), d = ev.sample_numel(), p = *n_samples;

  std::vector<uint8_t> z(static_cast<size_t>(n * p * m));
  Rng rng(r.seed);
  for (uint8_t& v : z) v = rng.uniform() < 0.5f ? 1 : 0;
  std::vector<float> y;
  SALIENT_RETURN_IF_ERROR(evaluate_coalitions(ev, *groups, p, z, &y));

  std::vector<double> phi(size_t(n * m), 0.0), w(static_cast<size_t>(p)), zmean(static_cast<size_t>(m)), a, b, beta;
  for (int64_t s = 0; s < n; ++s) {
    const float* x = ev.x(s);
    const float* base = ev.baseline(s);
    const uint8_t* zs = z.data() + s * p * m;
    // Similarity of each perturbed input to x: exp(−(1 − cos)²/(2·width²)); cos = 0 for a zero vector.
    double xx = 0;
    for (int64_t i = 0; i < d; ++i) xx += double(x[i]) * x[i];
    double wsum = 0;
    for (int64_t row = 0; row < p; ++row) {
      const uint8_t* zr = zs + row * m;
      double xp = 0, pp = 0;
      for (int64_t i = 0; i < d; ++i) {
        const double v = zr[groups->group_of[size_t(i)]] ? x[i] : base[i];
        xp += double(x[i]) * v;
        pp += v * v;
      }
      const double cos = xp / std::max(std::sqrt(xx) * std::sqrt(pp), 1e-8);
      const double dist = 1.0 - cos;
      wsum += (w[size_t(row)] = std::exp(-dist * dist / (2.0 * *width * *width)));
    }
    double* ps = phi.data() + s * m;
    if (wsum <= 0) continue;
    // Centre z and y by their weighted means (the intercept is not penalised).
    double ymean = 0;
    std::fill(zmean.begin(), zmean.end(), 0.0);
    for (int64_t row = 0; row < p; ++row) {
      ymean += w[size_t(row)] * y[size_t(s * p + row)];
      for (int64_t g = 0; g < m; ++g) zmean[size_t(g)] += w[size_t(row)] * zs[row * m + g];
    }
    ymean /= wsum;
    for (double& v : zmean) v /= wsum;
    auto zc = [&](int64_t row, int64_t g) { return double(zs[row * m + g]) - zmean[size_t(g)]; };
    if (solver == "ridge") {
      a.assign(size_t(m * m), 0.0);
      b.assign(size_t(m), 0.0);
      for (int64_t row = 0; row < p; ++row) {
        const double t = double(y[size_t(s * p + row)]) - ymean;
        for (int64_t i = 0; i < m; ++i) {
          const double zi = zc(row, i);
          if (zi == 0) continue;
          b[size_t(i)] += w[size_t(row)] * zi * t;
          for (int64_t j = 0; j < m; ++j) a[size_t(i * m + j)] += w[size_t(row)] * zi * zc(row, j);
        }
      }
      solve(m, a, b, *alpha, &beta);
      for (int64_t g = 0; g < m; ++g) ps[g] = beta[size_t(g)];
      continue;
    }
    // Lasso by cyclic coordinate descent on 1/(2n)·Σ ŵ r² + α‖β‖₁ with ŵ = w·n/Σw.
    std::vector<double> resid(static_cast<size_t>(p)), norm(size_t(m), 0.0), wn(static_cast<size_t>(p));
    for (int64_t row = 0; row < p; ++row) {
      wn[size_t(row)] = w[size_t(row)] / wsum;  // ŵ/n
      resid[size_t(row)] = double(y[size_t(s * p + row)]) - ymean;
    }
    for (int64_t g = 0; g < m; ++g)
      for (int64_t row = 0; row < p; ++row) norm[size_t(g)] += wn[size_t(row)] * zc(row, g) * zc(row, g);
    for (int iter = 0; iter < 1000; ++iter) {
      double max_change = 0, max_beta = 0;
      for (int64_t g = 0; g < m; ++g) {
        if (norm[size_t(g)] <= 0) continue;
        double rho = 0;
        for (int64_t row = 0; row < p; ++row) rho += wn[size_t(row)] * zc(row, g) * resid[size_t(row)];
        rho += norm[size_t(g)] * ps[g];
        const double shrunk = rho > *alpha ? rho - *alpha : (rho < -*alpha ? rho + *alpha : 0.0);
        const double next = shrunk / norm[size_t(g)];
        const double change = next - ps[g];
        if (change != 0)
          for (int64_t row = 0; row < p; ++row) resid[size_t(row)] -= change * zc(row, g);
        ps[g] = next;
        max_change = std::max(max_change, std::fabs(change));
        max_beta = std::max(max_beta, std::fabs(next));
      }
      if (max_change <= 1e-4 * std::max(max_beta, 1e-12)) break;
    }
  }
  spread(ev, *groups, phi, attributions);
  return {};
}

}  // namespace salient::explain
