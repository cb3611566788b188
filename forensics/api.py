"""The notebook API for runs: run_suite, load_run, export_run, verify_run."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._errors import InputError, IntegrityError
from .backends import make_backend
from .backends.base import Backend
from .backends.callable import CallableBackend
from .cache import ResponseCache
from .probes import Suite, resolve_suites, unique_suites
from .runner import EndpointDown, Engine, RunSettings, RunSummary, plan_requests
from .specs import ModelConfig, parse_model_option, redact_spec, redact_urls_in
from .store import RunStore, verify_store

ModelArg = str | ModelConfig | tuple[str, Callable]


@dataclass
class Run:
    """A stored run, loaded for analysis. Model text in `responses.text` is untrusted."""

    path: Path
    manifest: dict
    models: pd.DataFrame
    suites: pd.DataFrame
    responses: pd.DataFrame
    errors: pd.DataFrame
    summary: RunSummary | None = field(default=None, repr=False)

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


def _model_configs(models: Iterable[ModelArg]) -> tuple[list[ModelConfig], dict[str, Backend]]:
    configs, backends = [], {}
    for m in models:
        if isinstance(m, tuple):
            name, fn = m
            cfg = ModelConfig(name=name, spec=f"replay:callable/{name}")
            backends[name] = CallableBackend(fn, label=name)
        else:
            cfg = parse_model_option(m) if isinstance(m, str) else m
        if cfg.name in {c.name for c in configs}:
            raise InputError(f"model name {cfg.name!r} given twice")
        configs.append(cfg)
    if not configs:
        raise InputError("no models: give at least one --model NAME=SPEC")
    for cfg in configs:
        if cfg.name not in backends:
            backends[cfg.name] = make_backend(cfg)
    return configs, backends


def run_suite(models: Iterable[ModelArg], *, out: str | Path, suites: Iterable[str | Suite] | None = None,
              settings: RunSettings | None = None, progress: bool = True,
              command: list[str] | None = None, **overrides) -> Run:
    """Send probe suites to models and store every response in `out` (resumes if it exists).

    `models`: "NAME=SPEC" strings, ModelConfig objects, or (name, callable) pairs where the
    callable takes (messages, params) and returns a str. `overrides` set RunSettings fields.
    """
    settings = settings or RunSettings()
    for k, v in overrides.items():
        if not hasattr(settings, k):
            raise TypeError(f"run_suite() got an unknown setting {k!r}")
        setattr(settings, k, v)
    suite_objs = [s for s in (suites or []) if isinstance(s, Suite)]
    suite_objs += resolve_suites([s for s in (suites or []) if not isinstance(s, Suite)]) \
        if not suite_objs or any(not isinstance(s, Suite) for s in (suites or [])) else []
    suite_objs = unique_suites(suite_objs)
    configs, backends = _model_configs(models)
    if settings.self_check:
        from .backends.selfcheck import local_models, require_local_backends

        require_local_backends(local_models(c for c in configs if c.name not in _callables(models)))
    store = RunStore(out, create=True)
    try:
        store.lock()
        for suite in suite_objs:
            bundled = _bundled_hashes().get(suite.name) == suite.content_hash
            store.add_suite(suite, source="bundled" if bundled else "file")
        for cfg in configs:
            desc = backends[cfg.name].describe()
            store.add_model(cfg.name, cfg.kind if cfg.name not in _callables(models) else "callable",
                            redact_spec(cfg.spec) if cfg.name not in _callables(models) else f"callable:{cfg.name}",
                            cfg.redacted() | {"backend": desc})
        store.begin_session([redact_urls_in(a) for a in (command or sys.argv)], settings.as_dict())
        plan = plan_requests(suite_objs, configs, settings)
        cache = ResponseCache() if settings.use_cache else None
        engine = Engine(store, settings, cache=cache, progress=progress)
        try:
            summary = _run_coro(_execute_and_close(engine, plan, backends))
        except EndpointDown:
            store.end_session(engine.summary.as_dict())
            raise
        finally:
            if cache:
                cache.close()
        store.end_session(summary.as_dict())
    finally:
        store.close()
    run = load_run(out)
    run.summary = summary
    return run


def _bundled_hashes() -> dict[str, str]:
    """Content hash of each bundled suite: a suite is labelled bundled only if it is unchanged."""
    from .probes import bundled_suites

    return {s.name: s.content_hash for s in bundled_suites()}


def _callables(models: Iterable[ModelArg]) -> set[str]:
    return {m[0] for m in models if isinstance(m, tuple)}


async def _execute_and_close(engine: Engine, plan: list, backends: dict[str, Backend]) -> RunSummary:
    """One event loop for the whole run: HTTP clients are bound to the loop they started on."""
    try:
        return await engine.execute(plan, backends)
    finally:
        for b in backends.values():
            await b.aclose()


def _run_coro(coro):
    """asyncio.run, also from inside a running loop (Jupyter): then in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


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
                  "text", "answer", "finish_reason", "tokens_in", "tokens_out", "latency_s",
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
