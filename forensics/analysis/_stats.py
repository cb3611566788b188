"""Seeded statistics shared by the analyses: permutation, bootstrap, Holm, MMD, control nulls.

Conventions: every random draw comes from `np.random.default_rng(seed)`; p-values are one-sided
with the "+1" correction, so they are never 0; "larger = S closer to R than the controls".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

_CHUNK = 512  # replicates drawn per batch: results depend only on the seed, memory stays small

# ----------------------------------------------------------------------------------------------
# Resampling tests across probes


def _sign_flip_test(d: Sequence[float], n_perm: int = 2000, seed: int = 0) -> float:
    """One-sided paired permutation p for mean(d) > 0 (H0: each d_i symmetric about 0)."""
    x = np.asarray(d, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0 or n_perm <= 0:
        return 1.0
    rng = np.random.default_rng(seed)
    observed = x.sum()
    tol = 1e-12 * max(1.0, float(np.abs(x).sum()))
    exceed, done = 0, 0
    while done < n_perm:
        b = min(_CHUNK, n_perm - done)
        signs = rng.integers(0, 2, size=(b, x.size), dtype=np.int8) * 2 - 1
        exceed += int(np.count_nonzero(signs @ x >= observed - tol))
        done += b
    return float((1 + exceed) / (n_perm + 1))


def _bootstrap_replicates(values: np.ndarray, n_boot: int = 1000, seed: int = 0,
                         stat: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Bootstrap over rows (probes) of `values` (n,) or (n, q): `stat` of each resample, default mean."""
    v = np.asarray(values, dtype=float)
    n = v.shape[0]
    if n == 0 or n_boot <= 0:
        return np.full(max(n_boot, 0), np.nan)
    rng = np.random.default_rng(seed)
    out = []
    done = 0
    while done < n_boot:
        b = min(_CHUNK, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        if stat is None:
            flat = (np.arange(b)[:, None] * n + idx).ravel()
            counts = np.bincount(flat, minlength=b * n).reshape(b, n)
            out.append(counts @ np.nan_to_num(v) / n)
        else:
            out.extend(stat(v[i]) for i in idx)
        done += b
    return np.asarray(np.concatenate(out) if stat is None else out, dtype=float)


def _percentile_ci(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN, NaN when none is finite)."""
    r = np.asarray(replicates, dtype=float)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - level) / 2.0
    return float(np.quantile(r, a)), float(np.quantile(r, 1.0 - a))


def _bootstrap_ci(values: Sequence[float], n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean of `values` (resampling probes)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return _percentile_ci(_bootstrap_replicates(x, n_boot, seed), level)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


# ----------------------------------------------------------------------------------------------
# Maximum mean discrepancy (RBF kernel, median heuristic), as in Gao et al. 2025


def _median_heuristic(z: np.ndarray, max_points: int = 2000, seed: int = 0) -> float:
    """Median pairwise Euclidean distance of the rows of z (subsampled), 1.0 if degenerate."""
    z = np.asarray(z, dtype=float)
    if z.shape[0] > max_points:
        z = z[np.random.default_rng(seed).choice(z.shape[0], max_points, replace=False)]
    sq = np.sum(z * z, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * z @ z.T, 0.0)
    iu = np.triu_indices(z.shape[0], k=1)
    med = float(np.sqrt(np.median(d2[iu]))) if iu[0].size else 0.0
    return med if med > 1e-12 else 1.0


def _rbf_kernel(x: np.ndarray, y: np.ndarray, bandwidth: float) -> np.ndarray:
    """exp(-|x - y|^2 / (2 bandwidth^2)) for all row pairs."""
    sx, sy = np.sum(x * x, axis=1), np.sum(y * y, axis=1)
    d2 = np.maximum(sx[:, None] + sy[None, :] - 2.0 * x @ y.T, 0.0)
    return np.exp(-d2 / (2.0 * bandwidth * bandwidth))


def _mmd2_from_kernel(k: np.ndarray, nx: int) -> float:
    """Unbiased MMD^2 from the pooled kernel matrix, first nx rows = sample x."""
    kxx, kyy, kxy = k[:nx, :nx], k[nx:, nx:], k[:nx, nx:]
    ny = k.shape[0] - nx
    if nx < 2 or ny < 2:
        return float(kxx.mean() + kyy.mean() - 2.0 * kxy.mean())
    sxx = (kxx.sum() - np.trace(kxx)) / (nx * (nx - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (ny * (ny - 1))
    return float(sxx + syy - 2.0 * kxy.mean())


def _mmd2(x: np.ndarray, y: np.ndarray, bandwidth: float | None = None) -> float:
    """Unbiased MMD^2 between samples x and y (rows), RBF kernel, median-heuristic bandwidth."""
    z = np.vstack([x, y]).astype(float)
    bw = _median_heuristic(z) if bandwidth is None else bandwidth
    return _mmd2_from_kernel(_rbf_kernel(z, z, bw), len(x))


def _mmd_test(x: np.ndarray, y: np.ndarray, n_perm: int = 500, seed: int = 0,
             bandwidth: float | None = None) -> tuple[float, float]:
    """Two-sample MMD permutation test: (MMD^2, p) for H0: x and y come from one distribution."""
    return _mmd_test_grouped([x], [y], n_perm=n_perm, seed=seed, bandwidth=bandwidth)


def _mmd_test_grouped(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], n_perm: int = 500,
                     seed: int = 0, bandwidth: float | None = None) -> tuple[float, float]:
    """MMD^2 averaged over groups (probes); labels permuted within each group; (stat, p)."""
    groups = [(np.asarray(x, float), np.asarray(y, float)) for x, y in zip(xs, ys)
              if len(x) >= 1 and len(y) >= 1 and len(x) + len(y) >= 3]
    if not groups:
        return float("nan"), 1.0
    bw = bandwidth if bandwidth is not None else _median_heuristic(
        np.vstack([np.vstack([x, y]) for x, y in groups]), seed=seed)
    kernels = [(_rbf_kernel(np.vstack([x, y]), np.vstack([x, y]), bw), len(x)) for x, y in groups]
    observed = float(np.mean([_mmd2_from_kernel(k, nx) for k, nx in kernels]))
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(n_perm):
        total = 0.0
        for k, nx in kernels:
            perm = rng.permutation(k.shape[0])
            total += _mmd2_from_kernel(k[np.ix_(perm, perm)], nx)
        exceed += total / len(kernels) >= observed - 1e-12
    return observed, float((1 + exceed) / (n_perm + 1))


# ----------------------------------------------------------------------------------------------
# S versus controls


def _pair(sims: Mapping[tuple[str, str], np.ndarray], a: str, b: str) -> np.ndarray:
    """Per-probe similarity of models a and b from a symmetric pair table."""
    return sims[(a, b)] if (a, b) in sims else sims[(b, a)]


def _excess_closeness(sims: Mapping[tuple[str, str], np.ndarray], x: str, reference: str,
                     others: Sequence[str]) -> np.ndarray:
    """Per probe: sim(x,R) - (mean sim(x,o) + mean sim(R,o)) / 2 over `others` (double-centred)."""
    xo = np.mean([_pair(sims, x, o) for o in others], axis=0)
    ro = np.mean([_pair(sims, reference, o) for o in others], axis=0)
    return _pair(sims, x, reference) - 0.5 * (xo + ro)


def _per_probe_differences(sims: Mapping[tuple[str, str], np.ndarray], probe_ids: Sequence[str],
                          suspect: str, reference: str, controls: Sequence[str]) -> pd.DataFrame:
    """Per probe: S↔R, S↔controls, R↔controls, S's excess, each control's excess, and d.

    Control Cj's excess uses the other controls (never S) as its controls; d = excess(S) minus
    the controls' mean excess, so mean(d) = statistic(S) - mean(control statistics).
    """
    sc = np.vstack([_pair(sims, suspect, c) for c in controls])
    table = pd.DataFrame({"probe_id": list(probe_ids), "sim_sr": _pair(sims, suspect, reference),
                          "sim_sc_mean": sc.mean(axis=0), "sim_sc_max": sc.max(axis=0),
                          "nearest_control": [controls[i] for i in sc.argmax(axis=0)],
                          "sim_rc_mean": np.mean([_pair(sims, reference, c) for c in controls], 0)})
    table["excess_s"] = _excess_closeness(sims, suspect, reference, controls)
    ctrl = {c: _excess_closeness(sims, c, reference, [o for o in controls if o != c]) for c in controls}
    for c, v in ctrl.items():
        table[f"excess[{c}]"] = v
    table["excess_controls_mean"] = np.mean(list(ctrl.values()), axis=0)
    table["d"] = table["excess_s"] - table["excess_controls_mean"]
    table["gap_nearest"] = table["sim_sr"] - table["sim_sc_max"]
    return table


def _loo_statistics(stat: Callable[[str, Sequence[str]], float], suspect: str,
                   controls: Sequence[str]) -> tuple[float, dict[str, float]]:
    """Exchangeable statistics: Cj scored against the other controls; S averaged over the same sets.

    `stat(x, others)` scores model x against the control set `others`. S gets the mean over j of
    stat(S, controls without Cj), so S and every Cj are scored against k-1 controls, never S.
    """
    ctrl = {c: float(stat(c, [o for o in controls if o != c])) for c in controls}
    s = float(np.mean([stat(suspect, [o for o in controls if o != c]) for c in controls]))
    return s, ctrl


def null_scale(control_stats: Sequence[float], floor: float = 0.0) -> float:
    """Between-model SD of the control statistics, floored (sampling noise, degenerate spreads)."""
    c = np.asarray([v for v in control_stats if np.isfinite(v)], dtype=float)
    sd = float(np.std(c, ddof=1)) if c.size >= 2 else 0.0
    return max(sd, float(floor), 1e-12)


def _predictive_pvalue(statistic: float, control_stats: Sequence[float], floor: float = 0.0) -> float:
    """One-sided p that S is exchangeable with the controls: Student-t prediction, k-1 df."""
    c = np.asarray([v for v in control_stats if np.isfinite(v)], dtype=float)
    if c.size < 2 or not np.isfinite(statistic):
        return 1.0
    k = c.size
    t = (statistic - c.mean()) / (null_scale(c, floor) * np.sqrt(1.0 + 1.0 / k))
    return float(sps.t.sf(t, df=k - 1))


def log10_bayes_factor(statistic: float, control_stats: Sequence[float], floor: float = 0.0,
                       tau: float = 3.0, null_mass: float = 0.0, sd_known: bool = False) -> float:
    """log10 p(s | controls, H1) / p(s | controls, H2) under the normal model of `evidence`.

    H2: s and the k control statistics are i.i.d. N(mu, sigma^2). H1: s ~ N(mu + delta*sigma,
    sigma^2) with delta ~ HalfNormal(tau), except that with probability `null_mass` distillation
    leaves no trace in this analysis (delta = 0). With the prior p(mu, sigma) ∝ 1/sigma, the
    predictive of d = s - mean(controls) given the controls (SD s_c, floored; nu = k-1) is, in
    closed form, Student t with scale s_c*a under H2 and skew-t (Azzalini & Capitanio 2003) with
    scale s_c*omega and shape tau/a under H1 (a^2 = 1 + 1/k, omega^2 = a^2 + tau^2). The ratio is
    bounded by about 2 (omega/a)^nu, so few controls can never yield strong evidence.

    `sd_known`: the statistic's SD under H2 is known exactly (it is `floor`, e.g. a z-score's 1), so
    sigma = max(floor, s_c) is not estimated and the predictives are the nu -> infinity limits,
    normal and skew-normal; mu is still estimated from the controls. The controls' spread only ever
    raises sigma: controls more dispersed than the exact null say it does not hold for these texts.
    One control then suffices (its statistic estimates mu; a^2 = 2); an estimated SD needs two.
    """
    c = np.asarray([v for v in control_stats if np.isfinite(v)], dtype=float)
    if c.size < (1 if sd_known else 2) or not np.isfinite(statistic):
        return 0.0
    k = c.size
    nu = k - 1
    sd = null_scale(c, floor)
    d = statistic - c.mean()
    a = np.sqrt(1.0 + 1.0 / k)
    omega = np.sqrt(a * a + tau * tau)
    alpha = tau / a
    y = d / (sd * omega)
    if sd_known:
        log_f0 = sps.norm.logpdf(d / (sd * a)) - np.log(sd * a)
        log_f1 = np.log(2.0) + sps.norm.logpdf(y) - np.log(sd * omega) + sps.norm.logcdf(alpha * y)
    else:
        log_f0 = sps.t.logpdf(d / (sd * a), df=nu) - np.log(sd * a)
        log_f1 = (np.log(2.0) + sps.t.logpdf(y, df=nu) - np.log(sd * omega)
                  + sps.t.logcdf(alpha * y * np.sqrt((nu + 1.0) / (nu + y * y)), df=nu + 1))
    ratio = float(np.exp(min(log_f1 - log_f0, 700.0)))
    lr = null_mass + (1.0 - null_mass) * ratio
    return float(np.log10(max(lr, 1e-300)))
