"""A Python callable as a model, for notebooks: fn(messages, params) -> str | Response.

`params.seed` is the per-sample seed (run seed + sample index).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from dataclasses import replace

from ._base import Capabilities, Failure, Params, Request, Response, Result


class CallableBackend:
    name = "callable"

    def __init__(self, fn: Callable[[list[dict], Params], object], *, label: str | None = None,
                 concurrency: int = 1):
        self.fn = fn
        self.label = label or getattr(fn, "__qualname__", "callable")
        self.capabilities = Capabilities(max_concurrency=concurrency)

    def describe(self) -> dict:
        return {"kind": self.name, "callable": self.label}

    def cache_identity(self) -> dict:
        return {"kind": self.name, "callable": self.label}

    async def _one(self, req: Request) -> Result:
        t0 = time.perf_counter()
        try:
            out = self.fn(list(req.messages), replace(req.params, seed=req.sample_seed))
            if inspect.isawaitable(out):
                out = await out
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - a failing callable is a recorded failure
            return Failure("callable_error", f"{type(e).__name__}: {str(e)[:300]}", False)
        if isinstance(out, Response):
            return out
        if isinstance(out, Failure):
            return out
        if not isinstance(out, str):
            return Failure("bad_response", f"callable returned {type(out).__name__}, not str", False)
        return Response(text=out, finish_reason="stop", latency_s=time.perf_counter() - t0)

    async def generate(self, requests: list[Request]) -> list[Result]:
        return [await self._one(r) for r in requests]

    async def aclose(self) -> None:
        return None
