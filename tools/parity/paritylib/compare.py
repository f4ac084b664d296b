"""Comparing attributions.

Deterministic methods: d = max over samples n of Σ_i |ours_n,i − captum_n,i|, passing at 1e-4
(Captum's own test convention, assertTensorAlmostEqual's delta=1e-4, mode="sum").

Sampled methods: K independent runs per side (seeds 0..K−1 for ours, torch seeds for Captum). Per
element, z = (mean_ours − mean_captum) / sqrt(var_ours/K + var_captum/K) (Welch), which is ≈ N(0, 1)
for every element when both estimators have the same mean (CLT over the K runs). The test passes when
max |z| < 4.5: for up to ~1000 elements that bound's family-wise false-alarm rate is below 1% even
with the t tails of K ≥ 30 runs (two-sided p(|z| > 4.5) ≈ 7e-6 per element). Elements with zero
variance on both sides must agree to 1e-6. Note this checks the means; equal means with different
spreads pass (the report shows both sides' mean standard deviation for that).
"""

import numpy as np

DETERMINISTIC_TOLERANCE = 1e-4
Z_BOUND = 4.5


def per_sample_sum_abs(a, b):
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    return float(np.abs(a - b).sum(axis=1).max())


def deterministic(ours, captum):
    d = per_sample_sum_abs(ours, captum)
    scale = float(np.abs(np.asarray(captum, dtype=np.float64)).reshape(len(captum), -1).sum(axis=1).max())
    return {"diff": d, "scale": scale, "pass": d <= DETERMINISTIC_TOLERANCE}


def sampled(ours_runs, captum_runs):
    """ours_runs, captum_runs: [K, N, ...] arrays of independent runs."""
    o = np.asarray(ours_runs, dtype=np.float64)
    c = np.asarray(captum_runs, dtype=np.float64)
    k_o, k_c = len(o), len(c)
    mo, mc = o.mean(axis=0), c.mean(axis=0)
    vo, vc = o.var(axis=0, ddof=1), c.var(axis=0, ddof=1)
    se = np.sqrt(vo / k_o + vc / k_c)
    degenerate = se == 0
    z = np.where(degenerate, 0.0, (mo - mc) / np.where(degenerate, 1.0, se))
    degenerate_ok = bool(np.all(np.abs(mo - mc)[degenerate] <= 1e-6))
    max_z = float(np.abs(z).max())
    return {"diff": per_sample_sum_abs(mo, mc), "scale": float(np.abs(mc).reshape(len(mc), -1).sum(axis=1).max()),
            "max_z": max_z, "pass": degenerate_ok and max_z < Z_BOUND,
            "sd_ours": float(np.sqrt(vo).mean()), "sd_captum": float(np.sqrt(vc).mean())}
