"""Build the backend a model config names (heavy libraries are imported only when needed)."""

from __future__ import annotations

from ._base import Backend
from ._specs import ModelConfig, split_openai_target


def make_backend(cfg: ModelConfig) -> Backend:
    """Build the backend a model config names (imports heavy libraries only when needed)."""
    kind, target = cfg.kind, cfg.target
    if kind == "openai":
        from ._openai_compat import OpenAIBackend

        model, base = split_openai_target(target)
        return OpenAIBackend(model, base, api_key_env=cfg.api_key_env, timeout_s=cfg.timeout_s,
                             concurrency=cfg.concurrency)
    if kind == "llamacpp":
        from ._llamacpp import LlamaCppBackend
        from ._localmodels import resolve_local_model

        return LlamaCppBackend(resolve_local_model(target), n_ctx=cfg.n_ctx, n_threads=cfg.n_threads,
                               chat_format=cfg.chat_format)
    if kind == "hf":
        from ._hf import HFBackend
        from ._localmodels import resolve_local_model

        return HFBackend(resolve_local_model(target), n_threads=cfg.n_threads)
    if kind == "replay":
        from ._replay import ReplayBackend

        return ReplayBackend(target)
    raise ValueError(f"no backend for kind {kind!r}")
