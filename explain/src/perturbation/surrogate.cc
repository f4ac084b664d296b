// Surrogate-model explainers over binary coalitions z ∈ {0,1}^G of the feature groups (z_g = 1: the
// group keeps x; 0: it is set to the baseline). Each sample gets its own coalitions (one seeded Rng
// for the batch, drawn in row order), evaluated in memory-budgeted chunks; a linear model in z is
// then fitted to the target logit and every element receives its group's coefficient. Rows are
// streamed: each chunk's coalitions are folded into the weighted normal equations (G×G sums) as
// its logits arrive, so memory is O(G² + chunk) whatever n_samples is.
//
// lime (Captum's Lime defaults): n_samples coalitions with z_g ~ Bernoulli(0.5); weights
//   π(z) = exp(−d²/(2·kernel_width²)), d = 1 − cos(x, x_z) (cosine distance of the flattened
//   inputs); fit by weighted Lasso (sklearn's objective, sample weights rescaled to sum to n:
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
void solve(int64_t n, std::vector<double>& a, std::vector<double>& b, double ridge,
           std::vector<double>* beta) {
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

// Fits v ≈ b + z·β (b unpenalised) from the weighted sums of one sample's rows: W = Σπ, sz = Σπz,
// sy = Σπy, szz = Σπzzᵀ, szy = Σπzy. Centring by the weighted means z̄ = sz/W, ȳ = sy/W gives
//   C_zz = Σπ(z − z̄)(z − z̄)ᵀ = szz − sz·szᵀ/W,  C_zy = Σπ(z − z̄)(y − ȳ) = szy − sz·sy/W.
// ridge: (C_zz + α I) β = C_zy. lasso (sklearn's 1/(2n)·Σ π̂ r² + α‖β‖₁, π̂ = π·n/W): cyclic
// coordinate descent in covariance form, with Q = C_zz/W and c = C_zy/W,
//   β_g ← S(c_g − Σ_{j≠g} Q_gj β_j, α)/Q_gg  (S the soft threshold),
// up to 1000 sweeps, until the largest change is below 1e-4 of the largest |β_g|. β starts at 0.
void fit_centred(int64_t m, double w_sum, const std::vector<double>& sz, double sy,
                 const std::vector<double>& szz, const std::vector<double>& szy, bool lasso,
                 double alpha, std::vector<double>* scratch, double* beta) {
  std::vector<double> czz(static_cast<size_t>(m * m)), czy(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    czy[size_t(i)] = szy[size_t(i)] - sz[size_t(i)] * sy / w_sum;
    for (int64_t j = 0; j < m; ++j)
      czz[size_t(i * m + j)] = szz[size_t(i * m + j)] - sz[size_t(i)] * sz[size_t(j)] / w_sum;
  }
  if (!lasso) {
    solve(m, czz, czy, alpha, scratch);
    std::copy(scratch->begin(), scratch->end(), beta);
    return;
  }
  std::fill(beta, beta + m, 0.0);
  for (int iter = 0; iter < 1000; ++iter) {
    double max_change = 0, max_beta = 0;
    for (int64_t g = 0; g < m; ++g) {
      const double q_gg = czz[size_t(g * m + g)] / w_sum;
      if (q_gg <= 0) continue;
      double rho = czy[size_t(g)];
      for (int64_t j = 0; j < m; ++j)
        if (j != g) rho -= czz[size_t(g * m + j)] * beta[j];
      rho /= w_sum;
      const double shrunk = rho > alpha ? rho - alpha : (rho < -alpha ? rho + alpha : 0.0);
      const double next = shrunk / q_gg;
      max_change = std::max(max_change, std::fabs(next - beta[g]));
      max_beta = std::max(max_beta, std::fabs(next));
      beta[g] = next;
    }
    if (max_change <= 1e-4 * std::max(max_beta, 1e-12)) break;
  }
}

// Streams ev.samples() · per_sample coalition rows (sample-major) through the evaluator:
// draw(row, z) writes row's coalition (G bytes), in row order; take(row, z, logit) receives it back
// with the target logit of x on z's groups and the baseline elsewhere, in row order. The coalitions
// of one chunk live in the arena (counted in the budget) until its logits are taken.
template <class Draw, class Take>
Status stream_coalitions(Evaluator& ev, Arena& arena, const Groups& groups, int64_t per_sample,
                         Draw&& draw, Take&& take) {
  const int64_t d = ev.sample_numel(), m = groups.count, rows = ev.samples() * per_sample;
  ev.reserve(Arena::kAlignment, static_cast<size_t>(m));  // the chunk's coalitions
  const int64_t chunk = ev.chunk_rows();
  const Arena::Mark before = arena.mark();
  uint8_t* z = arena.allocate_array<uint8_t>(size_t(std::min(chunk, rows) * m));
  if (!z)
    return Status::error(Code::kOutOfMemory, "the arena cannot hold %lld coalitions of %lld groups",
                         static_cast<long long>(std::min(chunk, rows)), static_cast<long long>(m));
  const Status status = ev.evaluate(
      rows,
      [&](int64_t row, float* dst) {
        uint8_t* zr = z + (row % chunk) * m;
        draw(row, zr);
        const int64_t s = row / per_sample;
        const float* x = ev.x(s);
        const float* b = ev.baseline(s);
        for (int64_t i = 0; i < d; ++i) dst[i] = zr[groups.group_of[size_t(i)]] ? x[i] : b[i];
        return s;
      },
      [&](int64_t row, float logit) { take(row, z + (row % chunk) * m, logit); });
  arena.rewind(before);
  return status;
}

void spread(const Evaluator& ev, const Groups& groups, const std::vector<double>& phi,
            float* attributions) {
  const int64_t d = ev.sample_numel();
  for (int64_t s = 0; s < ev.samples(); ++s)
    for (int64_t i = 0; i < d; ++i)
      attributions[s * d + i] =
          static_cast<float>(phi[size_t(s * groups.count + groups.group_of[size_t(i)])]);
}

}  // namespace

Status kernel_shap(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("kernel-shap");
  Result<int64_t> n_samples = int_setting(r, method, "n_samples", 2);
  if (!n_samples.ok()) return n_samples.status();
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t m = groups->count, n = ev.samples();
  const bool enumerate = m < 62 && (int64_t{1} << m) <= *n_samples;
  const int64_t per_sample = enumerate ? (int64_t{1} << m) : *n_samples;

  // Row 0 of every sample is the full coalition, row 1 the empty one; enumeration then lists the
  // masks 1 .. 2^G − 2 in order.
  Rng rng(r.seed);
  std::vector<double> cdf(size_t(std::max<int64_t>(m - 1, 1)), 0.0);
  double total = 0;
  for (int64_t k = 1; k < m; ++k)
    cdf[size_t(k - 1)] = (total += double(m - 1) / double(k * (m - k)));
  std::vector<int64_t> pick(static_cast<size_t>(m));
  auto draw = [&](int64_t row, uint8_t* zr) {
    const int64_t k_row = row % per_sample;
    std::fill(zr, zr + m, static_cast<uint8_t>(k_row == 0 ? 1 : 0));
    if (k_row < 2) return;
    if (enumerate) {
      for (int64_t g = 0; g < m; ++g) zr[g] = ((k_row - 1) >> g) & 1;
      return;
    }
    if (m < 2) return;
    const double u = rng.uniform() * total;
    int64_t k = 1;
    while (k < m - 1 && cdf[size_t(k - 1)] <= u) ++k;
    for (int64_t g = 0; g < m; ++g) pick[size_t(g)] = g;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t t = j + static_cast<int64_t>(rng.below(uint64_t(m - j)));
      std::swap(pick[size_t(j)], pick[size_t(t)]);
      zr[pick[size_t(j)]] = 1;
    }
  };

  // Per sample: with φ_{G−1} = Δ − Σ_{g<G−1} φ_g eliminated (Δ = v(full) − v(∅)), the normal
  // equations A β = b of Σ_rows w (v − v(∅) − z_{G−1}Δ − Σ_g (z_g − z_{G−1}) β_g)², accumulated row
  // by row.
  std::vector<double> phi(size_t(n * m), 0.0), a, b, beta;
  const int64_t u = m - 1;  // unknowns after eliminating φ_{G−1}
  std::vector<double> row_features(static_cast<size_t>(std::max<int64_t>(u, 1)));
  double v_full = 0, v_empty = 0;
  auto take = [&](int64_t row, const uint8_t* zr, float logit) {
    const int64_t s = row / per_sample, k_row = row % per_sample;
    if (k_row == 0) v_full = logit;
    if (k_row == 1) {
      v_empty = logit;
      a.assign(size_t(u * u), 0.0);
      b.assign(size_t(u), 0.0);
    }
    const double delta = v_full - v_empty;
    if (k_row >= 2) {
      double w = 1.0;
      if (enumerate) {
        int64_t k = 0;
        for (int64_t g = 0; g < m; ++g) k += zr[g];
        const double log_binom = std::lgamma(double(m + 1)) - std::lgamma(double(k + 1)) -
                                 std::lgamma(double(m - k + 1));
        w = double(m - 1) / (std::exp(log_binom) * double(k) * double(m - k));
      }
      const double t = double(logit) - v_empty - zr[m - 1] * delta;
      for (int64_t g = 0; g < u; ++g) row_features[size_t(g)] = double(zr[g]) - double(zr[m - 1]);
      for (int64_t i = 0; i < u; ++i) {
        if (row_features[size_t(i)] == 0) continue;
        b[size_t(i)] += w * row_features[size_t(i)] * t;
        for (int64_t j = 0; j < u; ++j)
          a[size_t(i * u + j)] += w * row_features[size_t(i)] * row_features[size_t(j)];
      }
    }
    if (k_row != per_sample - 1) return;
    double* ps = phi.data() + s * m;
    if (m == 1) {
      ps[0] = delta;
      return;
    }
    solve(u, a, b, 1e-9, &beta);
    double sum = 0;
    for (int64_t g = 0; g < u; ++g) sum += (ps[g] = beta[size_t(g)]);
    ps[m - 1] = delta - sum;
  };
  SALIENT_RETURN_IF_ERROR(stream_coalitions(ev, arena, *groups, per_sample, draw, take));
  spread(ev, *groups, phi, attributions);
  return {};
}

Status lime(const Request& r, Arena& arena, float* attributions) {
  const Method& method = *find_method("lime");
  Result<int64_t> n_samples = int_setting(r, method, "n_samples", 1);
  if (!n_samples.ok()) return n_samples.status();
  Result<double> width = float_setting(r, method, "kernel_width", 0.0, HUGE_VAL, /*lo_open=*/true);
  if (!width.ok()) return width.status();
  Result<double> alpha = float_setting(r, method, "alpha", 0.0);
  if (!alpha.ok()) return alpha.status();
  const std::string solver = setting(r, method, "solver");
  if (solver != "lasso" && solver != "ridge")
    return Status::error(Code::kInvalidArgument, "lime: solver=%s is not lasso or ridge",
                         solver.c_str());
  const bool lasso = solver == "lasso";
  Evaluator ev(arena);
  SALIENT_RETURN_IF_ERROR(ev.init(r, method.name));
  Result<Groups> groups = perturbation::feature_groups(r, method, ev.sample_shape());
  if (!groups.ok()) return groups.status();
  const int64_t m = groups->count, n = ev.samples(), d = ev.sample_numel(), p = *n_samples;

  Rng rng(r.seed);
  auto draw = [&](int64_t /*row*/, uint8_t* zr) {
    for (int64_t g = 0; g < m; ++g) zr[g] = rng.uniform() < 0.5f ? 1 : 0;
  };

  // Per sample, the weighted sums of the design: W = Σπ, Σπz, Σπy', Σπzzᵀ, Σπzy' with y' = y − f(x)
  // (a shift the intercept absorbs; it keeps the centred sums away from cancellation).
  const size_t groups_count = static_cast<size_t>(m);
  std::vector<double> phi(size_t(n * m), 0.0), sz(groups_count), szz(groups_count * groups_count),
      szy(groups_count), beta;
  double w_sum = 0, sy = 0, xx = 0;
  auto take = [&](int64_t row, const uint8_t* zr, float logit) {
    const int64_t s = row / p, k_row = row % p;
    const float* x = ev.x(s);
    const float* base = ev.baseline(s);
    if (k_row == 0) {
      w_sum = sy = xx = 0;
      std::fill(sz.begin(), sz.end(), 0.0);
      std::fill(szz.begin(), szz.end(), 0.0);
      std::fill(szy.begin(), szy.end(), 0.0);
      for (int64_t i = 0; i < d; ++i) xx += double(x[i]) * x[i];
    }
    // Similarity to x: exp(−(1 − cos)²/(2·width²)); cos = 0 against a zero vector.
    double xp = 0, pp = 0;
    for (int64_t i = 0; i < d; ++i) {
      const double v = zr[groups->group_of[size_t(i)]] ? x[i] : base[i];
      xp += double(x[i]) * v;
      pp += v * v;
    }
    const double dist = 1.0 - xp / std::max(std::sqrt(xx) * std::sqrt(pp), 1e-8);
    const double w = std::exp(-dist * dist / (2.0 * *width * *width));
    const double y = double(logit) - double(ev.fx(s));
    w_sum += w;
    sy += w * y;
    for (int64_t i = 0; i < m; ++i) {
      if (!zr[i]) continue;
      sz[size_t(i)] += w;
      szy[size_t(i)] += w * y;
      for (int64_t j = 0; j < m; ++j)
        if (zr[j]) szz[size_t(i * m + j)] += w;
    }
    if (k_row == p - 1 && w_sum > 0)
      fit_centred(m, w_sum, sz, sy, szz, szy, lasso, *alpha, &beta, phi.data() + s * m);
  };
  SALIENT_RETURN_IF_ERROR(stream_coalitions(ev, arena, *groups, p, draw, take));
  spread(ev, *groups, phi, attributions);
  return {};
}

}  // namespace salient::explain
