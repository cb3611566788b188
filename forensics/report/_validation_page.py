"""The validation page: the system's figures, Tippett and ECE plots, every pair (one HTML file)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from forensics._version import __version__
from forensics.evidence import H1_LABELS, MAIN_KINDS

from ._figures import _to_uri
from ._format import _fmt, _fmt_p, _fmt_signed
from ._text import _visible_text
from ._validation_plots import ece_figure, tippett_figure
from ._write import _atomic_write, _environment

FIGURES = (
    ("cllr", "Cllr: log-likelihood-ratio cost (0 perfect, 1 uninformative)"),
    ("cllr_min", "Cllr after the best monotone recalibration (PAV): discrimination alone"),
    ("cllr_cal", "Cllr − Cllr_min: the cost of miscalibration"),
    ("eer", "equal error rate"),
    ("roc_auc", "ROC AUC, H1 against H2 pairs"),
    ("h2_lr_above_1", "H2 sources (independent suspects) with some pair at LR > 1: misleading evidence "
                      "against an innocent suspect (k of n, upper 95% limit)"),
    ("h2_lr_above_10", "H2 sources with some pair at LR > 10"),
    ("h1_lr_below_1", "H1 sources with some pair at LR < 1: misleading evidence for a guilty one"),
    ("teacher_top1", "documented students whose teacher has the highest LR among the references"),
    ("median_h1_log10_lr", "median log10 LR of student→teacher pairs"),
    ("max_h2_log10_lr", "largest log10 LR of an independent→reference pair"),
    ("min_same_log10_lr", "smallest log10 LR of a same-weights pair"),
    ("null2_share_lr_above_1", "independent→independent pairs with LR > 1"),
    ("null2_share_p_below_05", "independent→independent pairs with p < 0.05"),
)


def _value(summary: dict, key: str) -> str:
    v = summary.get(key)
    if isinstance(v, dict):  # misleading evidence counted in sources
        return f"{v['k_sources']} of {v['n_sources']} (≤ {_fmt(v['upper_95'])})"
    if key == "teacher_top1":
        return f"{v} of {summary.get('teacher_top1_of')}"
    return _fmt_signed(v) if "log10" in key else _fmt(v)


def render_validation_page(validation) -> str:
    """The validation page's HTML (autoescaped; names of models are shown as escaped text)."""
    t = validation.pairs
    main = t[t["kind"].isin(MAIN_KINDS)]
    llr, is_h1 = main["log10_lr"].to_numpy(float), main["label"].isin(H1_LABELS).to_numpy()
    ok = np.isfinite(llr)
    pairs = [{"suspect": _visible_text(r.suspect), "reference": _visible_text(r.reference),
              "label": r.label, "kind": r.kind, "log10_lr": _fmt_signed(r.log10_lr),
              "log10_lr_reference_out": _fmt_signed(getattr(r, "log10_lr_reference_out", np.nan)),
              "p_value": _fmt_p(r.p_value), "n_controls": _fmt(r.n_controls)}
             for r in t.itertuples()]
    return _environment().get_template("validation.html.j2").render(
        tool_version=__version__, generated_at=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        settings=validation.settings, pairs=pairs,
        figures=[{"name": k, "value": _value(validation.summary, k),
                  "value_reference_out": _value(validation.summary.get("reference_out", {}), k), "about": about}
                 for k, about in FIGURES],
        tippett={"uri": _to_uri(tippett_figure(llr[ok], is_h1[ok])),
                 "alt": "Tippett plot: for each log10 LR threshold, the share of H1 pairs and of H2 pairs "
                        "whose LR is at least that large.",
                 "caption": "Share of H1 pairs (documented students with their teacher, and same-weights "
                            "pairs) and of H2 pairs (documented independents with a reference) whose log10 "
                            "LR is at least x."},
        ece={"uri": _to_uri(ece_figure(llr[ok], is_h1[ok])),
             "alt": "Empirical cross-entropy of the system, of its PAV-calibrated version, and of a system "
                    "that always answers LR 1, against the prior log10 odds.",
             "caption": "Below the neutral line the system informs; the gap to the calibrated curve is its "
                        "calibration loss."})


def write_validation_page(validation, path: str | Path) -> Path:
    """Write the validation page to `path`; returns the path."""
    return _atomic_write(Path(path), render_validation_page(validation))
