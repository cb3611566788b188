"""`run_suite`: send suites to models and store every response (resumable)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from forensics.backends import (
    Backend,
    CallableBackend,
    ModelConfig,
    make_backend,
    parse_model_option,
    redact_spec,
)
from forensics.core import InputError, redact_urls_in
from forensics.probes import Suite, resolve_suites, unique_suites
from forensics.watermark import WatermarkKey
from forensics.store import ResponseCache, Run, RunStore, load_run

from ._engine import EndpointDown, Engine, RunSettings, RunSummary, plan_requests

ModelArg = str | ModelConfig | tuple[str, Callable]


def _model_configs(models: Iterable[ModelArg], watermark: WatermarkKey | None = None
                   ) -> tuple[list[ModelConfig], dict[str, Backend]]:
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
            backends[cfg.name] = make_backend(cfg, watermark=watermark)
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
    configs, backends = _model_configs(models, settings.watermark)
    if settings.self_check:
        from forensics.backends import local_models, require_local_backends

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
    from forensics.probes import bundled_suites

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


