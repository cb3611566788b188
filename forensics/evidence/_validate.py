"""Validation on ground truth: every labelled pair of a panel gets a cross-validated log10 LR, and
the system gets its forensic figures (Cllr, Cllr_min, Cllr_cal, EER, AUC, misleading evidence).

Pairs: every model against every reference (student→teacher h1, student→other reference other,
independent→reference h2), same-weights pairs (same), and independent→independent pairs as a
second null (h2, kind `null2`). Each pair's per-family features are taken against its admissible
controls (`_panel`), computed from one population of the whole run; its LR comes from the fusion
and calibration of `_fusion`, fitted on the pairs that share no lineage with S (`_calibration`).
Same-weights pairs count as H1, in calibration and in the figures.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from forensics.analysis import Population

from ._calibration import H1_LABELS, TRAIN_KINDS, cross_validated_fusion, _fit_on, held_out_groups
from ._fusion import C_FUSION, FAMILY_STATISTICS, MIN_SOURCES, TRANSPORTABLE_FEATURES, Fusion
from ._labels import Labels
from ._panel import (FEATURE_MEASURES, pair_features, panel_background, run_attribution, run_population,
                     store_attribution)
from ._validation_metrics import misleading_sources, validation_summary

FORMAT = "distill-forensics/validation/2"
MAIN_KINDS = ("student_teacher", "same_weights", "independent_reference")
Progress = Callable[[str, int, int], None]


@dataclass
class Validation:
    """The pairs with their cross-validated LRs, and the system's figures."""

    pairs: pd.DataFrame
    summary: dict
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe: {format, pairs: [{suspect, reference, label, kind, log10_lr, ...}], cllr, ...}."""
        cols = ["suspect", "reference", "label", "kind", "log10_lr", "log10_lr_reference_out", "log10_lr_file",
                "p_value", "n_controls", "elub_low", "elub_high", "train_h1_sources", "train_h2_sources",
                *[c for c in self.pairs.columns if c.startswith("family.")], "score"]
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


def _p_values(pop, table: pd.DataFrame, controls, cache: dict, fits: dict, group, scheme: str,
              attribution=None) -> list[float]:
    """One-sided predictive p of S's fused score among its controls' (each scored as if it were the
    suspect, against the other controls), under the pair's own cross-validated fusion."""
    out = []
    for k, (s, r) in enumerate(zip(table["suspect"], table["reference"])):
        fus = fits.get(held_out_groups(s, r, group, scheme))
        ctrl = [c for c in controls(s, r) if c not in (s, r)]
        if fus is None or len(ctrl) < 3:
            out.append(np.nan)
            continue
        as_s = pair_features(pop, [(c, r) for c in ctrl],
                             lambda c, rr: [x for x in ctrl if x != c], cache=cache, attribution=attribution)
        score = float(fus.score(table.iloc[[k]][list(fus.features)].to_numpy(float))[0])  # S's own row
        null = fus.score(as_s[list(fus.features)].to_numpy(float))
        k = len(null)
        sd = null.std(ddof=1)
        t = (score - null.mean()) / (sd * math.sqrt(1 + 1 / k)) if sd > 0 else np.nan
        out.append(float(stats.t.sf(t, k - 1)) if np.isfinite(t) else np.nan)
    return out


def _figures(table: pd.DataFrame, labels: Labels) -> dict:
    """Cllr and the rest on the main pairs (H1: student→teacher and same weights; H2:
    independent→reference), misleading evidence counted in sources, and the case figures."""
    main = table[table["kind"].isin(MAIN_KINDS) & np.isfinite(table["log10_lr"].to_numpy(float))]
    is_h1 = main["label"].isin(H1_LABELS).to_numpy()
    if not is_h1.any() or is_h1.all():
        return {"n_h1": int(is_h1.sum()), "n_h2": int((~is_h1).sum()), **_case_figures(table, labels)}
    out = validation_summary(main["log10_lr"].to_numpy(float), is_h1)
    students = main[main["kind"] != "same_weights"]
    y = students["label"].isin(H1_LABELS).to_numpy()
    if y.any() and not y.all():
        st = validation_summary(students["log10_lr"].to_numpy(float), y)
        out["students_only"] = {k: st[k] for k in ("cllr", "cllr_min", "roc_auc", "n_h1", "n_h2")}
    h2, h1 = main[~is_h1], main[is_h1]
    for name, t in (("lr_above_1", 0.0), ("lr_above_10", 1.0)):
        out[f"h2_{name}"] = misleading_sources(h2["log10_lr"], h2["suspect"], t, for_h1=True)
    out["h1_lr_below_1"] = misleading_sources(h1["log10_lr"], h1["suspect"], 0.0, for_h1=False)
    out["n_h1_sources"], out["n_h2_sources"] = int(h1["suspect"].nunique()), int(h2["suspect"].nunique())
    out.update(_case_figures(table, labels))
    return out


def labelled_table(pop: Population, labels: Labels, *, cache: dict | None = None,
                   progress: Progress | None = None, attribution=None,
                   kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """Every labelled pair of the population (of `kinds`, default all) with its features against its
    admissible controls, its label and kind: the table both `validate_panel` and a labelled
    `analyze` calibrate on. `attribution`: the run's `AttributionScores` (each model scored
    against R's panel background). A pair's features do not depend on which other pairs are in."""
    pairs = [p for p in validation_pairs(labels, pop.models) if kinds is None or p[3] in kinds]
    scorer = None if attribution is None else attribution.scorer(panel_background(labels, pop.models))
    table = pair_features(pop, [(s, r) for s, r, _, _ in pairs],
                          lambda s, r: labels.admissible_controls(pop.models, s, r).admitted,
                          cache={} if cache is None else cache, progress=progress, attribution=scorer)
    table["label"] = [lab for _, _, lab, _ in pairs]
    table["kind"] = [kind for _, _, _, kind in pairs]
    return table


def validate_panel(df: pd.DataFrame, labels: Labels, *, progress: Progress | None = None,
                   embed: Callable[[list[str]], np.ndarray] | None = None, embedding: str | None = None,
                   cache_dir: Path | None = None, measures: Sequence[str] = FEATURE_MEASURES,
                   attribution: bool = True) -> Validation:
    """Cross-validated LRs of every labelled pair of a run, and the system's validation figures.

    The population is computed once (and cached in `cache_dir`); every pair's per-family features
    are taken against its admissible controls; its LR comes from a fusion and calibration that saw
    no pair of the suspect's lineage (headline), and, in `reference_out`, none of the reference's
    family either. `embed` adds the embedding similarity (named `embedding` in the cache key);
    `attribution` the population-trained attribution family (R's classifier against the panel)."""
    pop = run_population(df, cache_dir=cache_dir, embed=embed, embedding=embedding, measures=measures,
                         progress=progress)
    models = pop.models

    def controls(s: str, r: str) -> list[str]:
        return labels.admissible_controls(models, s, r).admitted

    stats_cache: dict = {}  # every (model, reference[, controls]) statistic is computed once
    att = run_attribution(df, cache_dir=cache_dir) if attribution else None
    table = labelled_table(pop, labels, cache=stats_cache, progress=progress, attribution=att)
    store_attribution(att, df, cache_dir)
    out, fits = cross_validated_fusion(table, labels.group, "suspect")
    ref, ref_fits = cross_validated_fusion(table, labels.group, "reference")
    out["log10_lr_reference_out"] = ref["log10_lr"].to_numpy()
    out["p_value"] = _p_values(pop, out, controls, stats_cache, fits, labels.group, "suspect",
                               None if att is None else att.scorer(panel_background(labels, models)))
    store_attribution(att, df, cache_dir)
    summary = _figures(out, labels)
    summary["reference_out"] = _figures(ref, labels)
    # what a calibration file (`fit_panel`) holds: the families that carry to a case's own controls
    file_cv, _ = cross_validated_fusion(table, labels.group, "suspect", TRANSPORTABLE_FEATURES)
    file_ref, _ = cross_validated_fusion(table, labels.group, "reference", TRANSPORTABLE_FEATURES)
    out["log10_lr_file"] = file_cv["log10_lr"].to_numpy()
    summary["file"] = {"features": list(TRANSPORTABLE_FEATURES), **_figures(file_cv, labels),
                       "reference_out": _figures(file_ref, labels)}
    settings = {"n_models": len(models), "models": list(models), "n_probes": len(pop.probes),
                "probe_set_sha256": hashlib.sha256("\n".join(pop.probes).encode()).hexdigest(),
                "measures": list(pop.measures),
                "features": {f: list(v) for f, v in FAMILY_STATISTICS.items()},
                "fusion": "L2 logistic regression over the family features, weights >= 0 (C "
                          f"{C_FUSION:g}), classes and models weighted equally; lir LogitCalibrator; "
                          "ELUB counted in sources",
                "attribution": "R's L2 logistic classifier (TF-IDF of character 2-5-grams and word 1-2-grams) "
                               "against the run's models documented as independent of R and unrelated to the "
                               "scored model, trained on a seeded half of the prompts, scored on the other "
                               "half; S's own score (mean log-odds of R) is fused; calibration files fuse "
                               "only similarity and stylometry, whose z's carry to a case's own controls"
                if attribution else None,
                "cross_validation": "headline: leave the suspect's lineage group out; reference_out: "
                                    "leave the reference's family out as well"}
    return Validation(out, summary, settings)


def _case_figures(table: pd.DataFrame, labels: Labels) -> dict:
    """Teacher top-1 (strictly above every other reference: ELUB bounds make ties), medians and the
    acceptance-style shares the closing notes quote."""
    lr = table.set_index(["suspect", "reference"])["log10_lr"]
    refs = labels.references
    top, n = 0, 0
    for s in table.loc[table["label"] == "h1", "suspect"].unique():
        cand = {r: lr.get((s, r), np.nan) for r in refs if (s, r) in lr.index}
        teachers = labels.teachers(s) & set(cand)
        if not teachers or not any(np.isfinite(v) for v in cand.values()):
            continue
        n += 1
        best = max(cand[r] if np.isfinite(cand[r]) else -np.inf for r in teachers)
        others = [cand[r] for r in cand if r not in teachers and np.isfinite(cand[r])]
        top += all(best > x for x in others)  # a tie with another reference is not a top-1
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
            "null2_share_p_below_05": float(np.mean(null2["p_value"] < 0.05))
            if len(null2) and "p_value" in null2 else None,
            "n_pairs": int(len(table))}


def fit_panel(validation: Validation, provenance: dict | None = None) -> Fusion:
    """The fusion and calibration fitted on every training pair of a validated panel (what a shipped
    calibration file holds), with the panel's cross-validated figures in its provenance. It fuses
    the families that carry to a case's own controls (`TRANSPORTABLE_FEATURES`), so its figures
    are validate's `file` figures."""
    table = validation.pairs
    fus = _fit_on(table, table["kind"].isin(TRAIN_KINDS).to_numpy(), features=TRANSPORTABLE_FEATURES)
    if fus is None:
        raise ValueError("the panel has too few labelled sources to fit a calibration "
                         f"(need >= {MIN_SOURCES} H1 and H2 suspects)")
    keep = ("cllr", "cllr_min", "cllr_cal", "roc_auc", "eer", "n_h1", "n_h2", "n_h1_sources",
            "n_h2_sources", "h2_lr_above_1", "h2_lr_above_10", "h1_lr_below_1", "teacher_top1",
            "teacher_top1_of", "median_h1_log10_lr", "max_h2_log10_lr", "min_same_log10_lr")
    file = validation.summary.get("file", {})
    figures = {"leave_suspect_lineage_out": {k: _plain(file.get(k)) for k in keep},
               "leave_reference_family_out": {k: _plain(file.get("reference_out", {}).get(k)) for k in keep}}
    lr_col = "log10_lr_file" if "log10_lr_file" in table else "log10_lr"
    main = table[table["kind"].isin(MAIN_KINDS) & np.isfinite(table[lr_col].to_numpy(float))]
    is_h1 = main["label"].isin(H1_LABELS).to_numpy()
    figures["log10_lrs"] = {"h1": [round(float(x), 6) for x in main.loc[is_h1, lr_col]],
                            "h2": [round(float(x), 6) for x in main.loc[~is_h1, lr_col]]}
    fus.provenance = {**(provenance or {}), "settings": _plain(validation.settings),
                      "cross_validated": figures,
                      "n_controls": {"min": int(table["n_controls"].min()), "max": int(table["n_controls"].max())},
                      "n_probes": int(validation.settings.get("n_probes", 0))}
    return fus
