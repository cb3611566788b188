"""Asking at scale: plan cells, skip completed ones, concurrency, retries, cache, progress."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict, dataclass, field

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from forensics.backends import Backend, Failure, ModelConfig, Params, Request, Response
from forensics.core import ForensicsError
from forensics.probes import Suite
from forensics.store import ResponseCache, RunStore, cache_key
from forensics.watermark import WatermarkKey


@dataclass
class RunSettings:
    """Run-wide settings (a model's own config may override sampling and system prompt)."""

    samples: int = 1
    temperature: float = 0.7
    max_tokens: int = 256
    top_p: float = 1.0
    seed: int | None = 0
    concurrency: int | None = None  # per endpoint; None: the backend's default
    max_attempts: int = 5
    max_wait_s: float = 60.0
    use_cache: bool = True
    system_variants: list[str] = field(default_factory=list)
    down_after: int = 3  # consecutive refused connections after which an endpoint is down
    self_check: bool = True  # one token from each local model in a child process first
    watermark: WatermarkKey | None = None  # local models generate with this green-list key

    def as_dict(self) -> dict:
        """The settings a run records: the watermark as its parameters and key SHA-256, never the key."""
        d = asdict(self)
        d["watermark"] = self.watermark.settings() if self.watermark else None
        return d


@dataclass
class RunSummary:
    planned: int = 0
    already_done: int = 0
    completed: int = 0
    from_cache: int = 0
    failed: int = 0
    attempts: int = 0
    failures_by_kind: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (an endpoint went down)

    def as_dict(self) -> dict:
        return asdict(self)


class EndpointDown(ForensicsError):
    """An endpoint refused every connection: the run stops; rerunning resumes it."""

    exit_code = 4


class _EndpointHealth:
    """Counts consecutive refused connections to one endpoint; any other outcome resets the count."""

    def __init__(self, label: str, limit: int):
        self.label, self.limit = label, max(1, limit)
        self.refused = 0
        self.last: str = ""

    def observe(self, result: Response | Failure) -> None:
        if isinstance(result, Failure) and result.kind == "unreachable":
            self.refused += 1
            self.last = result.message
        else:
            self.refused = 0

    @property
    def down(self) -> bool:
        return self.refused >= self.limit

    def error(self, model: str) -> EndpointDown:
        return EndpointDown(f"endpoint {self.label} (model {model!r}) is down: {self.refused} consecutive "
                            f"connections refused ({self.last}). Completed responses are kept; start the "
                            f"server and run the same command again to resume.")


def _endpoint_label(backend: Backend, model: str) -> str:
    desc = backend.describe()
    return str(desc.get("base_url") or desc.get("path") or model)


def _model_params(cfg: ModelConfig, s: RunSettings) -> Params:
    return Params(temperature=cfg.temperature if cfg.temperature is not None else s.temperature,
                  max_tokens=cfg.max_tokens or s.max_tokens, top_p=cfg.top_p or s.top_p, seed=s.seed)


def plan_requests(suites: list[Suite], models: list[ModelConfig], s: RunSettings) -> list[Request]:
    """Every cell (model, probe, sample); with system variants, sample = variant * samples + k."""
    variants: list[str | None] = list(s.system_variants) or [None]
    out = []
    for cfg in models:
        params = _model_params(cfg, s)
        for suite in suites:
            for probe in suite.probes:
                for vi, variant in enumerate(variants):
                    system = variant if variant is not None else cfg.system
                    messages = tuple(probe.chat(system=system))
                    for k in range(s.samples):
                        out.append(Request(probe.id, cfg.name, vi * s.samples + k, messages, params))
    return out


class _Retryable(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


class _RetryAfterWait:
    """Exponential backoff with jitter, or the server's Retry-After when it gives one."""

    def __init__(self, max_wait: float):
        self.max_wait = max_wait
        self.backoff = wait_exponential_jitter(initial=0.5, max=max_wait, jitter=0.5)

    def __call__(self, state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.failure.retry_after_s is not None:
            return min(self.max_wait, exc.failure.retry_after_s)
        return self.backoff(state)


class Engine:
    """Executes a plan against backends, writing each result to the store as it arrives."""

    def __init__(self, store: RunStore, settings: RunSettings, cache: ResponseCache | None = None,
                 progress: bool = True):
        self.store = store
        self.settings = settings
        self.cache = cache
        self.progress = progress
        self.summary = RunSummary()

    async def _attempts(self, backend: Backend, req: Request,
                        health: _EndpointHealth) -> tuple[Response | Failure, int]:
        n = 0
        last: Failure | None = None
        retrying = AsyncRetrying(stop=stop_after_attempt(self.settings.max_attempts),
                                 wait=_RetryAfterWait(self.settings.max_wait_s),
                                 retry=retry_if_exception_type(_Retryable), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    if health.down:
                        raise health.error(req.model)
                    n += 1
                    result = (await backend.generate([req]))[0]
                    self.store.record_attempt(req, n, result)
                    self.summary.attempts += 1
                    health.observe(result)
                    if health.down:
                        raise health.error(req.model)
                    if isinstance(result, Failure):
                        last = result
                        if result.retryable:
                            raise _Retryable(result)
                    return result, n
        except _Retryable:
            pass
        assert last is not None
        return last, n

    async def _cell(self, backend: Backend, req: Request, ident: dict, health: _EndpointHealth) -> None:
        key = cache_key(ident, req) if self.cache else None
        if self.cache and key:
            hit = self.cache.get(key)
            if hit is not None:
                if self.store.add_response(req, hit, from_cache=True):
                    self.summary.completed += 1
                    self.summary.from_cache += 1
                return
        result, n_attempts = await self._attempts(backend, req, health)
        if isinstance(result, Response):
            if self.store.add_response(req, result):
                self.summary.completed += 1
            if self.cache and key:
                self.cache.put(key, result)
        else:
            self.store.record_error(req, result, attempts=n_attempts)
            self.summary.failed += 1
            kinds = Counter(self.summary.failures_by_kind)
            kinds[result.kind] += 1
            self.summary.failures_by_kind = dict(kinds)

    async def _run_model(self, backend: Backend, reqs: list[Request], limit: int, advance) -> None:
        queue: asyncio.Queue[Request] = asyncio.Queue()
        for r in reqs:
            queue.put_nowait(r)
        ident = backend.cache_identity()
        health = _EndpointHealth(_endpoint_label(backend, reqs[0].model), self.settings.down_after)

        async def worker() -> None:
            while True:
                try:
                    req = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._cell(backend, req, ident, health)
                advance()

        tasks = [asyncio.ensure_future(worker()) for _ in range(max(1, min(limit, len(reqs))))]
        try:
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:  # the first failure (or a cancel) stops every worker: no request left in flight
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for t in done:
            if not t.cancelled() and t.exception() is not None:
                raise t.exception()

    async def execute(self, plan: list[Request], backends: dict[str, Backend]) -> RunSummary:
        done = self.store.completed_cells()
        todo = [r for r in plan if r.cell not in done]
        self.summary.planned = len(plan)
        self.summary.already_done = len(plan) - len(todo)
        by_model: dict[str, list[Request]] = {}
        for r in todo:
            by_model.setdefault(r.model, []).append(r)
        with _progress(self.progress, len(todo)) as advance:
            for model, reqs in by_model.items():  # one model at a time: a local model loads once
                backend = backends[model]
                limit = 1 if backend.capabilities.in_process else (
                    self.settings.concurrency or backend.capabilities.max_concurrency)
                advance.describe(model)
                try:
                    await self._run_model(backend, reqs, limit, advance)
                except EndpointDown as e:
                    self.summary.stopped = str(e)
                    raise
                finally:
                    if backend.capabilities.in_process:
                        await backend.aclose()
        return self.summary


class _progress:
    """A rich progress bar with rate and ETA (or nothing when disabled)."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total = enabled, total
        self._bar = None
        self._task = None

    def __enter__(self) -> "_progress":
        if self.enabled and self.total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
            self._bar.__enter__()
            self._task = self._bar.add_task("responses", total=self.total, rate="")
        return self

    def describe(self, model: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"[bold]{model}[/]")

    def __call__(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)
            speed = self._bar.tasks[0].speed
            self._bar.update(self._task, rate=f"{speed:.2f}/s" if speed else "")

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
