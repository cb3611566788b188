"""The one LR system in casework: a pair's per-family features from the run's population, fused and
calibrated by the calibration that applies, in this order:

1. `panel`: the run holds a labelled panel (`labels`), and once every pair of the suspect's
   lineage is held out it still has >= 2 H1 and H2 sources. The fusion is fitted exactly as
   `forensics validate` fits it for this pair's row, so the two give the same log10 LR. A suspect
   the labels do not list (the model being audited against the panel) gets the same fit, applied
   to its features against the case's controls.
2. `file`: a calibration file (`--calibration`, by default the shipped one fitted on the AlpacaEval
   dev panel) whose conditions the case meets: enough controls and probes, the same embedding.
3. `fallback`: neither applies; the verdict keeps the hand-set model of `_likelihood` and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._calibration import TRAIN_KINDS, _fit_on, _training_mask, held_out_groups
from ._fusion import TRANSPORTABLE_FEATURES, Fusion
from ._labels import Labels
from ._likelihood import wording
from ._panel import (FEATURE_MEASURES, pair_features, panel_background, run_attribution, run_population,
                     store_attribution)
from ._types import Evidence, Reason

SHIPPED_NAME = "alpaca_eval.json"
FILE_MIN_CONTROLS = 8  # a calibration file's z's came from 13-15 controls; fewer make them noisier
FILE_MIN_PROBES = 100  # ... or as many as the file's panel had, if it had fewer


def shipped_calibration() -> Path:
    """The calibration file the package ships (fitted on the AlpacaEval dev panel)."""
    return Path(str(resources.files("forensics.evidence") / "calibrations" / SHIPPED_NAME))


@dataclass
class CalibratedLR:
    """The system's log10 LR for one pair, and which calibration gave it (NaN in `fallback`)."""

    log10_lr: float
    source: str  # "panel", "file" or "fallback"
    why: str
    features: dict[str, float] = field(default_factory=dict)
    fusion: Fusion | None = None

    def to_dict(self) -> dict:
        fus = self.fusion
        return {"source": self.source, "why": self.why, "log10_lr": self.log10_lr, "features": self.features,
                "fusion": None if fus is None else {k: v for k, v in fus.to_dict().items() if k != "provenance"},
                "validated": None if fus is None else fus.provenance.get("cross_validated"),
                "panel": None if fus is None else {k: fus.provenance.get(k) for k in
                                                   ("labels", "models", "tool_version", "embedding", "n_probes")}}


def file_applies(fus: Fusion, n_controls: int, n_probes: int, embedding: str | None) -> str | None:
    """Why a calibration file does not apply to a case (None when it does)."""
    if n_controls < FILE_MIN_CONTROLS:
        return f"the calibration file needs >= {FILE_MIN_CONTROLS} controls; this case has {n_controls}"
    need = min(FILE_MIN_PROBES, int(fus.provenance.get("n_probes") or FILE_MIN_PROBES))
    if n_probes < need:
        return f"the calibration file needs >= {need} shared probes; this case has {n_probes}"
    if not set(fus.features) <= set(TRANSPORTABLE_FEATURES):
        return (f"the calibration file fuses {', '.join(sorted(set(fus.features) - set(TRANSPORTABLE_FEATURES)))}, "
                "which only a labelled panel in the run can compute")
    if fus.provenance.get("embedding") != embedding:
        return (f"the calibration file was fitted with embedding {fus.provenance.get('embedding')!r}, "
                f"this case uses {embedding!r}")
    return None


def calibrated_lr(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                  labels: Labels | None = None, calibration: Fusion | None = None,
                  embed: Callable[[list[str]], np.ndarray] | None = None, embedding: str | None = None,
                  cache_dir: Path | None = None, progress=None, memo: dict | None = None) -> CalibratedLR:
    """The pair's log10 LR under the first calibration that applies (see the module docstring).
    `memo`: a dict shared by calls on the same run and labels (a ranking), so the population and
    the labelled table are made once."""
    memo = {} if memo is None else memo
    if "population" not in memo:
        memo["population"] = run_population(df, cache_dir=cache_dir, embed=embed, embedding=embedding,
                                            measures=FEATURE_MEASURES, progress=progress)
    pop = memo["population"]
    if "attribution" not in memo:
        memo["attribution"] = run_attribution(df, cache_dir=cache_dir)
    att = memo["attribution"]
    try:
        return _calibrated(pop, att, suspect, reference, controls, labels, calibration, embedding, memo, progress)
    finally:
        store_attribution(att, df, cache_dir)


def _calibrated(pop, att, suspect: str, reference: str, controls: Sequence[str], labels: Labels | None,
                calibration: Fusion | None, embedding: str | None, memo: dict, progress=None) -> CalibratedLR:
    why_not = []
    if labels is not None:
        from ._validate import labelled_table, validation_pairs

        if "labelled" not in memo:  # the pairs a fit trains on (not the second null's: validate's own)
            memo["labelled"] = labelled_table(pop, labels, attribution=att, kinds=TRAIN_KINDS, progress=progress)
        table = memo["labelled"]
        row = table[(table["suspect"] == suspect) & (table["reference"] == reference)]
        labelled = (suspect, reference) in {(s, r) for s, r, *_ in validation_pairs(labels, pop.models)}
        unlabelled = suspect not in labels and reference in labels.references  # audited against the panel
        if not len(row) and (labelled or unlabelled):  # a pair no fit trains on: its features alone
            row = pair_features(pop, [(suspect, reference)],
                                (lambda s, r: labels.admissible_controls(pop.models, s, r).admitted) if labelled
                                else (lambda s, r: [c for c in controls if c not in (s, r)]),
                                attribution=att.scorer(panel_background(labels, pop.models)))
        held = held_out_groups(suspect, reference, labels.group, "suspect")
        fus = _fit_on(table, _training_mask(table, held, labels.group), {"labels": "the run's own labels",
                                                                         "embedding": embedding})
        if fus is not None and len(row):
            feats = {f: float(row[f].iloc[0]) for f in fus.features}
            return CalibratedLR(float(fus.frame_lr(row)[0]), "panel",
                                f"fitted on the run's labelled pairs, leaving {suspect}'s lineage group "
                                f"({labels.group(suspect)}) out: {fus.n_sources['h1']} H1 and "
                                f"{fus.n_sources['h2']} H2 models", feats, fus)
        why_not.append("the run's labels leave too few H1 or H2 models once the suspect's lineage is "
                       "held out" if fus is None else "the labels do not make this pair a labelled pair")
    ctrl = [c for c in controls if c not in (suspect, reference)]
    why = None if calibration is None else file_applies(calibration, len(ctrl), len(pop.probes), embedding)
    row = pair_features(pop, [(suspect, reference)], lambda s, r: ctrl)
    feats = {c: float(row[c].iloc[0]) for c in row.columns if c.startswith("family.") and np.isfinite(row[c].iloc[0])}
    if calibration is not None and why is None:
        return CalibratedLR(float(calibration.frame_lr(row)[0]), "file",
                            "the calibration file fitted on " + str(calibration.provenance.get("labels")
                                                                    or "a labelled panel"),
                            feats, calibration)
    if why:
        why_not.append(why)
    return CalibratedLR(float("nan"), "fallback", "; ".join(why_not) or "no calibration was given", feats)


def apply_calibrated(ev: Evidence, cal: CalibratedLR) -> Evidence:
    """Put the calibrated LR in the verdict (the hand-set combination stays as a stated diagnostic),
    or state that the hand-set model is a fallback. Returns `ev`, changed in place."""
    v = ev.verdict
    ev.settings["lr_system"] = cal.to_dict()
    fam = ", ".join(f"{k.split('.', 1)[1]} {'log-odds' if k == 'family.attribution' else 'z'} {x:+.2f}"
                    for k, x in cal.features.items() if np.isfinite(x))
    if cal.source == "fallback":
        v.reasons.insert(0, Reason("calibration", "No validated calibration applies (" + cal.why + "): the LR "
                                   "comes from the hand-set model below, which no panel has calibrated."))
        return ev
    hand = v.log10_lr
    fus = cal.fusion
    cv = (fus.provenance.get("cross_validated") or {}).get("leave_suspect_lineage_out") or {}
    wm = _radioactivity_lr(ev)
    v.log10_lr = cal.log10_lr + (wm if wm is not None else 0.0)
    if not v.inconclusive:
        v.level, v.wording = wording(v.log10_lr)
    if wm is not None:
        v.reasons.insert(0, Reason("calibration", f"Watermark radioactivity is a tier of its own: its null is "
                                   f"exact, so its log10 LR {wm:+.2f} is added to the calibrated LR, neither "
                                   "fused with the panel's features nor bounded by the panel's ELUB."))
    v.reasons.insert(0, Reason("calibration", f"Calibrated log10 LR {cal.log10_lr:+.2f} from the population "
                               f"features ({fam}), fused and calibrated on a labelled panel ({cal.why}); "
                               f"bounded by ELUB to [{fus.elub[0]:+.2f}, {fus.elub[1]:+.2f}]."
                               + (f" Cross-validated on that panel: Cllr {cv['cllr']:.2f}, Cllr_min "
                                  f"{cv['cllr_min']:.2f}." if cv.get("cllr") is not None else "")))
    v.reasons.append(Reason("combination", f"For comparison only: the hand-set combination of the casework "
                            f"analyses gives {hand:+.2f}; it is not calibrated and not used for the verdict."))
    return ev


def _radioactivity_lr(ev: Evidence) -> float | None:
    """The radioactivity analysis' own log10 LR, where it ran and was used."""
    rows = ev.summary[ev.summary["analysis"] == "radioactivity.green_bias"] if "analysis" in ev.summary else []
    if len(rows) == 0 or not bool(rows["applicable"].iloc[0]):
        return None
    x = float(rows["log10_lr"].iloc[0])
    return x if np.isfinite(x) else None
