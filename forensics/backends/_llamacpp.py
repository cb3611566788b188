"""A local GGUF model through llama-cpp-python, in process."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from forensics.core import InputError

from forensics.watermark import GreenBias, WatermarkKey

from ._base import Capabilities, Failure, Request, Response, Result
from ._cpu import LOCAL_COMPUTE, default_threads

PLAIN_STOP = ["\nUser:", "\n\nUser:", "\nQuestion:"]


def plain_prompt(messages: list[dict]) -> str:
    """A plain completion template for base models that have no chat template."""
    parts = []
    for m in messages:
        role = {"system": "System", "user": "User", "assistant": "Assistant"}[m["role"]]
        parts.append(f"{role}: {m['content'].strip()}")
    return "\n\n".join(parts) + "\n\nAssistant:"


_QUIET_LOG = None


def _silence_llama_log() -> None:
    """Route llama.cpp's C-level log lines (printed even with verbose=False) to nowhere."""
    global _QUIET_LOG
    if _QUIET_LOG is None:
        import ctypes

        import llama_cpp

        _QUIET_LOG = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
        llama_cpp.llama_log_set(_QUIET_LOG, ctypes.c_void_p(0))


class LlamaCppBackend:
    """Loads the GGUF once (lazily); generation runs in a worker thread, one request at a time."""

    name = "llamacpp"

    def __init__(self, path: str | Path, *, n_ctx: int = 2048, n_threads: int | None = None,
                 chat_format: str | None = None, watermark: WatermarkKey | None = None):
        self.path = Path(path)
        self.watermark = watermark
        if not self.path.is_file():
            raise InputError(f"llamacpp model {str(path)!r}: no such GGUF file")
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.chat_format = chat_format
        self._llm = None
        self._has_template: bool | None = None
        self._lock = threading.Lock()
        self._scorer = None
        self.capabilities = Capabilities(logprobs=True, max_concurrency=1, in_process=True, scoring=True)

    def describe(self) -> dict:
        return {"kind": self.name, "path": str(self.path), "file_size": self.path.stat().st_size,
                "n_ctx": self.n_ctx, "n_threads": self.n_threads, "chat_format": self.chat_format,
                "chat_template": self._has_template,
                "watermark": self.watermark.settings() if self.watermark else None}

    def cache_identity(self) -> dict:
        """The weights by their SHA-256, not their name: a model retrained under the same file name
        (and size) must not be answered from the cache with the old model's responses."""
        from forensics.core import content_sha256

        ident = {"kind": self.name, "model": self.path.name, "sha256": content_sha256(self.path),
                 "n_ctx": self.n_ctx, "chat_format": self.chat_format}
        if self.watermark:
            ident["watermark"] = self.watermark.settings()
        return ident

    def _load(self):
        if self._llm is None:
            from llama_cpp import Llama

            _silence_llama_log()
            self._llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                              chat_format=self.chat_format, verbose=False)
            LOCAL_COMPUTE.acquire()
            meta = getattr(self._llm, "metadata", {}) or {}
            self._has_template = bool(self.chat_format) or "tokenizer.chat_template" in meta
        return self._llm

    def _generate_sync(self, req: Request) -> Result:
        p = req.params
        seed = req.sample_seed if req.sample_seed is not None else -1
        with self._lock:
            try:
                llm = self._load()
                t0 = time.perf_counter()
                common = dict(max_tokens=p.max_tokens, temperature=p.temperature, top_p=p.top_p,
                              seed=seed)
                if self.watermark:
                    from llama_cpp import LogitsProcessorList

                    common["logits_processor"] = LogitsProcessorList([GreenBias(self.watermark)])
                if self._has_template:
                    out = llm.create_chat_completion(messages=list(req.messages), **common)
                    choice = out["choices"][0]
                    text = choice["message"].get("content") or ""
                else:
                    out = llm.create_completion(prompt=plain_prompt(list(req.messages)),
                                                stop=PLAIN_STOP, **common)
                    choice = out["choices"][0]
                    text = choice.get("text") or ""
            except (ValueError, RuntimeError) as e:
                return Failure("model_error", f"{type(e).__name__}: {str(e)[:300]}", False)
        usage = out.get("usage") or {}
        return Response(text=text.strip(), finish_reason=choice.get("finish_reason"),
                        tokens_in=usage.get("prompt_tokens"), tokens_out=usage.get("completion_tokens"),
                        latency_s=time.perf_counter() - t0, server_model=self.path.name)

    async def generate(self, requests: list[Request]) -> list[Result]:
        return [await asyncio.to_thread(self._generate_sync, r) for r in requests]

    def score(self, messages: list[dict], text: str):
        """Per-token log-probabilities of `text` as this model's answer to `messages`."""
        from ._llamacpp_score import LlamaCppScorer

        if self._scorer is None:
            self._scorer = LlamaCppScorer(self.path, n_ctx=self.n_ctx, n_threads=self.n_threads)
        return self._scorer.score(messages, text)

    async def aclose(self) -> None:
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
        if self._llm is not None:
            close = getattr(self._llm, "close", None)
            if close:
                close()
            self._llm = None
            LOCAL_COMPUTE.release()
