"""The one small interface every backend implements, and the data that crosses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Params:
    """Sampling parameters; every field is part of the cache key."""

    temperature: float = 0.7
    max_tokens: int = 256
    top_p: float = 1.0
    seed: int | None = 0

    def as_dict(self) -> dict:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens,
                "top_p": self.top_p, "seed": self.seed}


@dataclass(frozen=True)
class Request:
    """One cell of a run: probe × model × sample."""

    probe_id: str
    model: str
    sample: int
    messages: tuple[dict, ...]
    params: Params

    @property
    def cell(self) -> tuple[str, str, int]:
        return (self.model, self.probe_id, self.sample)

    @property
    def sample_seed(self) -> int | None:
        """Seed for this sample: the run seed offset by the sample index, so samples differ."""
        return None if self.params.seed is None else self.params.seed + self.sample


@dataclass(frozen=True)
class Response:
    text: str
    finish_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_s: float | None = None
    server_model: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class Failure:
    kind: str  # e.g. rate_limit, server_error, timeout, connection, bad_response, client_error
    message: str
    retryable: bool
    retry_after_s: float | None = None


Result = Response | Failure


@dataclass(frozen=True)
class Capabilities:
    logprobs: bool = False
    n_per_request: bool = False  # server can return n>1 choices in one call
    system_prompt: bool = True
    max_concurrency: int = 1  # sensible default limit for this backend
    in_process: bool = False  # runs on this machine's CPU (serialise with other local models)
    scoring: bool = False  # can score given text: `score(messages, text) -> TokenLogprobs`


@runtime_checkable
class Backend(Protocol):
    """Generates responses; must never raise for a per-request problem (return a Failure)."""

    name: str  # backend kind, e.g. "openai"
    capabilities: Capabilities

    def describe(self) -> dict:
        """Settings safe to store in the manifest (never secrets)."""

    def cache_identity(self) -> dict:
        """What identifies this backend's outputs for the shared cache (kind, model, base URL...)."""

    async def generate(self, requests: list[Request]) -> list[Result]:
        """One result per request, in order."""

    async def aclose(self) -> None:
        """Release resources (HTTP clients, loaded weights)."""


@dataclass
class BackendSettings:
    """Fuller settings a YAML model config can give on top of a spec string."""

    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 120.0
    n_ctx: int = 2048
    n_threads: int | None = None
    chat_format: str | None = None
    extra: dict = field(default_factory=dict)
