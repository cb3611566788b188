"""Scores to likelihood ratios: logistic-regression calibration on labelled pairs, cross-validated
by lineage group and bounded by ELUB, so no LR claims more than its calibration data support.

A pair (S, R) is never scored by a calibration that saw it: its LR comes from a calibration
fitted on the labelled pairs that share no lineage group with S or with R (leave the families
out). Calibration uses the NFI `lir` package's logistic calibrator (class-balanced, so the LR
does not depend on how many H1 and H2 pairs the panel happens to hold).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._validation_metrics import apply_elub, elub_bounds

MIN_PER_CLASS = 2  # a calibration needs at least this many H1 and H2 pairs


def _fit(scores: np.ndarray, is_h1: np.ndarray):
    from lir.algorithms.logistic_regression import LogitCalibrator

    return LogitCalibrator().fit(scores.astype(float), is_h1.astype(int))


def calibrate(train_scores, train_is_h1, scores) -> tuple[np.ndarray, tuple[float, float]]:
    """log10 LRs of `scores` from a calibration fitted on the training pairs, ELUB-bounded, and
    the bounds (log10) computed on the training pairs' own calibrated LRs."""
    x = np.asarray(train_scores, float)
    y = np.asarray(train_is_h1, bool)
    cal = _fit(x, y)
    bounds = elub_bounds(cal.transform(x), y)
    return apply_elub(cal.transform(np.asarray(scores, float)), bounds), bounds


def cross_validated_lrs(table: pd.DataFrame, group: Callable[[str], str]) -> pd.DataFrame:
    """Add `log10_lr` to a table of (suspect, reference, score, label): each row calibrated on the
    h1/h2 rows sharing no lineage group with its suspect or reference. Also `elub_low`/`elub_high`
    and the training counts; rows without enough training pairs get NaN (reported inconclusive)."""
    out = table.copy()
    groups = [(group(s), group(r)) for s, r in zip(out["suspect"], out["reference"])]
    usable = out["label"].isin(["h1", "h2"]).to_numpy() & np.isfinite(out["score"].to_numpy(float))
    llr, low, high, n1, n2 = [], [], [], [], []
    for k, (gs, gr) in enumerate(groups):
        held = {gs, gr}
        train = np.array([usable[i] and i != k and not ({a, b} & held) for i, (a, b) in enumerate(groups)])
        y = out["label"].to_numpy()[train] == "h1"
        n1.append(int(y.sum()))
        n2.append(int((~y).sum()))
        score = float(out["score"].iloc[k])
        if y.sum() < MIN_PER_CLASS or (~y).sum() < MIN_PER_CLASS or not np.isfinite(score):
            llr.append(np.nan)
            low.append(np.nan)
            high.append(np.nan)
            continue
        value, (lo, hi) = calibrate(out["score"].to_numpy(float)[train], y, [score])
        llr.append(float(value[0]))
        low.append(lo)
        high.append(hi)
    out["log10_lr"] = llr
    out["elub_low"], out["elub_high"] = low, high
    out["train_h1"], out["train_h2"] = n1, n2
    return out
