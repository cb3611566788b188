"""Validation metrics for a likelihood-ratio system: how good are its LRs, on pairs of known truth.

Inputs are log10 LRs with labels (True = H1, "distilled"/"same source"; False = H2). Pure
computation: arrays in, numbers and DataFrames out; no plotting, no files.

Sources of each number:
- PAV (for `cllr_min`, `cllr_cal` and the PAV curve of `ece`) is the NFI `lir` package's
  `IsotonicCalibrator` (lir >= 1.2; sklearn isotonic regression with the two classes weighted
  equally), imported when first needed.
- Cllr is hand-written with `logaddexp`, so it is exact for any finite log10 LR (lir's `cllr`
  computes 10**llr, which overflows to inf beyond |log10 LR| ~ 308); tests check it against lir.
- ELUB is a port of lir's `algorithms.bayeserror.elub` (same grid, one added misleading LR per
  side), because that lir module imports matplotlib.pyplot and edits its input in place; ECE is
  the formula of lir's `plotting.expected_calibration_error.calculate_ece` (a pyplot module too),
  written in log space. Tests check both against lir.
- EER, ROC AUC, misleading-evidence rates and Tippett curves are not in lir's API; they are
  hand-written here (ROC from scikit-learn).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

_LN10 = math.log(10.0)
_LN2 = math.log(2.0)

_ArrayLike = Sequence[float] | np.ndarray | pd.Series
_PRIOR_LOG10_ODDS = np.linspace(-2.5, 2.5, 51)
_PRIOR_LOG10_ODDS.setflags(write=False)


def _split(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked float log10 LRs, boolean labels, and the (H1, H2) split of the LRs."""
    llr = np.asarray(log10_lr, dtype=float).ravel()
    raw = np.asarray(is_h1).ravel()
    if llr.shape != raw.shape:
        raise ValueError(f"log10_lr and is_h1 differ in length: {llr.size} != {raw.size}")
    if np.isnan(llr).any():
        raise ValueError("log10_lr contains NaN")
    if raw.dtype != bool:
        if not np.isin(raw, (0, 1)).all():
            raise ValueError("is_h1 must be booleans (or 0/1)")
        raw = raw.astype(bool)
    if not raw.any() or raw.all():
        raise ValueError("need at least one H1 and one H2 log10 LR")
    return llr, raw, llr[raw]


def _log2_1p_10pow(x: np.ndarray) -> np.ndarray:
    """log2(1 + 10**x), exact for large |x| and for ±inf."""
    return np.logaddexp(0.0, np.asarray(x, dtype=float) * _LN10) / _LN2


def _cllr_split(h1: np.ndarray, h2: np.ndarray) -> float:
    """Cllr from the H1 and the H2 log10 LRs."""
    return float(0.5 * (np.mean(_log2_1p_10pow(-h1)) + np.mean(_log2_1p_10pow(h2))))


def _pav(llr: np.ndarray, is_h1: np.ndarray) -> np.ndarray:
    """The log10 LRs after PAV (isotonic) recalibration on these same labels (lir)."""
    from lir.algorithms.isotonic_regression import IsotonicCalibrator

    return np.asarray(IsotonicCalibrator().fit_transform(llr, is_h1.astype(int)), dtype=float)


def cllr(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> float:
    """Log-likelihood-ratio cost (bits): 1/2 [mean_H1 log2(1 + 1/LR) + mean_H2 log2(1 + LR)]."""
    llr, lab, h1 = _split(log10_lr, is_h1)
    return _cllr_split(h1, llr[~lab])


def cllr_min(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> float:
    """Cllr after the best monotone recalibration (PAV): the discrimination part of Cllr."""
    llr, lab, _ = _split(log10_lr, is_h1)
    pav = _pav(llr, lab)
    return _cllr_split(pav[lab], pav[~lab])


def cllr_cal(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> float:
    """Calibration loss: Cllr - Cllr_min (>= 0)."""
    return cllr(log10_lr, is_h1) - cllr_min(log10_lr, is_h1)


def _rank_safe(llr: np.ndarray) -> np.ndarray:
    """The same order with ±inf replaced by finite values beyond the finite ones (for sklearn)."""
    finite = llr[np.isfinite(llr)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    return np.where(np.isneginf(llr), lo - 1.0, np.where(np.isposinf(llr), hi + 1.0, llr))


def eer(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> float:
    """Equal error rate: where the ROC's miss rate equals its false-alarm rate (linear between points)."""
    from sklearn.metrics import roc_curve

    llr, lab, _ = _split(log10_lr, is_h1)
    fpr, tpr, _ = roc_curve(lab, _rank_safe(llr), drop_intermediate=False)
    fnr = 1.0 - tpr
    d = fnr - fpr  # starts at 1 (fpr 0, fnr 1), ends at -1 (fpr 1, fnr 0)
    i = int(np.flatnonzero(d <= 0)[0])
    if d[i] == 0 or i == 0:
        return float(fpr[i])
    alpha = d[i - 1] / (d[i - 1] - d[i])
    return float(fpr[i - 1] + alpha * (fpr[i] - fpr[i - 1]))


def roc_auc(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> float:
    """Area under the ROC curve: P(an H1 LR > an H2 LR), ties counted one half."""
    from sklearn.metrics import roc_auc_score

    llr, lab, _ = _split(log10_lr, is_h1)
    return float(roc_auc_score(lab, _rank_safe(llr)))


def misleading_rates(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> dict[str, float | int]:
    """Misleading evidence: H2 pairs with LR > 1 (for H1) and H1 pairs with LR < 1 (for H2)."""
    llr, lab, h1 = _split(log10_lr, is_h1)
    h2 = llr[~lab]
    n_for_h1, n_for_h2 = int((h2 > 0).sum()), int((h1 < 0).sum())
    return {
        "rate_misleading_for_h1": n_for_h1 / h2.size,
        "n_misleading_for_h1": n_for_h1,
        "rate_misleading_for_h2": n_for_h2 / h1.size,
        "n_misleading_for_h2": n_for_h2,
    }


def _expected_utility(h1: np.ndarray, h2: np.ndarray, grid: np.ndarray, add_misleading: int,
                      w1: np.ndarray | None = None, w2: np.ndarray | None = None) -> np.ndarray:
    """lir's expected utility at each log10 threshold: P(reject | H1) + theta P(accept | H2).

    Accept means LR > threshold; `add_misleading` H1 LRs that are always rejected and H2 LRs
    that are always accepted are added to the counts. `w1`/`w2` weigh each LR (default 1 each:
    lir's counts).
    """
    w1 = np.ones(h1.size) if w1 is None else np.asarray(w1, float)
    w2 = np.ones(h2.size) if w2 is None else np.asarray(w2, float)
    with np.errstate(over="ignore"):  # compared as LRs, as lir does, so ties resolve alike
        o1, o2 = np.argsort(10.0 ** h1, kind="stable"), np.argsort(10.0 ** h2, kind="stable")
        lr1, lr2, theta = (10.0 ** h1)[o1], (10.0 ** h2)[o2], 10.0 ** grid
    c1, c2 = np.r_[0.0, np.cumsum(w1[o1])], np.r_[0.0, np.cumsum(w2[o2])]
    m = add_misleading
    rejected_h1 = c1[np.searchsorted(lr1, theta, side="right")]  # weight of H1 LRs <= threshold
    accepted_h2 = c2[-1] - c2[np.searchsorted(lr2, theta, side="right")]  # weight of H2 LRs > threshold
    return (rejected_h1 + m) / (c1[-1] + m) + theta * (accepted_h2 + m) / (c2[-1] + m)


def elub_bounds(log10_lr: _ArrayLike, is_h1: _ArrayLike, add_misleading: int = 1,
                step: float = 0.01, weights: _ArrayLike | None = None) -> tuple[float, float]:
    """Empirical lower and upper bounds (ELUB, Vergeer et al. 2016) as log10 LRs, on a `step` grid.

    `weights` (default 1 per LR) let dependent comparisons count as fewer: with each pair weighted
    1 / (pairs of its class sharing its suspect), the counts are the numbers of sources (models).
    """
    llr, lab, h1 = _split(log10_lr, is_h1)
    h2 = llr[~lab]
    w = np.ones(llr.size) if weights is None else np.asarray(weights, float).ravel()
    if w.shape != llr.shape or not np.all(w > 0):
        raise ValueError("weights must be positive, one per log10 LR")
    n1, n2 = float(w[lab].sum()), float(w[~lab].sum())
    # the grid of thresholds, as in lir: within [-log10(n_H1 + 1), log10(n_H2 + 1)] and the data
    llr_min = max(float(llr.min()), -math.log10(n1 + 1))
    llr_max = min(float(llr.max()), math.log10(n2 + 1))
    steps_min = min(0, int(np.floor_divide(llr_min, step)))
    steps_max = max(0, int(np.floor_divide(llr_max, step)) + 1)
    grid = np.linspace(steps_min * step, steps_max * step, steps_max - steps_min + 1)
    # the neutral system (all LR = 1) accepts iff 1 > threshold; the system must do no worse
    eu_neutral = np.where(grid < 0, 10.0 ** grid, 1.0)
    with np.errstate(divide="ignore"):
        ratio = eu_neutral / _expected_utility(h1, h2, grid, add_misleading, w[lab], w[~lab])
    worse_left = grid[(grid <= 0) & (ratio < 1)]
    worse_right = grid[(grid >= 0) & (ratio < 1)]
    lower = float(np.max(worse_left + step, initial=grid.min()))
    upper = float(np.min(worse_right - step, initial=grid.max()))
    return min(lower, 0.0), max(upper, 0.0)


def apply_elub(log10_lr: _ArrayLike, bounds: tuple[float, float]) -> np.ndarray:
    """The log10 LRs clipped to the (lower, upper) log10 bounds (a new array)."""
    lower, upper = bounds
    if lower > upper:
        raise ValueError(f"lower bound {lower} is above upper bound {upper}")
    return np.clip(np.asarray(log10_lr, dtype=float), lower, upper)


def tippett(log10_lr: _ArrayLike, is_h1: _ArrayLike, thresholds: _ArrayLike | None = None) -> pd.DataFrame:
    """Tippett curves: per log10 threshold t, the shares of H1 and of H2 log10 LRs >= t.

    Default thresholds: every distinct finite log10 LR, with one margin point below and above.
    Between thresholds the curves are steps (draw with drawstyle="steps-pre").
    """
    llr, lab, h1 = _split(log10_lr, is_h1)
    h2 = llr[~lab]
    if thresholds is None:
        finite = np.unique(llr[np.isfinite(llr)])
        lo, hi = (float(finite[0]), float(finite[-1])) if finite.size else (0.0, 0.0)
        pad = max(0.5, 0.05 * (hi - lo))
        t = np.concatenate([[lo - pad], finite, [hi + pad]])
    else:
        t = np.sort(np.asarray(thresholds, dtype=float))
    h1s, h2s = np.sort(h1), np.sort(h2)
    share_h1 = (h1s.size - np.searchsorted(h1s, t, side="left")) / h1s.size
    share_h2 = (h2s.size - np.searchsorted(h2s, t, side="left")) / h2s.size
    return pd.DataFrame({"log10_lr": t, "share_h1": share_h1, "share_h2": share_h2})


def _ece_curve(h1: np.ndarray, h2: np.ndarray, prior_log10_odds: np.ndarray) -> np.ndarray:
    """ECE (bits) at each prior log10 odds, from H1 and H2 log10 LRs (log space, ±inf safe)."""
    o = prior_log10_odds[:, None]
    p1 = 1.0 / (1.0 + 10.0 ** -prior_log10_odds)  # prior P(H1)
    # -log2 P(H1 | e) = log2(1 + 1/(O LR)); -log2 P(H2 | e) = log2(1 + O LR)
    cost_h1 = _log2_1p_10pow(-(o + h1[None, :])).mean(axis=1)
    cost_h2 = _log2_1p_10pow(o + h2[None, :]).mean(axis=1)
    return p1 * cost_h1 + (1.0 - p1) * cost_h2


def ece(log10_lr: _ArrayLike, is_h1: _ArrayLike,
        prior_log10_odds: _ArrayLike = _PRIOR_LOG10_ODDS) -> pd.DataFrame:
    """Empirical cross-entropy (bits) by prior log10 odds (default -2.5..2.5): system, PAV, LR = 1."""
    llr, lab, h1 = _split(log10_lr, is_h1)
    prior = np.array(prior_log10_odds, dtype=float).ravel()
    pav = _pav(llr, lab)
    zeros = np.zeros(1)
    return pd.DataFrame({
        "prior_log10_odds": prior,
        "ece_system": _ece_curve(h1, llr[~lab], prior),
        "ece_pav": _ece_curve(pav[lab], pav[~lab], prior),
        "ece_neutral": _ece_curve(zeros, zeros, prior),
    })


def validation_summary(log10_lr: _ArrayLike, is_h1: _ArrayLike) -> dict[str, float | int]:
    """Cllr, Cllr_min, Cllr_cal, EER, ROC AUC, misleading-evidence rates and counts, n_h1, n_h2."""
    llr, lab, h1 = _split(log10_lr, is_h1)
    c, c_min = cllr(llr, lab), cllr_min(llr, lab)
    return {
        "cllr": c,
        "cllr_min": c_min,
        "cllr_cal": c - c_min,
        "eer": eer(llr, lab),
        "roc_auc": roc_auc(llr, lab),
        **misleading_rates(llr, lab),
        "n_h1": int(h1.size),
        "n_h2": int(llr.size - h1.size),
    }


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper confidence limit of a proportion k / n (1.0 when n is 0)."""
    from scipy.stats import beta

    if n <= 0:
        return 1.0
    return 1.0 if k >= n else float(beta.ppf(confidence, k + 1, n - k))


def misleading_sources(log10_lr: _ArrayLike, sources: Sequence[str], log10_threshold: float,
                       for_h1: bool = True) -> dict[str, float | int]:
    """Misleading evidence counted in sources: how many suspects have any pair past the threshold.

    `for_h1`: the LRs are H2 pairs and misleading means log10 LR > threshold (support for H1);
    otherwise they are H1 pairs and misleading means log10 LR < -threshold. Returns the pair
    rate, the source count k of n, and the one-sided 95% Clopper-Pearson upper limit of k / n.
    """
    llr = np.asarray(log10_lr, dtype=float).ravel()
    src = np.asarray(list(sources), dtype=object)
    if llr.shape != src.shape:
        raise ValueError(f"log10_lr and sources differ in length: {llr.size} != {src.size}")
    bad = llr > log10_threshold if for_h1 else llr < -log10_threshold
    n = len(set(src))
    k = len(set(src[bad]))
    return {"pair_rate": float(bad.mean()) if llr.size else float("nan"), "n_pairs": int(llr.size),
            "k_sources": k, "n_sources": n, "source_rate": k / n if n else float("nan"),
            "upper_95": clopper_pearson_upper(k, n)}
