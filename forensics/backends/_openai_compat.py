"""Any OpenAI-compatible chat-completions endpoint, through the official `openai` SDK."""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import urlparse

from forensics.core import InputError, redact_url, with_reasoning

from ._base import Capabilities, Failure, Request, Response, Result

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _retry_after(headers) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header, if present and sane."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if not ra:
        return None
    try:
        return max(0.0, float(ra))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(ra).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _reason(exc: BaseException) -> str:
    """The innermost OS reason of a connect error ('Connection refused'), never a URL or header."""
    inner: BaseException | None = exc
    while inner is not None:
        if isinstance(inner, OSError) and inner.errno:
            return os.strerror(inner.errno)
        inner = inner.__cause__ or inner.__context__
    return str(exc)[:100] or type(exc).__name__


def _reasoning_content(msg) -> str | None:
    """The server's separate reasoning trace (`reasoning_content`, as DeepSeek and vLLM send it)."""
    value = getattr(msg, "reasoning_content", None)
    if value is None:
        value = (getattr(msg, "model_extra", None) or {}).get("reasoning_content")
    return value if isinstance(value, str) and value.strip() else None


def failure_from_exception(exc: BaseException) -> Failure:
    """Classify an SDK exception; the message never includes request headers (no key)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return Failure("timeout", "request timed out", True)
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        # httpx's (or httpx2's) ConnectError: refused, no route, unknown host; nobody answers
        if any(k.__name__ == "ConnectError" for k in type(cause).__mro__):
            return Failure("unreachable", f"cannot connect: {_reason(cause)}", True)
        return Failure("connection", f"connection error: {type(cause).__name__}", True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        ra = _retry_after(exc.response.headers if exc.response is not None else None)
        msg = f"HTTP {status}: {str(exc.message)[:300]}"
        if status == 429:
            return Failure("rate_limit", msg, True, ra)
        if status >= 500 or status in (408, 409):
            return Failure("server_error", msg, True, ra)
        return Failure("client_error", msg, False)
    if isinstance(exc, (openai.APIResponseValidationError, ValueError, KeyError, TypeError)):
        return Failure("bad_response", f"malformed response: {type(exc).__name__}", True)
    return Failure("unexpected", f"{type(exc).__name__}: {str(exc)[:300]}", True)


class OpenAIBackend:
    """Chat completions through `openai.AsyncOpenAI`; SDK retries are off (the runner retries)."""

    name = "openai"

    def __init__(self, model: str, base_url: str | None = None, *, api_key_env: str = "OPENAI_API_KEY",
                 timeout_s: float = 120.0, concurrency: int | None = None):
        import openai

        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.public_url = redact_url(self.base_url)
        parts = urlparse(self.base_url)
        if parts.username or parts.password or parts.query or parts.fragment:
            raise InputError(f"model {model!r} at {self.public_url}: the base URL carries credentials or a "
                             f"query string; remove them and put the key in the environment variable {api_key_env}")
        self.api_key_env = api_key_env
        key = os.environ.get(api_key_env)
        if not key:
            host = urlparse(self.base_url).hostname or ""
            if host not in _LOOPBACK:
                raise InputError(f"model {model!r} at {self.public_url}: set the API key in the environment "
                                 f"variable {api_key_env} (or name another with --api-key-env)")
            key = "not-needed-for-local-server"
        self._client = openai.AsyncOpenAI(base_url=self.base_url, api_key=key, max_retries=0,
                                          timeout=timeout_s)
        self._key, self._timeout_s, self._sync_client = key, timeout_s, None
        # scoring: only servers that return prompt log-probabilities (llama_cpp.server, vLLM);
        # `score` says so with the server's own answer when it cannot
        self.capabilities = Capabilities(logprobs=True, n_per_request=True,
                                         max_concurrency=concurrency or 8, scoring=True)

    def describe(self) -> dict:
        return {"kind": self.name, "model": self.model, "base_url": self.public_url,
                "api_key_env": self.api_key_env}

    def cache_identity(self) -> dict:
        return {"kind": self.name, "model": self.model, "base_url": self.public_url}

    async def _one(self, req: Request) -> Result:
        p = req.params
        t0 = time.perf_counter()
        try:
            kwargs = dict(model=self.model, messages=list(req.messages), temperature=p.temperature,
                          max_tokens=p.max_tokens, top_p=p.top_p)
            if req.sample_seed is not None:
                kwargs["seed"] = req.sample_seed
            resp = await self._client.chat.completions.create(**kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded Failure
            return failure_from_exception(exc)
        latency = time.perf_counter() - t0
        choices = getattr(resp, "choices", None)
        if not choices:
            return Failure("bad_response", "response has no choices", True)
        msg = getattr(choices[0], "message", None)
        text = getattr(msg, "content", None)
        reasoning = _reasoning_content(msg)
        if not isinstance(text, str) and not reasoning:
            return Failure("bad_response", "response choice has no text content", True)
        text = with_reasoning(reasoning, text if isinstance(text, str) else "")
        usage = getattr(resp, "usage", None)
        return Response(text=text, finish_reason=choices[0].finish_reason,
                        tokens_in=getattr(usage, "prompt_tokens", None),
                        tokens_out=getattr(usage, "completion_tokens", None),
                        latency_s=latency, server_model=getattr(resp, "model", None),
                        fingerprint=getattr(resp, "system_fingerprint", None))

    async def generate(self, requests: list[Request]) -> list[Result]:
        return list(await asyncio.gather(*(self._one(r) for r in requests)))

    def score(self, messages: list[dict], text: str):
        """Per-token log-probabilities of `text` after `messages`, from the server's prompt
        log-probabilities (see `_openai_score`); `ScoringUnsupported` where it has none."""
        import openai

        from ._openai_score import ScorerUnreachable, _score_with_client

        if self._sync_client is None:
            self._sync_client = openai.OpenAI(base_url=self.base_url, api_key=self._key, max_retries=0,
                                              timeout=self._timeout_s)
        where = f"scorer {self.model!r} at {self.public_url}"
        try:
            return _score_with_client(self._sync_client, self.model, messages, text, where)
        except (openai.APIConnectionError, openai.APITimeoutError) as e:
            raise ScorerUnreachable(f"{where}: {_reason(e)}") from None

    async def aclose(self) -> None:
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None
        await self._client.close()
