"""The report's watermark radioactivity section: the suspect's green bias under the reference's key.

Shown only when the evidence holds a computed `radioactivity.green_bias` result; built from the
summary row, the per-model score table and the key's recorded settings (never the key, which the
evidence never holds: only its SHA-256, of which a prefix is shown).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from ._format import DASH, _cell, _fmt, _fmt_p, _fmt_signed
from ._text import _visible_text

if TYPE_CHECKING:  # pragma: no cover
    from forensics.evidence import Evidence

NAME = "radioactivity.green_bias"
SHA_PREFIX = 16
CI_LABEL = "95% CI"  # exact (Clopper-Pearson) interval of the green share, minus γ
CAVEAT = (
    "The signal can be removed: paraphrasing the watermarked outputs before training on them, or "
    "fine-tuning on clean text afterwards, can erase it (Gu et al., ICLR 2024; Pan et al., ACL 2025), "
    "and a model trained on outputs the reference produced without the watermark shows none. A "
    "non-detection (a high p-value) therefore does not show that the suspect is independent of the "
    "reference; only a detection is evidence, of training on text watermarked with this key. If the "
    "reference's own row shows a large z, its answers in this run were watermarked with this key, "
    "which confirms that the key and the tokenizer match.")


def _num(x: object) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _model_row(r: pd.Series, gamma: float) -> dict:
    share = _num(r.get("green_share"))
    return {"model": _visible_text(str(r.get("model"))), "role": _cell(r.get("role")),
            "n_texts": _fmt(_num(r.get("n_texts"))), "n_scored": _fmt(_num(r.get("n_scored"))),
            "n_green": _fmt(_num(r.get("n_green"))), "share": _fmt(share),
            "excess": _fmt_signed(share - gamma, 3) if math.isfinite(gamma) else DASH,
            "z": _fmt(_num(r.get("z"))), "p": _fmt_p(_num(r.get("p_value")))}


def _key_settings(wm: dict) -> list[dict]:
    """The key's settings as (label, value) rows; only these named fields are ever read."""
    sha = str(wm.get("key_sha256") or "")
    rows = [("Key SHA-256 (prefix)", f"{sha[:SHA_PREFIX]}…" if sha else DASH),
            ("Scheme", wm.get("scheme")), ("Green share γ", wm.get("gamma")),
            ("Logit bias δ", wm.get("delta")), ("Context width (tokens)", wm.get("context")),
            ("Tokenizer", wm.get("tokenizer") or DASH), ("Key of", wm.get("reference")),
            ("Filter (context windows of the reference's watermarked outputs)",
             wm.get("filter_contexts") if wm.get("filter_contexts") is not None else "none: every tuple scored")]
    return [{"label": label, "value": _cell(v)} for label, v in rows]


def _radioactivity_context(ev: Evidence) -> dict | None:
    """The section's context, or None when the test did not run (no key, or not the reference's)."""
    summary = ev.summary
    if "analysis" not in summary or not (summary["analysis"] == NAME).any():
        return None
    row = summary[summary["analysis"] == NAME].iloc[0]
    table = ev.tables.get(NAME)
    if not math.isfinite(_num(row.get("statistic"))) or not isinstance(table, pd.DataFrame) or table.empty:
        return None
    wm = ev.settings.get("watermark") or {}
    gamma = _num(wm.get("gamma"))
    suspect = str(ev.settings.get("suspect", ""))
    roles = table["role"] if "role" in table else pd.Series([""] * len(table))
    mine = table[table["model"].astype(str) == suspect]
    s = _model_row(mine.iloc[0], gamma) if len(mine) else _model_row(pd.Series(dtype=object), gamma)
    llr = _num(row.get("log10_lr"))
    return {
        "suspect": s, "p": _fmt_p(_num(row.get("p_value"))), "n": _fmt(_num(row.get("n"))),
        "gamma": _fmt(gamma), "share": s["share"], "z": s["z"],
        "ci_low": _fmt_signed(_num(row.get("ci_low")), 3), "ci_high": _fmt_signed(_num(row.get("ci_high")), 3),
        "significant": _num(row.get("p_value")) < 0.05,
        "used": bool(row.get("applicable")) and math.isfinite(llr), "log10_lr": _fmt_signed(llr),
        "own_tier": (ev.settings.get("lr_system") or {}).get("source") in ("panel", "file"),
        "skip_reason": "" if bool(row.get("applicable")) else _cell(row.get("note")),
        "controls": [_model_row(r, gamma) for (_, r), role in zip(table.iterrows(), roles) if role == "control"],
        "reference": [_model_row(r, gamma) for (_, r), role in zip(table.iterrows(), roles) if role == "reference"],
        "key": _key_settings(wm), "ci_label": CI_LABEL, "caveat": CAVEAT,
    }
