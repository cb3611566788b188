"""Validation on ground truth: every labelled pair of a panel gets a cross-validated log10 LR, and
the system gets its forensic figures (Cllr, Cllr_min, Cllr_cal, EER, AUC, misleading evidence).

Pairs: every model against every reference (student→teacher h1, student→other reference other,
independent→reference h2), same-weights pairs (same), and independent→independent pairs as a
second null (h2, kind `null2`). Each pair's score is the population score of
`forensics.analysis.population_scores` against its admissible controls; its LR comes from a
calibration that never saw a pair of the same lineage group as S or R.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from forensics.analysis import population_scores, population_similarities

from ._calibration import cross_validated_lrs
from ._labels import Labels
from ._validation_metrics import validation_summary

FORMAT = "distill-forensics/validation/1"
Progress = Callable[[str, int, int], None]


@dataclass
class Validation:
    """The pairs with their cross-validated LRs, and the system's figures."""

    pairs: pd.DataFrame
    summary: dict
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe: {format, pairs: [{suspect, reference, label, kind, log10_lr, ...}], cllr, ...}."""
        cols = ["suspect", "reference", "label", "kind", "log10_lr", "score", "p_value", "n_controls",
                "elub_low", "elub_high"]
        pairs = [{k: _plain(v) for k, v in row.items()} for row in self.pairs[cols].to_dict("records")]
        return {"format": FORMAT, "pairs": pairs, **{k: _plain(v) for k, v in self.summary.items()},
                "settings": self.settings}


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    return x


def validation_pairs(labels: Labels, models: list[str]) -> list[tuple[str, str, str, str]]:
    """(suspect, reference, label, kind) of every pair the validation scores."""
    present = [m for m in models if m in labels]
    refs = [r for r in labels.references if r in present]
    out = []
    for s in present:
        for r in refs:
            if s != r:
                lab = labels.pair_label(s, r)
                out.append((s, r, lab, {"h1": "student_teacher", "h2": "independent_reference",
                                        "same": "same_weights"}.get(lab, "other")))
    seen = {(s, r) for s, r, _, _ in out}
    for s in present:
        for r in present:
            if s != r and (s, r) not in seen and labels.pair_label(s, r) == "same":
                out.append((s, r, "same", "same_weights"))
    independents = [m for m in present if m not in refs
                    and all(labels.pair_label(m, r) == "h2" for r in refs)]
    for s in independents:
        for r in independents:
            if s < r and labels.independent_of(s, r) is None and labels.related_to(s, r) is None \
                    and labels.group(s) != labels.group(r):
                out.append((s, r, "h2", "null2"))
    return out


def _p_values(pop, table: pd.DataFrame, controls, cache: dict) -> list[float]:
    """One-sided predictive p of S's score among its controls' scores (each scored as if suspect)."""
    out = []
    for s, r, score in zip(table["suspect"], table["reference"], table["score"]):
        ctrl = [c for c in controls(s, r) if c not in (s, r)]
        if len(ctrl) < 3 or not np.isfinite(score):
            out.append(np.nan)
            continue
        as_s = population_scores(pop, [(c, r) for c in ctrl],
                                 lambda c, rr, ctrl=ctrl: [x for x in ctrl if x != c],
                                 cache=cache)["score"].to_numpy(float)
        as_s = as_s[np.isfinite(as_s)]
        k = len(as_s)
        sd = as_s.std(ddof=1) if k >= 2 else np.nan
        t = (score - as_s.mean()) / (sd * math.sqrt(1 + 1 / k)) if sd and np.isfinite(sd) else np.nan
        out.append(float(stats.t.sf(t, k - 1)) if np.isfinite(t) else np.nan)
    return out


def validate_panel(df: pd.DataFrame, labels: Labels, *, progress: Progress | None = None,
                   measures: tuple[str, ...] = ()) -> Validation:
    """Cross-validated LRs of every labelled pair of a run, and the system's validation figures.
    `measures`: per-probe similarity measures to add as diagnostic columns (the score does not
    use them)."""
    pop = population_similarities(df, measures=measures, progress=progress)
    models = pop.models

    def controls(s: str, r: str) -> list[str]:
        return labels.admissible_controls(models, s, r).admitted

    pairs = validation_pairs(labels, models)
    stats_cache: dict = {}  # every (model, reference) statistic is computed once
    table = population_scores(pop, [(s, r) for s, r, _, _ in pairs], controls, progress=progress,
                              cache=stats_cache)
    table["label"] = [lab for _, _, lab, _ in pairs]
    table["kind"] = [kind for _, _, _, kind in pairs]
    table = cross_validated_lrs(table, labels.group)
    table["p_value"] = _p_values(pop, table, controls, stats_cache)
    main = table[table["kind"].isin(["student_teacher", "independent_reference"])
                 & np.isfinite(table["log10_lr"].to_numpy(float))]
    summary = validation_summary(main["log10_lr"].to_numpy(float), (main["label"] == "h1").to_numpy())
    summary.update(_case_figures(table, labels))
    settings = {"n_models": len(models), "n_probes": len(pop.probes), "measures": list(pop.measures),
                "score": "z of profile.distinct (S's lean along R's distinctive word choices) "
                         "against the pair's admissible controls, each scored as if it were the suspect",
                "calibration": "lir LogitCalibrator, leave lineage groups out, ELUB-bounded"}
    return Validation(table, summary, settings)


def _case_figures(table: pd.DataFrame, labels: Labels) -> dict:
    """Teacher top-1, medians and the acceptance-style shares the closing notes quote."""
    lr = table.set_index(["suspect", "reference"])["log10_lr"]
    refs = labels.references
    top, n = 0, 0
    for s in table.loc[table["label"] == "h1", "suspect"].unique():
        cand = {r: lr.get((s, r), np.nan) for r in refs if (s, r) in lr.index}
        teachers = labels.teachers(s) & set(cand)
        if not teachers or not any(np.isfinite(v) for v in cand.values()):
            continue
        n += 1
        top += max(cand, key=lambda r: cand[r] if np.isfinite(cand[r]) else -np.inf) in teachers
    h1 = table.loc[table["kind"] == "student_teacher", "log10_lr"].to_numpy(float)
    h2 = table.loc[table["kind"] == "independent_reference", "log10_lr"].to_numpy(float)
    null2 = table[table["kind"] == "null2"]
    same = table.loc[table["kind"] == "same_weights", "log10_lr"].to_numpy(float)
    return {"teacher_top1": top, "teacher_top1_of": n,
            "median_h1_log10_lr": float(np.nanmedian(h1)) if len(h1) else None,
            "min_h1_log10_lr": float(np.nanmin(h1)) if len(h1) else None,
            "max_h2_log10_lr": float(np.nanmax(h2)) if len(h2) else None,
            "min_same_log10_lr": float(np.nanmin(same)) if len(same) else None,
            "null2_share_lr_above_1": float(np.mean(null2["log10_lr"] > 0)) if len(null2) else None,
            "null2_share_p_below_05": float(np.mean(null2["p_value"] < 0.05)) if len(null2) else None,
            "n_pairs": int(len(table))}
