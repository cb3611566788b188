"""Number and table formatting for the report: every number shown is formatted here, never typed."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pandas as pd

from ._text import _visible_text

DASH = "—"
CELL_CHARS = 300
COLUMN_LABELS = {
    "analysis": "Analysis", "family": "Family", "statistic": "Statistic", "effect": "Effect",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "p_value": "p (one-sided)",
    "p_holm": "p (Holm)", "n": "n", "applicable": "Used", "control_mean": "Controls' mean",
    "control_sd": "Controls' SD", "z": "z", "note": "Note", "log10_lr": "log10 LR",
    "log10_lr_contribution": "Contribution to log10 LR", "model": "Model", "role": "Role",
    "group": "Group", "n_analyses": "Analyses", "weight": "Weight", "contribution": "Contribution",
    "control": "Control", "log10_lr_without_control": "log10 LR without this control",
    "log10_lr_control_as_suspect": "log10 LR with this control as suspect",
}


def _is_num(x: object) -> bool:
    """A real number (not bool, not None)."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _finite(x: object) -> bool:
    """A finite real number."""
    return _is_num(x) and math.isfinite(float(x))


def _fmt(x: object, sig: int = 3) -> str:
    """A number with `sig` significant digits (scientific when very small or large)."""
    if not _finite(x):
        return DASH
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,d}"
    v = float(x)
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e6:
        return f"{v:.{sig - 1}e}"
    out = f"{v:.{sig}g}"
    return f"{v:,.0f}" if "e" in out else out


def _fmt_p(p: object) -> str:
    """A p-value: '< 0.001' below a thousandth, else three significant digits."""
    if not _finite(p):
        return DASH
    return "< 0.001" if float(p) < 1e-3 else f"{float(p):.3g}"


def _fmt_signed(x: object, digits: int = 2) -> str:
    """A signed number with fixed decimals, e.g. +1.87."""
    return f"{float(x):+.{digits}f}" if _finite(x) else DASH


def _fmt_pct(x: object) -> str:
    """A share as a whole percentage."""
    return f"{100 * float(x):.0f}%" if _finite(x) else DASH


def _fmt_ratio(log10_lr: object) -> str:
    """A likelihood ratio in words: 'about 74 times', '1 / 20' for ratios below one."""
    if not _finite(log10_lr):
        return DASH
    lr = 10.0 ** abs(float(log10_lr))
    text = f"{lr:,.0f}" if lr >= 10 else f"{lr:.2g}"
    return text if float(log10_lr) >= 0 else f"1 / {text}"


def _cell(x: object) -> str:
    """Any table value as display text (model-derived strings made visible and truncated)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return DASH
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if _is_num(x):
        return _fmt(x, 4)
    if isinstance(x, (dict, list, tuple)):
        x = json.dumps(x, ensure_ascii=False, default=str)
    s = _visible_text(str(x))
    return s if len(s) <= CELL_CHARS else s[:CELL_CHARS] + " […]"


def _p_column(name: str) -> bool:
    """Whether a column holds p-values."""
    return name in ("p_value", "p_holm") or name.startswith("p_")


def _df_table(df: pd.DataFrame, caption: str, max_rows: int | None = None,
             labels: dict[str, str] | None = None) -> dict:
    """A DataFrame as {caption, columns, numeric, rows, omitted} of display strings."""
    labels = {**COLUMN_LABELS, **(labels or {})}
    cols = [str(c) for c in df.columns]
    shown = df if max_rows is None else df.head(max_rows)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
               for c in df.columns]
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        rows.append([_fmt_p(v) if _p_column(c) and _is_num(v) else
                     (_fmt_signed(v) if c.startswith("log10") and _is_num(v) else _cell(v))
                     for c, v in zip(cols, rec)])
    return {"caption": caption, "columns": [labels.get(c, _visible_text(c)) for c in cols],
            "numeric": numeric, "rows": rows, "omitted": len(df) - len(shown)}


def _anchor(kind: str, key: str) -> str:
    """An HTML id derived from a key by hashing, so no key text ever reaches an attribute."""
    return f"{kind}-{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()[:12]}"
