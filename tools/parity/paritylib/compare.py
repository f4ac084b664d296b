"""Comparing attributions.

Deterministic methods: d = max over samples n of Σ_i |ours_n,i − captum_n,i|, passing at 1e-4
(Captum's own test convention, assertTensorAlmostEqual's delta=1e-4, mode="sum").

Sampled methods: K independent runs per side (seeds 0..K−1 for ours, torch seeds for Captum). Three
checks, all of which must hold:
- means, element-wise: z = (mean_ours − mean_captum) / sqrt(var_ours/K + var_captum/K) (Welch), which
  is ≈ N(0, 1) for every element when both estimators have the same mean (CLT over the K runs).
  max |z| < 4.5: for up to ~1000 elements the family-wise false-alarm rate of that bound is below 1%
  even with the t tails of K = 30 runs (two-sided p(|z| > 4.5) ≈ 7e-6 per element);
- means, pooled: mean over elements of z² < 2. For independent normal z it is 1 ± sqrt(2/E); the
  elements are correlated and the runs heavy-tailed, so the bound leaves room: the same-setting runs
  on the parity models give 0.8-1.7 (README);
- spread: Σ var_ours / Σ var_captum within [1/1.5, 1.5] (same-setting runs: 0.77-1.16; 15 instead of
  25 shapley-sampling samples gives 1.7), so an estimator with the right mean but the wrong number of
  draws is caught.
The standard error gets a floor of 1e-6 × max(max |mean_captum|, max |f(x)|): float32 rounding.
A logit of magnitude L is rounded at ~6e-8·L, every perturbation attribution is a difference of
logits, and gradients carry the same relative error, so 1e-6 allows ~16 ulps. Without it, elements
whose runs barely vary (early GRU steps that the last output has forgotten) turn differences of a few
ulps into large z. In the spread ratio every element's variance gets (1e-3 × max |mean_captum|)²
(or the float floor², if larger): runs that agree to 0.1% of the largest attribution are treated as
deterministic, since their spread says nothing about the number of draws (on the GRU, shapley-sampling
runs differ by ~1e-7 on attributions of ~1e-2: only the last steps matter, whatever the ordering).
These are tests of the first two moments: the README lists what they do not catch (e.g. smoothgrad
with σ 0.8 instead of 1.0).
"""

import numpy as np

DETERMINISTIC_TOLERANCE = 1e-4
Z_BOUND = 4.5
MEAN_Z2_BOUND = 2.0
SPREAD_BOUND = 1.5
FLOAT_FLOOR = 1e-6
SPREAD_FLOOR = 1e-3


def per_sample_sum_abs(a, b):
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    return float(np.abs(a - b).sum(axis=1).max())


def deterministic(ours, captum):
    d = per_sample_sum_abs(ours, captum)
    scale = float(np.abs(np.asarray(captum, dtype=np.float64)).reshape(len(captum), -1).sum(axis=1).max())
    return {"diff": d, "scale": scale, "pass": d <= DETERMINISTIC_TOLERANCE}


def sampled(ours_runs, captum_runs, output_scale=0.0):
    """ours_runs, captum_runs: [K, N, ...] arrays of independent runs; output_scale: max |f(x)| over
    the explained logits (the float floor's unit, with max |mean|)."""
    o = np.asarray(ours_runs, dtype=np.float64)
    c = np.asarray(captum_runs, dtype=np.float64)
    k_o, k_c = len(o), len(c)
    mo, mc = o.mean(axis=0), c.mean(axis=0)
    vo, vc = o.var(axis=0, ddof=1), c.var(axis=0, ddof=1)
    floor = FLOAT_FLOOR * max(float(np.abs(mc).max()), output_scale)
    se = np.sqrt(vo / k_o + vc / k_c + floor**2)
    z = (mo - mc) / se if floor > 0 else np.where(mo == mc, 0.0, np.inf)
    degenerate = vo + vc == 0
    max_z = float(np.abs(z).max())
    mean_z2 = float((z[~degenerate] ** 2).mean()) if np.any(~degenerate) else 0.0
    # Runs that agree to 0.1% of the largest mean attribution count as deterministic (SPREAD_FLOOR).
    noise = vo.size * max(floor, SPREAD_FLOOR * float(np.abs(mc).max())) ** 2
    spread = float((vo.sum() + noise) / (vc.sum() + noise)) if vc.sum() + noise > 0 else \
        (1.0 if vo.sum() == 0 else np.inf)
    ok = max_z < Z_BOUND and mean_z2 < MEAN_Z2_BOUND and 1 / SPREAD_BOUND < spread < SPREAD_BOUND
    return {"diff": per_sample_sum_abs(mo, mc), "scale": float(np.abs(mc).reshape(len(mc), -1).sum(axis=1).max()),
            "max_z": max_z, "mean_z2": mean_z2, "spread": spread, "pass": ok}
