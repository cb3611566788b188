"""Validation figures for a likelihood-ratio system: Tippett and empirical cross-entropy (ECE).

Drawing only: the numbers come from the evidence stage's validation metrics. matplotlib is
imported inside the functions (Agg `Figure`, pyplot state is never touched); no file I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from forensics.evidence import ece, tippett

from ._style import CONTROL, NEUTRAL, REFERENCE, SUSPECT, _figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

_H1_LABEL = "H1 true (distilled / same source)"
_H2_LABEL = "H2 true (not distilled / different source)"


def _thresholds(llr: np.ndarray, extra: float | None) -> np.ndarray:
    """Every distinct finite log10 LR (and the case's), with a margin point on each side."""
    values = llr[np.isfinite(llr)]
    if extra is not None and np.isfinite(extra):
        values = np.append(values, extra)
    finite = np.unique(values)
    lo, hi = (float(finite[0]), float(finite[-1])) if finite.size else (-1.0, 1.0)
    pad = max(0.5, 0.05 * (hi - lo))
    return np.concatenate([[lo - pad], finite, [hi + pad]])


def tippett_figure(log10_lr: Sequence[float] | np.ndarray, is_h1: Sequence[bool] | np.ndarray,
                   case_log10_lr: float | None = None) -> Figure:
    """Tippett plot: share of H1 and of H2 pairs with log10 LR >= x, a line at 0, and this case."""
    llr = np.asarray(log10_lr, dtype=float).ravel()
    case = None if case_log10_lr is None else float(case_log10_lr)
    curves = tippett(llr, is_h1, thresholds=_thresholds(llr, case))
    x = curves["log10_lr"].to_numpy()
    fig, ax = _figure(6.5, 4.8)
    ax.plot(x, curves["share_h1"], drawstyle="steps-pre", color=SUSPECT, lw=1.6, label=_H1_LABEL)
    ax.plot(x, curves["share_h2"], drawstyle="steps-pre", color=CONTROL, lw=1.6, ls="--",
            label=_H2_LABEL)
    ax.axvline(0.0, color=NEUTRAL, lw=0.8, ls=":", label="LR = 1 (no support either way)")
    if case is not None:
        shown = float(np.clip(case, x[0], x[-1]))  # an infinite case LR is drawn at the edge
        word = "" if shown == case else " (beyond the axis)"
        ax.axvline(shown, color=REFERENCE, lw=2.0, ls="-", gid="this-case",
                   label=f"this case: log10 LR = {case:.2f}{word}")
        ax.plot([shown], [1.02], marker="v", color=REFERENCE, ms=8, clip_on=False, gid="this-case-marker")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("log10 likelihood ratio, x (above 0 supports H1, below 0 supports H2)")
    ax.set_ylabel("proportion of pairs with log10 LR at least x")
    ax.set_title("Tippett plot: validation pairs of known truth", fontsize=10)
    ax.grid(True, ls=":", lw=0.5)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    return fig


def ece_figure(log10_lr: Sequence[float] | np.ndarray, is_h1: Sequence[bool] | np.ndarray,
               prior_log10_odds: Sequence[float] | np.ndarray | None = None) -> Figure:
    """ECE plot: cross-entropy of the LRs, of the PAV-calibrated LRs and of LR = 1, by prior odds."""
    priors = {} if prior_log10_odds is None else {"prior_log10_odds": prior_log10_odds}
    curves = ece(log10_lr, is_h1, **priors)
    x = curves["prior_log10_odds"].to_numpy()
    fig, ax = _figure(6.5, 4.8)
    series = (("ece_system", "this LR system", SUSPECT, "-"),
              ("ece_pav", "after PAV calibration (best possible with these scores)", CONTROL, "--"),
              ("ece_neutral", "LR = 1 always (no information)", NEUTRAL, ":"))
    tops = []
    for column, label, colour, style in series:
        y = curves[column].to_numpy(dtype=float)
        y = np.where(np.isfinite(y), y, np.nan)  # an infinite cost is left off the plot
        tops.append(np.nanmax(y) if np.isfinite(y).any() else 0.0)
        ax.plot(x, y, color=colour, ls=style, lw=1.6, label=label)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(0.0, max(max(tops), 1.0) * 1.05)
    ax.set_xlabel("prior log10 odds of H1 (before the evidence)")
    ax.set_ylabel("empirical cross-entropy, bits (lower is better)")
    ax.set_title("Empirical cross-entropy: calibration and discrimination", fontsize=10)
    ax.grid(True, ls=":", lw=0.5)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    return fig
