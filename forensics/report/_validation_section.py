"""The report's validation section: on which labelled panel the verdict's LR system was validated,
with what figures, and where this case's LR falls on that panel's Tippett plot.

Built from `Evidence.settings["lr_system"]` (written by `forensics.evidence.apply_calibrated`): the
calibration's source, its ELUB bounds, its counts of sources and, for a calibration file, the
cross-validated figures and log10 LRs of its panel. Display text only; the template escapes it.
"""

from __future__ import annotations

import math

import numpy as np

from . import _figures as figures
from ._format import _fmt, _fmt_signed
from ._text import _visible_text

ASSUMPTION = (
    "Carrying this calibration from its panel to this case is an assumption: the panel's prompts, its "
    "models and their sampling settings are not this case's, and a suspect unlike every model of the "
    "panel may behave unlike them. The figures below say how the system did on the panel, leaving each "
    "suspect's lineage out; they are not a guarantee for this case.")
SOURCES = {"panel": "this run's own labelled pairs (fitted leaving the suspect's lineage out, as "
                    "`forensics validate` does for this pair)",
           "file": "a calibration file fitted on a labelled panel"}
_ROWS = (("h2_lr_above_1", "Independent models (H2) with some pair at LR > 1: misleading evidence against "
                           "an innocent suspect"),
         ("h2_lr_above_10", "Independent models (H2) with some pair at LR > 10"),
         ("h1_lr_below_1", "Documented students and re-hosts (H1) with some pair at LR < 1: misleading "
                           "evidence for a guilty one"))


def _misleading(d: dict | None) -> str:
    if not isinstance(d, dict) or d.get("n_sources") is None:
        return "—"
    return (f"{d['k_sources']} of {d['n_sources']} models ({_fmt(d['source_rate'])}); "
            f"one-sided 95% upper limit {_fmt(d['upper_95'])}")


def _validation_context(settings: dict) -> dict | None:
    """The section's display values; None when the evidence predates the one LR system."""
    system = settings.get("lr_system")
    if not isinstance(system, dict):
        return None
    out = {"source": system.get("source"), "why": _visible_text(str(system.get("why", ""))),
           "assumption": ASSUMPTION, "figures": [], "tippett": None}
    if system.get("source") == "fallback":
        return out
    fus = system.get("fusion") or {}
    elub = fus.get("elub") or [math.nan, math.nan]
    panel = system.get("panel") or {}
    llr = system.get("log10_lr")
    out.update({"from": SOURCES.get(system.get("source"), ""), "log10_lr": _fmt_signed(llr),
                "elub_low": _fmt_signed(elub[0]), "elub_high": _fmt_signed(elub[1]),
                "n_h1": _fmt((fus.get("n_sources") or {}).get("h1")),
                "n_h2": _fmt((fus.get("n_sources") or {}).get("h2")),
                "panel": _visible_text(str(panel.get("labels") or "")),
                "n_models": _fmt(len(panel.get("models") or [])) if panel.get("models") else "—"})
    cv = (system.get("validated") or {})
    head = cv.get("leave_suspect_lineage_out") or {}
    if head:
        out["figures"] = [{"label": "Cllr (0 perfect, 1 uninformative)", "value": _fmt(head.get("cllr"))},
                          {"label": "Cllr_min (discrimination alone, after the best monotone "
                                    "recalibration)", "value": _fmt(head.get("cllr_min"))},
                          {"label": "ROC AUC", "value": _fmt(head.get("roc_auc"))},
                          *({"label": label, "value": _misleading(head.get(key))} for key, label in _ROWS)]
    lrs = cv.get("log10_lrs") or {}
    if lrs.get("h1") and lrs.get("h2") and llr is not None and np.isfinite(llr):
        from ._validation_plots import tippett_figure

        h1, h2 = np.asarray(lrs["h1"], float), np.asarray(lrs["h2"], float)
        fig = tippett_figure(np.r_[h1, h2], np.r_[np.ones(h1.size, bool), np.zeros(h2.size, bool)], llr)
        out["tippett"] = {"uri": figures._to_uri(fig),
                          "alt": "Tippett plot of the calibration panel's cross-validated LRs, with this "
                                 "case's log10 LR marked by a vertical line.",
                          "caption": "The panel's pairs of known truth: the share of H1 pairs and of H2 "
                                     "pairs whose cross-validated log10 LR is at least x. The vertical line "
                                     "is this case."}
    return out
