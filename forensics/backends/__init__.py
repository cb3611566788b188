"""Backends: how to ask. One module per kind, one small protocol (`base.Backend`)."""

from __future__ import annotations

from ..specs import ModelConfig, split_openai_target
from .base import Backend, Capabilities, Failure, Params, Request, Response, Result


def make_backend(cfg: ModelConfig) -> Backend:
    """Build the backend a model config names (imports heavy libraries only when needed)."""
    kind, target = cfg.kind, cfg.target
    if kind == "openai":
        from .openai_compat import OpenAIBackend

        model, base = split_openai_target(target)
        return OpenAIBackend(model, base, api_key_env=cfg.api_key_env, timeout_s=cfg.timeout_s,
                             concurrency=cfg.concurrency)
    if kind == "llamacpp":
        from ..localmodels import resolve_local_model
        from .llamacpp import LlamaCppBackend

        return LlamaCppBackend(resolve_local_model(target), n_ctx=cfg.n_ctx, n_threads=cfg.n_threads,
                               chat_format=cfg.chat_format)
    if kind == "hf":
        from ..localmodels import resolve_local_model
        from .hf import HFBackend

        return HFBackend(resolve_local_model(target), n_threads=cfg.n_threads)
    if kind == "replay":
        from .replay import ReplayBackend

        return ReplayBackend(target)
    raise ValueError(f"no backend for kind {kind!r}")


__all__ = ["Backend", "Capabilities", "Failure", "Params", "Request", "Response", "Result", "make_backend"]
