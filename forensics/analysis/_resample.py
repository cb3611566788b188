"""Small, seeded resampling helpers shared by errors.py and identity.py (probe bootstrap, tails)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._stats import _percentile_ci  # noqa: F401 - re-exported for errors/identity

_CHUNK = 256  # bootstrap replicates drawn per batch; fixed so results depend only on the seed


def _bootstrap_counts(n: int, n_boot: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Yield (b, n) matrices of how often each of n items is drawn, b <= 256 replicates a batch."""
    done = 0
    while done < n_boot:
        b = min(_CHUNK, n_boot - done)
        idx = rng.integers(0, n, size=(b, n))
        flat = (np.arange(b)[:, None] * n + idx).ravel()
        yield np.bincount(flat, minlength=b * n).reshape(b, n)
        done += b


def _bootstrap_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of each row of `values` (q x n) over n_boot resamples of its n columns: (n_boot, q)."""
    v = np.atleast_2d(np.asarray(values, dtype=float))
    n = v.shape[1]
    if n == 0 or n_boot <= 0:
        return np.full((max(n_boot, 0), v.shape[0]), np.nan)
    out = [counts @ v.T / n for counts in _bootstrap_counts(n, n_boot, rng)]
    return np.vstack(out)


def _shifted_bootstrap_p(boot: np.ndarray, observed: float) -> float:
    """One-sided p for H0: theta <= 0, from the bootstrap of T - theta (Hall & Wilson 1991)."""
    b = np.asarray(boot, dtype=float)
    b = b[np.isfinite(b)]
    if b.size == 0 or not np.isfinite(observed):
        return 1.0
    exceed = np.count_nonzero(b - observed >= observed - 1e-12)
    return float(min(1.0, (1 + exceed) / (b.size + 1)))


def _poisson_binomial_sf(probs: np.ndarray, k: int) -> float:
    """P(X >= k) for X a sum of independent Bernoulli(p_i): exact, by dynamic programming."""
    p = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    if k <= 0:
        return 1.0
    if k > p.size:
        return 0.0
    pmf = np.zeros(p.size + 1)
    pmf[0] = 1.0
    for i, pi in enumerate(p):
        top = i + 2
        pmf[1:top] = pmf[1:top] * (1.0 - pi) + pmf[: top - 1] * pi
        pmf[0] *= 1.0 - pi
    return float(min(1.0, max(0.0, pmf[k:].sum())))


def _label_permutation_p(values: np.ndarray, n_perm: int, rng: np.random.Generator) -> float:
    """One-sided paired p that column 0 of `values` (items x groups) beats the other columns' mean."""
    # Within each item (row) column 0's label moves uniformly among the k+1 columns;
    # statistic = sum over items of (col 0 - mean of the others).
    v = np.asarray(values, dtype=float)
    n_items, g = v.shape
    if n_items == 0 or g < 2:
        return 1.0
    k = g - 1
    total = v.sum(axis=1, keepdims=True)
    d = v * (1.0 + 1.0 / k) - total / k  # item statistic if column c were "the suspect"
    observed = d[:, 0].sum()
    exceed = 0
    rows = np.arange(n_items)
    done = 0
    while done < n_perm:
        b = min(_CHUNK * 8, n_perm - done)
        pick = rng.integers(0, g, size=(b, n_items))
        stats = d[rows[None, :], pick].sum(axis=1)
        exceed += int(np.count_nonzero(stats >= observed - 1e-9))
        done += b
    return float((1 + exceed) / (n_perm + 1))
