"""JSON round trip of Evidence: DataFrames as {columns, dtypes, data}, NaN and infinities as null."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd

FORMAT = "distill-forensics/evidence/1"


def jsonable(x):
    """Plain JSON types: numpy scalars unwrapped, NaN/inf as None, tuples as lists."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if x is None or isinstance(x, (str, int)):
        return x
    if x is pd.NA or x is pd.NaT:
        return None
    return str(x)


def df_to_dict(df: pd.DataFrame) -> dict:
    """A DataFrame as columns, dtypes and row lists."""
    return {"columns": [str(c) for c in df.columns], "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
            "data": jsonable(df.to_numpy(dtype=object).tolist())}


def df_from_dict(d: dict) -> pd.DataFrame:
    """Inverse of `df_to_dict` (numeric, bool and string columns get their dtypes back)."""
    df = pd.DataFrame(d.get("data", []), columns=d.get("columns", []))
    for col, dtype in d.get("dtypes", {}).items():
        if col not in df.columns:
            continue
        try:
            if dtype.startswith(("float", "int", "bool")):
                df[col] = df[col].astype(float if dtype.startswith("float") else dtype)
            elif dtype in ("str", "string"):
                df[col] = df[col].astype(dtype)
        except (TypeError, ValueError):
            pass
    return df


def evidence_to_dict(ev) -> dict:
    """Evidence as a JSON-safe dict."""
    return {"format": FORMAT, "verdict": jsonable(asdict(ev.verdict)),
            "summary": df_to_dict(ev.summary),
            "tables": {k: df_to_dict(v) for k, v in ev.tables.items()},
            "exhibits": jsonable(ev.exhibits), "settings": jsonable(ev.settings)}


def evidence_from_dict(cls, verdict_cls, d: dict):
    """Evidence from `evidence_to_dict` output."""
    v = dict(d["verdict"])
    if v.get("log10_lr") is None:
        v["log10_lr"] = float("nan")
    return cls(verdict=verdict_cls(**v), summary=df_from_dict(d["summary"]),
               tables={k: df_from_dict(t) for k, t in d.get("tables", {}).items()},
               exhibits=list(d.get("exhibits", [])), settings=dict(d.get("settings", {})))
