"""Figures for reports and notebooks (matplotlib, Agg, imported inside the functions; no file I/O).

Colours come from `_style` (Okabe-Ito): suspect vermilion, controls blue, reference orange.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._style import CONTROL, NEUTRAL, SUSPECT, _figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from forensics.evidence import Evidence



def plot_null_distributions(evidence: Evidence) -> Figure:
    """Per analysis: each control's statistic (the null) and the suspect's, standardised."""
    null = evidence.tables.get("null", pd.DataFrame(columns=["analysis", "model", "role", "statistic"]))
    names = [a for a in evidence.summary.loc[evidence.summary["applicable"].astype(bool), "analysis"]
             if a in set(null["analysis"])]
    fig, ax = _figure(7.5, 0.45 * max(len(names), 2) + 1.2)
    for i, name in enumerate(names):
        rows = null[null["analysis"] == name]
        ctrl = rows.loc[rows["role"] == "control", "statistic"].to_numpy(float)
        sus = rows.loc[rows["role"] == "suspect", "statistic"].to_numpy(float)
        mu = np.nanmean(ctrl) if ctrl.size else 0.0
        sd = np.nanstd(ctrl, ddof=1) if ctrl.size > 1 else 1.0
        sd = sd if np.isfinite(sd) and sd > 0 else 1.0
        ax.scatter((ctrl - mu) / sd, np.full(ctrl.size, i), color=CONTROL, marker="o", s=28,
                   label="controls" if i == 0 else None, zorder=3)
        ax.scatter((sus - mu) / sd, np.full(sus.size, i), color=SUSPECT, marker="D", s=40,
                   label="suspect" if i == 0 else None, zorder=4)
    ax.axvline(0, color=NEUTRAL, lw=0.8, ls=":")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("statistic, in SDs of the controls (larger = closer to the reference)")
    ax.set_title(f"{evidence.settings.get('suspect', 'S')} vs controls, reference "
                 f"{evidence.settings.get('reference', 'R')}", fontsize=10)
    if names:
        ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_probe_scatter(table: pd.DataFrame, title: str = "") -> Figure:
    """Per probe: S↔R similarity against S↔nearest-control similarity (a similarity table)."""
    fig, ax = _figure(5.0, 5.0)
    x = table["sim_sc_max"].to_numpy(float)
    y = table["sim_sr"].to_numpy(float)
    above = y > x
    ax.scatter(x[~above], y[~above], s=12, color=CONTROL, alpha=0.7, label="nearer a control")
    ax.scatter(x[above], y[above], s=12, color=SUSPECT, alpha=0.7, label="nearer the reference")
    _finite = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
    lo, hi = (float(_finite.min()), float(_finite.max())) if _finite.size else (0.0, 1.0)
    ax.plot([lo, hi], [lo, hi], color=NEUTRAL, lw=0.8, ls="--")
    ax.set_xlabel("similarity of S to its nearest control")
    ax.set_ylabel("similarity of S to R")
    ax.set_title(title or f"{int(above.sum())} of {len(table)} probes nearer R", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_lr_contributions(evidence: Evidence) -> Figure:
    """Each analysis' contribution to the combined log10 LR (positive supports H1)."""
    s = evidence.summary.dropna(subset=["log10_lr_contribution"])
    s = s.sort_values("log10_lr_contribution")
    fig, ax = _figure(7.0, 0.35 * max(len(s), 2) + 1.4)
    vals = s["log10_lr_contribution"].to_numpy(float)
    colors = [SUSPECT if v > 0 else CONTROL for v in vals]
    ax.barh(np.arange(len(s)), vals, color=colors)
    ax.set_yticks(np.arange(len(s)), list(s["analysis"]), fontsize=8)
    ax.axvline(0, color=NEUTRAL, lw=0.8)
    v = evidence.verdict
    ax.set_xlabel("contribution to log10 LR (H1: distilled from R; H2: independent)")
    ax.set_title(f"log10 LR {v.log10_lr:+.2f}: " + ("inconclusive" if v.inconclusive else v.wording),
                 fontsize=9)
    return fig
