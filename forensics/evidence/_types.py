"""What an assessment concludes (typed reasons and exhibits, the verdict, the evidence) and its
one JSON form: DataFrames as {columns, dtypes, data}, NaN and infinities as null."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from forensics.analysis import Exhibit

# The kinds of reason a verdict gives, in the order a reader needs them.
REASON_KINDS = ("calibration", "inconclusive", "combination", "robustness", "controls", "not_used", "assumption",
                "cannot_separate", "note")


@dataclass(frozen=True)
class Reason:
    """One reason behind a verdict: its kind (one of REASON_KINDS) and its text."""

    kind: str
    text: str

    def __post_init__(self) -> None:
        if self.kind not in REASON_KINDS:
            raise ValueError(f"unknown reason kind {self.kind!r}")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Minimums:
    """Below these the verdict is inconclusive (scorable probes only gate the error analyses)."""

    controls: int = 2
    probes: int = 30
    scorable_probes: int = 20


@dataclass
class Verdict:
    """The conclusion: ENFSI level (negative = support for H2, 0 = inconclusive) and wording."""

    level: int
    log10_lr: float
    wording: str
    reasons: list[Reason]
    propositions: dict[str, str]
    inconclusive: bool

    def reasons_of(self, kind: str) -> list[str]:
        """The texts of the reasons of one kind."""
        return [r.text for r in self.reasons if r.kind == kind]


@dataclass
class Evidence:
    """Everything `assess` concluded, JSON round-trippable with `to_dict` / `from_dict`."""

    verdict: Verdict
    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    exhibits: list[Exhibit] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    stored_at: str | None = field(default=None, compare=False)  # when read back from a run

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN as null)."""
        return _evidence_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        """Inverse of `to_dict` (also reads evidence stored by earlier versions)."""
        return _evidence_from_dict(data)


FORMAT = "distill-forensics/evidence/2"
LEGACY_FORMAT = "distill-forensics/evidence/1"


def _jsonable(x):
    """Plain JSON types: numpy scalars unwrapped, NaN/inf as None, tuples as lists."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_jsonable(v) for v in x.tolist()]
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


def _df_to_dict(df: pd.DataFrame) -> dict:
    """A DataFrame as columns, dtypes and row lists."""
    return {"columns": [str(c) for c in df.columns], "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
            "data": _jsonable(df.to_numpy(dtype=object).tolist())}


def _df_from_dict(d: dict) -> pd.DataFrame:
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


def _evidence_to_dict(ev) -> dict:
    """Evidence as a JSON-safe dict: reasons as {kind, text}, exhibits as {kind, ...fields}."""
    verdict = asdict(ev.verdict)
    return {"format": FORMAT, "verdict": _jsonable(verdict),
            "summary": _df_to_dict(ev.summary),
            "tables": {k: _df_to_dict(v) for k, v in ev.tables.items()},
            "exhibits": _jsonable([{"kind": e.kind, **e.fields} for e in ev.exhibits]),
            "settings": _jsonable(ev.settings)}


def _evidence_from_dict(d: dict):
    """Evidence from `evidence_to_dict` output, or from format 1 (untyped reasons and exhibits)."""
    legacy = d.get("format") == LEGACY_FORMAT
    v = dict(d["verdict"])
    if v.get("log10_lr") is None:
        v["log10_lr"] = float("nan")
    v["reasons"] = [Reason("note", str(r)) if legacy else Reason(r["kind"], r["text"])
                    for r in v.get("reasons", [])]
    exhibits = []
    for e in d.get("exhibits", []):
        fields = dict(e)
        kind = _legacy_exhibit_kind(fields) if legacy else fields.pop("kind")
        if kind is not None:
            exhibits.append(Exhibit(kind, fields))
    return Evidence(verdict=Verdict(**v), summary=_df_from_dict(d["summary"]),
                    tables={k: _df_from_dict(t) for k, t in d.get("tables", {}).items()},
                    exhibits=exhibits, settings=dict(d.get("settings", {})))


def _legacy_exhibit_kind(ex: dict) -> str | None:
    """Format 1 stored exhibits as plain dicts; their kind follows from the keys they carry."""
    if isinstance(ex.get("texts"), dict):
        return "shared_text"
    if "tic" in ex:
        return "verbal_tic"
    if "quote" in ex:
        return "identity_claim"
    if "suspect_answer" in ex:
        return "shared_wrong_answer"
    if "probe_id" in ex and "note" in ex:
        return "shared_failure"
    return None
