"""A stored run as DataFrames, and what is done to a whole run: load, verify, export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forensics.core import InputError, IntegrityError, split_reasoning

from ._db import RunStore, verify_store


@dataclass
class Run:
    """A stored run, loaded for analysis. Model text in `responses.text` (the answer) and
    `responses.reasoning` (its `<think>` trace, or None) is untrusted."""

    path: Path
    manifest: dict
    models: pd.DataFrame
    suites: pd.DataFrame
    responses: pd.DataFrame
    errors: pd.DataFrame
    summary: Any = field(default=None, repr=False)  # the RunSummary of the run that loaded it

    @property
    def model_names(self) -> list[str]:
        return sorted(self.models["name"]) if len(self.models) else []


def load_run(path: str | Path) -> Run:
    """Open a run directory read-only and return its manifest and responses as DataFrames."""
    store = RunStore(path)
    try:
        con = store.conn
        responses = pd.read_sql_query(
            "SELECT r.model, r.probe_id, r.sample, p.suite, p.category, p.language, p.prompt, r.text,"
            " json_extract(p.probe_json, '$.answer') AS answer, r.finish_reason, r.tokens_in,"
            " r.tokens_out, r.latency_s, r.server_model, r.fingerprint, r.from_cache, r.created_at,"
            " r.sha256, r.request_json FROM responses r JOIN probes p ON p.probe_id = r.probe_id"
            " ORDER BY r.model, r.probe_id, r.sample", con)
        responses["system"] = [_system_of(j) for j in responses.pop("request_json")]
        split = [split_reasoning(t) for t in responses["text"]]  # analyses read the answer
        responses["reasoning"] = pd.Series([r for r, _ in split], index=responses.index, dtype=object)
        responses["text"] = [a for _, a in split]
        for col in ("answer", "finish_reason", "server_model", "fingerprint"):
            responses[col] = responses[col].astype(object).where(responses[col].notna(), None)
        models = pd.read_sql_query("SELECT name, kind, spec, settings_json FROM models ORDER BY name", con)
        suites = pd.read_sql_query("SELECT * FROM suites ORDER BY name", con)
        errors = pd.read_sql_query("SELECT * FROM errors ORDER BY model, probe_id, sample", con)
        return Run(Path(path), store.manifest(), models, suites, responses, errors)
    finally:
        store.close()


def _system_of(request_json: str) -> str | None:
    msgs = json.loads(request_json).get("messages") or []
    return next((m["content"] for m in msgs if m.get("role") == "system"), None)



def verify_run(path: str | Path) -> list[str]:
    """Problems found in a run's hashes (empty when intact)."""
    store = RunStore(path)
    try:
        integrity = store.conn.execute("PRAGMA integrity_check").fetchone()[0]
        problems = [] if integrity == "ok" else [f"SQLite integrity check: {integrity}"]
        return problems + verify_store(store)
    finally:
        store.close()


def require_intact(path: str | Path) -> None:
    problems = verify_run(path)
    if problems:
        raise IntegrityError(f"{path}: " + "; ".join(problems[:5]))


EXPORT_COLUMNS = ["probe_id", "suite", "category", "language", "model", "sample", "prompt", "system",
                  "text", "reasoning", "answer", "finish_reason", "tokens_in", "tokens_out", "latency_s",
                  "server_model", "fingerprint", "from_cache", "created_at", "sha256"]


def export_run(path: str | Path, fmt: str, out: str | Path) -> int:
    """Write one row per response as jsonl, csv or parquet; returns the row count."""
    if fmt not in ("jsonl", "csv", "parquet"):
        raise InputError(f"unknown export format {fmt!r}; use jsonl, csv or parquet")
    out = Path(out)
    if out.is_dir():
        raise InputError(f"{out}: is a directory; give the output file's path")
    if not out.parent.is_dir():
        raise InputError(f"{out}: directory {str(out.parent)!r} does not exist")
    df = load_run(path).responses[EXPORT_COLUMNS]
    try:
        if fmt == "jsonl":
            df.to_json(out, orient="records", lines=True, force_ascii=False)
        elif fmt == "csv":
            df.to_csv(out, index=False)
        else:
            df.to_parquet(out, index=False)
    except OSError as e:
        raise InputError(f"{out}: cannot write: {e.strerror or e}") from None
    return len(df)
